"""The PMO's Automation page: the scheduler's health and what it last did in each app.

It reads improvement's records of beat and the workers, actions' last lock and
reporting's last exception report and reminders, so it lives at the top of the apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from actions.models import ReportingPeriod
from improvement.models import Heartbeat, TaskRun
from improvement.selectors import (
    FAILURES_SHOWN_DAYS,
    ScheduledTask,
    are_workers_stale,
    beat_heartbeat,
    failed_runs,
    is_beat_stale,
    scheduled_tasks,
)

from .models import ExceptionReport, Reminder


@dataclass(frozen=True)
class Record:
    """Something reporting keeps (a report, a reminder), as the page shows it."""

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
    failed: list[TaskRun]
    # What the apps above reporting add (integrations: the Teams cards), in ``extra_records``.
    others: list[Record] = field(default_factory=list)
    failures_days: int = FAILURES_SHOWN_DAYS

    @property
    def healthy(self) -> bool:
        return not self.beat_stale and not self.worker_stale

    @property
    def worker_stale(self) -> bool:
        return are_workers_stale(self.scheduled, self.now)


def last_lock() -> ReportingPeriod | None:
    return (
        ReportingPeriod.objects.filter(lock_recorded_at__isnull=False)
        .select_related("plan", "locked_by")
        .order_by("-lock_recorded_at", "-id")
        .first()
    )


def last_exception_report() -> Record | None:
    """The newest exception report built (``built_at``), issued or not."""
    report = (
        ExceptionReport.objects.select_related("period__plan").order_by("-built_at", "-id").first()
    )
    if report is None:
        return None
    if report.issued_at:
        detail = f"Issued {timezone.localtime(report.issued_at):%a %d %b %Y %H:%M}"
        if report.auto_issued:
            detail += " (automatically, at the issue deadline)"
    else:
        detail = "Draft, not yet issued"
    return Record(
        title=str(report), at=report.built_at, detail=detail, url=report.get_absolute_url()
    )


def last_reminders() -> Record | None:
    """The newest reminder sent (``sent_at``), and how that slot went."""
    latest = (
        Reminder.objects.filter(sent_at__isnull=False)
        .select_related("period__plan")
        .order_by("-sent_at", "-id")
        .first()
    )
    if latest is None:
        return None
    same_slot = Reminder.objects.filter(period=latest.period, slot_at=latest.slot_at)
    sent = same_slot.filter(sent_at__isnull=False).count()
    failed = same_slot.filter(status="failed").count()
    slot = timezone.localtime(latest.slot_at)
    detail = f"{sent} sent for the {slot:%a %d %b %H:%M} reminder"
    if failed:
        detail += f"; {failed} failed and will be tried again"
    return Record(title=f"Reminders for {latest.period}", at=latest.sent_at, detail=detail)


# Apps above reporting show their own automation here: each registers, in its
# ``AppConfig.ready()``, a function of ``now`` returning a Record (or None for nothing yet).
extra_records: dict[str, Callable[[dt.datetime], Record | None]] = {}


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
        failed=failed_runs(now),
        others=[r for r in (record(now) for record in extra_records.values()) if r],
    )
