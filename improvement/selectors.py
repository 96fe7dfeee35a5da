"""Reads of what beat and the workers recorded: the health checks and the Automation page."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max

from .models import Heartbeat, TaskRun

logger = logging.getLogger(__name__)

FAILURES_SHOWN_DAYS = 7
# A run with no end after this long: the worker stopped under it (or it hangs).
UNFINISHED_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ScheduledTask:
    """One entry of beat's schedule and what happened when a worker last ran it."""

    key: str
    task_name: str
    last_run: TaskRun | None
    last_ok_at: dt.datetime | None


def beat_task_names() -> dict[str, str]:
    """Beat's schedule: entry key → task name."""
    return {key: entry["task"] for key, entry in settings.CELERY_BEAT_SCHEDULE.items()}


def beat_heartbeat() -> Heartbeat | None:
    return Heartbeat.objects.filter(name="beat").first()


def is_beat_stale(beat: Heartbeat | None, now: dt.datetime) -> bool:
    return beat is None or beat.at < now - dt.timedelta(seconds=settings.BEAT_STALE_SECONDS)


def are_workers_stale(scheduled: list[ScheduledTask], now: dt.datetime) -> bool:
    """No scheduled task has finished well lately: no worker is taking them."""
    limit = now - dt.timedelta(seconds=settings.BEAT_STALE_SECONDS)
    return not any(t.last_ok_at and t.last_ok_at >= limit for t in scheduled)


def scheduled_tasks() -> list[ScheduledTask]:
    """The last run and the last good run of each scheduled task (one query per entry)."""
    names = beat_task_names()
    last_ok = dict(
        TaskRun.objects.named(names.values())
        .filter(ok=True)
        .order_by()
        .values_list("task_name")
        .annotate(at=Max("finished_at"))
    )
    return [
        ScheduledTask(
            key=key,
            task_name=name,
            last_run=TaskRun.objects.filter(task_name=name).order_by("-started_at", "-id").first(),
            last_ok_at=last_ok.get(name),
        )
        for key, name in names.items()
    ]


def failed_runs(now: dt.datetime) -> list[TaskRun]:
    """Failures of the last week and runs that never finished, newest first (two queries).

    Each carries ``recovered_at``: when the same task last succeeded after it, if it has.
    """
    since = now - dt.timedelta(days=FAILURES_SHOWN_DAYS)
    failed = TaskRun.objects.failed().filter(started_at__gte=since)
    unfinished = TaskRun.objects.filter(
        ok__isnull=True, started_at__gte=since, started_at__lt=now - UNFINISHED_AFTER
    )
    runs = list((failed | unfinished).order_by("-started_at", "-id")[:50])
    last_ok = dict(
        TaskRun.objects.filter(ok=True, task_name__in={r.task_name for r in runs})
        .order_by()
        .values_list("task_name")
        .annotate(at=Max("started_at"))
    )
    for run in runs:
        at = last_ok.get(run.task_name)
        run.recovered_at = at if at and at > run.started_at else None
    return runs
