"""Operations: request ids in JSON logs, error reports, the detailed health check, emails
marked as automatic, unsubscribing from reminders, and what goes into the image."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client, override_settings
from django.utils import timezone

from improvement import observability
from improvement.models import Heartbeat
from reporting import services
from reporting.emails import reminder_message
from reporting.models import ReminderOptOut
from reporting.unsubscribe import unsubscribe_path
from tests.factories import ActionFactory, PlanFactory, UserFactory
from tests.reporting.conftest import london, travel, week

ROOT = Path(settings.BASE_DIR)
WRAPPED_LOCMEM = {
    "EMAIL_BACKEND": "improvement.mail.AutoSubmittedEmailBackend",
    "EMAIL_INNER_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


# Request ids and JSON logs --------------------------------------------------------------


def test_every_response_carries_a_request_id(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_the_proxys_request_id_is_kept_and_a_strange_one_replaced(client, db):
    kept = client.get("/healthz", headers={"X-Request-ID": "trust-proxy-0001"})
    assert kept["X-Request-ID"] == "trust-proxy-0001"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd["X-Request-ID"])


def test_log_lines_are_json_with_the_request_id_of_their_request(rf):
    stream = io.StringIO()
    config = observability.logging_config(level="INFO", json=True)
    assert config["formatters"]["default"]["()"] == "improvement.observability.json_formatter"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.json_formatter())
    handler.addFilter(observability.RequestIdFilter())
    logger = logging.getLogger("tests.operations")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def view(request):
        logger.info("Saved update for %s", "T3")
        from django.http import HttpResponse

        return HttpResponse("ok")

    try:
        request = rf.get("/", headers={"X-Request-ID": "abcdef0123456789"})
        response = observability.RequestIdMiddleware(view)(request)
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert response["X-Request-ID"] == "abcdef0123456789"
    assert inside["message"] == "Saved update for T3"
    assert inside["request_id"] == "abcdef0123456789"
    assert inside["level"] == "INFO" and inside["logger"] == "tests.operations"
    assert "time" in inside
    assert outside["request_id"] == "-"


def test_a_bad_log_format_stops_the_start():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "improvement.settings",
            "DEBUG": "1",
            "SECRET_KEY": "x" * 60,
            "LOG_FORMAT": "xml",
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text" in result.stderr


# Error reports ----------------------------------------------------------------------------


@pytest.fixture
def sentry_events():
    """Error reporting switched on with a transport that keeps the events here."""
    events = []

    class Keep(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            for item in envelope.items:
                if item.type == "event":
                    events.append(item.payload.json)

    observability.init_error_reporting(
        dsn="https://public@errors.example-trust.nhs.uk/1",
        environment="test",
        release="abc123",
        transport=Keep,
    )
    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: off again


def test_an_unhandled_error_is_reported_without_personal_data(sentry_events, monkeypatch, pmo, db):
    from improvement import selectors

    def broken():
        raise RuntimeError("the automation record is unreadable")

    monkeypatch.setattr(selectors, "beat_heartbeat", broken)
    client = Client(raise_request_exception=False)
    client.force_login(pmo)
    response = client.get("/healthz/automation")
    sentry_sdk.flush()
    assert response.status_code == 500
    (event,) = sentry_events
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["environment"] == "test" and event["release"] == "abc123"
    text = json.dumps(event)
    assert pmo.email not in text
    assert client.cookies["sessionid"].value not in text
    assert "email" not in event.get("user", {})


# The detailed health check ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@override_settings(HEALTHZ_TOKEN="monitoring-token-0123456789")
def test_detail_health_check_reports_each_part(tmp_path):
    with override_settings(EVIDENCE_ROOT=tmp_path):
        Heartbeat.objects.create(name="beat", at=timezone.now())
        response = Client().get(
            "/healthz/detail",
            headers={
                "Authorization": "Bearer monitoring-token-0123456789",
                "Accept": "application/json",
            },
        )
    body = response.json()
    names = " ".join(body)
    for part in ("Database", "Cache", "Storage", "Disk", "Beat", "Workers"):
        assert part in names, part
    assert "Redis" in names if settings.REDIS_URL else "Redis" not in names
    passing = {name: status for name, status in body.items() if status == "OK"}
    assert any(n.startswith("Database") for n in passing)
    assert any(n.startswith("Storage") for n in passing), body
    assert any(n.startswith("Beat") for n in passing), body
    if settings.REDIS_URL:
        assert any(n.startswith("Redis") for n in passing), body
    # No worker has finished a scheduled task in an empty database: that fails, with a 500.
    workers = next(status for name, status in body.items() if name.startswith("Workers"))
    assert "No worker has finished" in workers
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
@override_settings(HEALTHZ_TOKEN="monitoring-token-0123456789")
def test_detail_health_check_is_refused_without_the_token():
    assert Client().get("/healthz/detail").status_code == 403
    wrong = Client().get("/healthz/detail", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    lead = UserFactory(username="lead", roles=["Action lead"])
    client = Client()
    client.force_login(lead)
    assert client.get("/healthz/detail").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_detail_health_check_opens_for_the_pmo():
    pmo = UserFactory(username="pmo", roles=["PMO"])
    client = Client()
    client.force_login(pmo)
    assert client.get("/healthz/detail", headers={"Accept": "application/json"}).status_code in (
        200,
        500,
    )


# Emails ------------------------------------------------------------------------------------


@override_settings(**WRAPPED_LOCMEM)
def test_every_email_says_it_was_sent_automatically():
    EmailMessage("Subject", "Body", to=["lead@example-trust.nhs.uk"]).send()
    (message,) = mail.outbox
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.message()["Auto-Submitted"] == "auto-generated"


@pytest.fixture
def reminder_week(db):
    plan = PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=dt.date(2026, 11, 19))
    slow = UserFactory(username="slow", email="slow@example-trust.nhs.uk")
    ActionFactory(plan=plan, ref="S1", action_lead=slow)
    period = week(plan, dt.date(2026, 11, 25))
    return plan, slow, period


@override_settings(SITE_URL="https://improvement.example-trust.nhs.uk", **WRAPPED_LOCMEM)
def test_reminders_carry_a_one_click_unsubscribe_and_nudges_do_not(reminder_week):
    plan, slow, period = reminder_week
    with travel(london(2026, 11, 24, 9)):
        assert services.reminders_send_due(plan=plan).sent == 1
    (reminder,) = mail.outbox
    header = reminder.message()["List-Unsubscribe"]
    path = unsubscribe_path(plan_id=plan.pk, user_id=slow.pk)
    assert header == f"<https://improvement.example-trust.nhs.uk{path}>"
    assert reminder.message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reminder.message()["Auto-Submitted"] == "auto-generated"
    assert path in reminder.body
    nudge = reminder_message(lead=slow, period=period, actions=[], nudge=True)
    assert "List-Unsubscribe" not in nudge.extra_headers


def test_one_click_unsubscribe_stops_the_scheduled_reminders(reminder_week):
    plan, slow, period = reminder_week
    path = unsubscribe_path(plan_id=plan.pk, user_id=slow.pk)
    # A mail client's RFC 8058 POST: no session, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 302
    assert ReminderOptOut.objects.filter(plan=plan, user=slow).exists()
    with travel(london(2026, 11, 24, 9)):
        assert services.reminders_send_due(plan=plan).sent == 0
    with travel(london(2026, 11, 24, 10)):
        assert services.nudge_send(plan=plan, by=None).sent == 1, "the PMO can still nudge"


def test_the_unsubscribe_page_turns_reminders_back_on(reminder_week):
    plan, slow, period = reminder_week
    path = unsubscribe_path(plan_id=plan.pk, user_id=slow.pk)
    client = Client()
    assert "Stop reminder emails for this plan" in client.get(path).content.decode()
    client.post(path, {})
    page = client.get(path).content.decode()
    assert "You get no reminder emails for this plan" in page
    client.post(path, {"resume": "1"})
    assert not ReminderOptOut.objects.filter(plan=plan, user=slow).exists()
    with travel(london(2026, 11, 24, 9)):
        assert services.reminders_send_due(plan=plan).sent == 1


def test_a_forged_unsubscribe_address_changes_nothing(reminder_week):
    plan, slow, period = reminder_week
    good = unsubscribe_path(plan_id=plan.pk, user_id=slow.pk)
    forged = good.replace(good.rstrip("/").rsplit(":", 1)[-1], "AAAAAAAAAAAAAAAAAAAAAAAAAAA")
    response = Client().post(forged, {})
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert not ReminderOptOut.objects.exists()


# The image ------------------------------------------------------------------------------


def test_the_image_builds_the_front_end_on_node_22():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM node:22-bookworm-slim AS frontend$", dockerfile, re.M)


def test_tests_benchmarks_and_fixtures_stay_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"tests", "bench", "fixtures", ".venv", ".git", ".env"} <= ignored
