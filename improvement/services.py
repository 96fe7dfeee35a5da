"""Writes to the operational record. Called by the Celery signal handlers and the beat task."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import Heartbeat, TaskRun

ERROR_MAX_CHARS = 20_000


def task_run_start(
    *, task_id: str, task_name: str, worker: str = "", now: dt.datetime | None = None
) -> None:
    """A worker started a task. A retry reuses the id: it starts the same record again."""
    TaskRun.objects.update_or_create(
        task_id=task_id,
        defaults={
            "task_name": task_name,
            "worker": worker[:255],
            "started_at": now or timezone.now(),
            "finished_at": None,
            "ok": None,
            "error": "",
        },
    )


def task_run_finish(
    *, task_id: str, ok: bool, error: str = "", now: dt.datetime | None = None
) -> None:
    """A task finished: ``ok`` or not, with the error (the traceback's last lines) if not."""
    fields = {"finished_at": now or timezone.now(), "ok": ok}
    if error:
        fields["error"] = error[-ERROR_MAX_CHARS:]
    TaskRun.objects.filter(task_id=task_id).update(**fields)


def heartbeat_record(*, name: str, detail: str = "", now: dt.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": now or timezone.now(), "detail": detail[:255]}
    )


def task_runs_prune(
    *, keep_ok_days: int = 14, keep_failed_days: int = 90, now: dt.datetime | None = None
) -> int:
    """Forget old runs: successes after two weeks, failures after three months."""
    now = now or timezone.now()
    with transaction.atomic():
        ok, _ = TaskRun.objects.filter(
            ok=True, started_at__lt=now - dt.timedelta(days=keep_ok_days)
        ).delete()
        other, _ = (
            TaskRun.objects.exclude(ok=True)
            .filter(started_at__lt=now - dt.timedelta(days=keep_failed_days))
            .delete()
        )
    return ok + other
