"""Reads of the weekly cycle that several pages share."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet

from . import schedule
from .models import STATUS_MEANING, FindingKind, Plan, ReportingPeriod, Status

# The longest gap between two deadlines (monthly), and a margin: how far back to look for
# the period before the current one.
_LONGEST_PERIOD = dt.timedelta(days=40)

# One statement, read on every request of the plan page: everything a change to its table
# moves. A saved change to an action moves its ``version`` or ``updated_at``; an action
# added, moved or deleted moves the count; an update saved or replaced this period moves the
# period's count or revision sum; a lock moves ``locked_at``. Aggregates only, no joins:
# about 1 ms on a 2,000-action plan.
_PLAN_PAGE_FINGERPRINT_SQL = """
SELECT a.n, a.version_sum, a.changed_at, u.n, u.revision_sum,
  (SELECT MAX(p.locked_at) FROM actions_reportingperiod p WHERE p.plan_id = %s)
FROM (SELECT COUNT(*) AS n, SUM(version) AS version_sum, MAX(updated_at) AS changed_at
        FROM actions_action WHERE plan_id = %s) a,
     (SELECT COUNT(*) AS n, SUM(revision) AS revision_sum
        FROM actions_weeklyupdate WHERE period_id = %s) u
"""


def plan_page_fingerprint(*, plan: Plan, period: ReportingPeriod) -> str:
    """What the plan page caches its table under: it changes whenever the table would."""
    with connection.cursor() as cursor:
        cursor.execute(_PLAN_PAGE_FINGERPRINT_SQL, [plan.pk, plan.pk, period.pk])
        row = cursor.fetchone()
    raw = "|".join(str(value) for value in (plan.pk, period.pk, *row))
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


# Table 1 of the papers: columns worst first, ending with the complete; White last.
TABLE_STATUSES = [Status.RED, Status.AMBER, Status.GREEN, Status.BLUE, Status.WHITE]
ALWAYS_SHOWN_KINDS = {FindingKind.MUST, FindingKind.SHOULD}


@dataclass(frozen=True)
class StatusRow:
    kind: FindingKind
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def label(self) -> str:
        return f"{self.kind.label} actions ({self.total})"


@dataclass(frozen=True)
class StatusTable:
    """Finding kind × RAGB, laid out like Table 1 of the board papers."""

    rows: list[StatusRow]
    columns: list[Status]

    @property
    def headings(self) -> list[tuple[Status, str]]:
        return [(s, STATUS_MEANING[s]) for s in self.columns]

    @property
    def totals(self) -> list[int]:
        return [sum(r.counts[i] for r in self.rows) for i in range(len(self.columns))]

    @property
    def grand_total(self) -> int:
        return sum(self.totals)

    @property
    def labelled_rows(self) -> list[tuple[StatusRow, list[tuple[Status, int]]]]:
        """Each row with its counts paired with their columns (for plain-text layouts)."""
        return [(row, list(zip(self.columns, row.counts, strict=True))) for row in self.rows]

    def count(self, kind: str, status: str) -> int:
        for row in self.rows:
            if row.kind == kind:
                return row.counts[self.columns.index(Status(status))]
        return 0


def status_by_kind(actions: QuerySet) -> StatusTable:
    """One grouped query, whatever the size of the plan."""
    found = {
        (r["kind"], r["status"]): r["n"]
        for r in actions.order_by().values("kind", "status").annotate(n=Count("pk"))
    }
    kinds_present = {k for (k, _s) in found}
    rows = [
        StatusRow(kind=kind, counts=[found.get((kind.value, s.value), 0) for s in TABLE_STATUSES])
        for kind in FindingKind
        if kind in kinds_present or kind in ALWAYS_SHOWN_KINDS
    ]
    return StatusTable(rows=rows, columns=TABLE_STATUSES)


# "My actions": what happened while the lead was away ----------------------------------


@dataclass(frozen=True)
class EarlyLockNotice:
    """The period before ``current`` was locked early by the PMO: when, by whom and why."""

    locked: ReportingPeriod
    current: ReportingPeriod

    @property
    def plan(self) -> Plan:
        return self.current.plan

    @property
    def locked_at(self) -> dt.datetime:
        assert self.locked.locked_at is not None
        return self.locked.locked_at

    @property
    def locked_by_name(self) -> str:
        user = self.locked.locked_by
        return (user.get_full_name() or user.get_username()) if user else ""

    @property
    def reason(self) -> str:
        return self.locked.lock_reason


def early_lock_notices(periods: Iterable[ReportingPeriod]) -> list[EarlyLockNotice]:
    """For each current period: the period just before it, if the PMO locked that early.

    Shown for the whole of the period after the early lock, gone once the next one opens.
    One query for any number of plans.
    """
    current = {p.plan_id: p for p in periods}
    if not current:
        return []
    window = Q()
    for period in current.values():
        window |= Q(
            plan_id=period.plan_id,
            deadline__lt=period.deadline,
            deadline__gte=period.deadline - _LONGEST_PERIOD,
        )
    early = (
        ReportingPeriod.objects.filter(window, lock_kind=ReportingPeriod.LockKind.EARLY)
        .select_related("locked_by")
        .order_by("plan_id", "-deadline")
    )
    notices = []
    for locked in early:
        now_open = current[locked.plan_id]
        locked.plan = now_open.plan
        # Only the period right before the current one: no deadline falls between them.
        if schedule.next_deadline_after(now_open.plan, locked.deadline) == now_open.deadline:
            notices.append(EarlyLockNotice(locked=locked, current=now_open))
    return notices
