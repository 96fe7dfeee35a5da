"""Celery signal handlers that keep the automation's record (``TaskRun``, ``Heartbeat``).

Signals are the right tool here, and the only place the project uses them: every task of
every app must be recorded, including tasks written later by people who will not think
to call us, and the record is about the worker's run of a task, not about the task's
domain. A task that had to remember to record itself would be the task that forgot.

The handlers never raise: a record that cannot be written (the database is down, which
is also why the task failed) is logged, and the task's own outcome stands.
"""

from __future__ import annotations

import logging
import traceback

from celery import signals
from django.conf import settings
from django.db import close_old_connections, connection

from . import services

logger = logging.getLogger(__name__)

# Set in the beat process only: there, each task sent is beat's heartbeat.
_in_beat = False


def _recording() -> bool:
    return getattr(settings, "TASK_RUNS_RECORD", True)


def _safely(write, what: str) -> None:
    try:
        if not connection.in_atomic_block:  # never drop a connection a transaction is using
            close_old_connections()  # beat and workers live long: drop one gone stale
        write()
    except Exception:  # the record must never fail the task or stop beat
        logger.exception("Could not record %s in the automation record", what)


@signals.task_prerun.connect
def _task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    if not _recording() or task_id is None:
        return
    name = getattr(sender, "name", str(sender))
    worker = getattr(getattr(task, "request", None), "hostname", "") or ""
    _safely(
        lambda: services.task_run_start(task_id=task_id, task_name=name, worker=worker),
        f"the start of {name}",
    )


@signals.task_failure.connect
def _task_failed(sender=None, task_id=None, exception=None, einfo=None, **kwargs) -> None:
    if not _recording() or task_id is None:
        return
    if einfo is not None and getattr(einfo, "traceback", None):
        error = str(einfo.traceback)
    else:
        error = "".join(traceback.format_exception_only(type(exception), exception))
    _safely(
        lambda: services.task_run_finish(task_id=task_id, ok=False, error=error),
        f"the failure of {getattr(sender, 'name', sender)}",
    )


@signals.task_postrun.connect
def _task_finished(sender=None, task_id=None, state=None, **kwargs) -> None:
    if not _recording() or task_id is None or state == "FAILURE":  # recorded on failure
        return
    ok = state == "SUCCESS"
    error = "" if ok else f"The task ended in state {state}."
    _safely(
        lambda: services.task_run_finish(task_id=task_id, ok=ok, error=error),
        f"the end of {getattr(sender, 'name', sender)}",
    )


@signals.beat_init.connect
def _beat_started(sender=None, **kwargs) -> None:
    global _in_beat
    _in_beat = True
    if _recording():
        _safely(lambda: services.heartbeat_record(name="beat", detail="started"), "beat's start")


@signals.after_task_publish.connect
def _task_sent(sender=None, **kwargs) -> None:
    if not _in_beat or not _recording():
        return
    _safely(
        lambda: services.heartbeat_record(name="beat", detail=f"sent {sender}"),
        "beat's heartbeat",
    )
