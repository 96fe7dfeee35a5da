"""Logs a machine can read, with the request (or task) they belong to, and error reports.

Every log line carries ``request_id``: the id the trust's proxy sent in ``X-Request-ID``
(when it is a plausible id), or a new one; the response sends it back, so a user's
"it failed at 10:02" can be matched to the lines of that request. Celery tasks log with
``task:<task id>``. With ``SENTRY_DSN`` set, unhandled errors of the web app and the
workers go to Sentry or GlitchTip (which speaks Sentry's protocol), without personal data.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from celery import signals
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Gives each request an id (the proxy's, if it sent a sane one) for its logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if _VALID_ID.match(sent) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


@signals.task_prerun.connect(weak=False)
def _task_started(task_id=None, **_kwargs) -> None:
    _request_id.set(f"task:{task_id}")


@signals.task_postrun.connect(weak=False)
def _task_finished(**_kwargs) -> None:
    _request_id.set("-")


def json_formatter() -> logging.Formatter:
    """time, level, logger, message and request_id, plus anything passed in ``extra``."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def logging_config(*, level: str, json: bool) -> dict:
    """The LOGGING setting: one line of JSON per record, or plain text for a terminal."""
    formatter = (
        {"()": "improvement.observability.json_formatter"}
        if json
        else {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "improvement.observability.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }


def init_error_reporting(*, dsn: str, environment: str, release: str, **options) -> None:
    """Sends unhandled errors of the web app and the workers to Sentry or GlitchTip."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Staff names, emails and narratives stay in the trust: no user, request body, SQL
        # values, task arguments or local variables are sent; headers and cookies scrubbed.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        traces_sample_rate=0.0,
        **options,
    )
    sentry_sdk.set_tag("service", "improvement-plan")
