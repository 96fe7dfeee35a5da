"""Reads for the PMO's Automation page and the health checks."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Max
from django.utils import timezone

from actions.models import ReportingPeriod

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


@dataclass(frozen=True)
class Record:
    """Something another app keeps (a report, a reminder), as the page shows it."""

    title: str
    at: dt.datetime | None
    detail: str = ""
    url: str = ""


@dataclass
class Automation:
    now: dt.datetime
    beat: Heartbeat | None
    beat_stale: bool
    scheduled: list[ScheduledTask]
    last_lock: ReportingPeriod | None
    last_exception_report: Record | None
    last_reminders: Record | None
    teams: Record | None
    failed: list[TaskRun]
    failures_days: int = FAILURES_SHOWN_DAYS

    @property
    def healthy(self) -> bool:
        return not self.beat_stale and not self.worker_stale

    @property
    def worker_stale(self) -> bool:
        return are_workers_stale(self.scheduled, self.now)


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


def last_lock() -> ReportingPeriod | None:
    return (
        ReportingPeriod.objects.filter(lock_recorded_at__isnull=False)
        .select_related("plan", "locked_by")
        .order_by("-lock_recorded_at", "-id")
        .first()
    )


def _reporting_model(name: str) -> Any:
    """A model of the reporting app, or None while that app does not have it."""
    try:
        return apps.get_model("reporting", name)
    except LookupError:
        return None


def _has_fields(model: Any, *names: str) -> bool:
    try:
        for name in names:
            model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def last_exception_report() -> Record | None:
    """reporting.ExceptionReport: the newest built (``built_at``), issued or not."""
    model = _reporting_model("ExceptionReport")
    if model is None or not _has_fields(model, "built_at", "issued_at"):
        return None
    report = model.objects.select_related("period__plan").order_by("-built_at", "-id").first()
    if report is None:
        return None
    if report.issued_at:
        detail = f"Issued {timezone.localtime(report.issued_at):%a %d %b %Y %H:%M}"
        if getattr(report, "auto_issued", False):
            detail += " (automatically, at the issue deadline)"
    else:
        detail = "Draft, not yet issued"
    try:
        url = report.get_absolute_url()
    except Exception:  # the reporting app's URLs may not be wired yet
        url = ""
    return Record(title=str(report), at=report.built_at, detail=detail, url=url)


def last_reminders() -> Record | None:
    """reporting.Reminder: the newest sent (``sent_at``), and how that slot went."""
    model = _reporting_model("Reminder")
    if model is None or not _has_fields(model, "sent_at", "slot_at", "status", "period"):
        return None
    latest = (
        model.objects.filter(sent_at__isnull=False)
        .select_related("period__plan")
        .order_by("-sent_at", "-id")
        .first()
    )
    if latest is None:
        return None
    same_slot = model.objects.filter(period=latest.period, slot_at=latest.slot_at)
    sent = same_slot.filter(sent_at__isnull=False).count()
    failed = same_slot.filter(status="failed").count()
    slot = timezone.localtime(latest.slot_at)
    detail = f"{sent} sent for the {slot:%a %d %b %H:%M} reminder"
    if failed:
        detail += f"; {failed} failed and will be tried again"
    return Record(title=f"Reminders for {latest.period}", at=latest.sent_at, detail=detail)


def teams_posts(now: dt.datetime) -> Record | None:
    """integrations.TeamsPost: cards of the last week, and the newest failure still failing."""
    try:
        model = apps.get_model("integrations", "TeamsPost")
    except LookupError:
        return None
    week = model.objects.filter(created_at__gte=now - dt.timedelta(days=FAILURES_SHOWN_DAYS))
    if not week.exists():
        return None
    sent = week.filter(state="sent").count()
    failing = week.filter(state="failed").select_related("webhook__plan").first()
    detail = f"{sent} sent in the last {FAILURES_SHOWN_DAYS} days"
    if failing:
        failed = week.filter(state="failed").count()
        detail += (
            f"; {failed} failed, the newest for {failing.webhook.plan}: {failing.error}"
            " (tried again every few minutes, six times in all)"
        )
    newest = week.order_by("-created_at", "-id").first()
    return Record(title="Teams cards", at=newest.sent_at or newest.created_at, detail=detail)


def automation(now: dt.datetime | None = None) -> Automation:
    now = now or timezone.now()
    beat = beat_heartbeat()
    return Automation(
        now=now,
        beat=beat,
        beat_stale=is_beat_stale(beat, now),
        scheduled=scheduled_tasks(),
        last_lock=last_lock(),
        last_exception_report=last_exception_report(),
        last_reminders=last_reminders(),
        teams=teams_posts(now),
        failed=failed_runs(now),
    )
