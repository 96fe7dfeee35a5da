"""Reads of the weekly cycle that several pages share."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from improvement.roles import Role, roles_of

from . import schedule
from .access import READERS_OF_THE_PLAN
from .hooks import menu_annotations, menu_items, review_queue_shown, review_queue_waiting
from .models import (
    Action,
    ChangeRequest,
    ExecRole,
    Plan,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from .table1 import status_by_kind  # noqa: F401 - Table 1 of the plan page

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


# The header and the home page: where each role's work is -------------------------------


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    count: int | None = None


@dataclass(frozen=True)
class Navigation:
    """What the header shows this user and where their home is, read in one query.

    Templates only loop over ``items``: every role test is made here.
    """

    items: list[NavItem]
    home: str


def navigation(user) -> Navigation:
    """The menu, the landing page first, and the home address, for a signed-in user.

    Role names come from ``roles_of`` (read once per request); everything else the menu
    needs (leads an open action? holds an exec role? the newest plan, the closures waiting
    for review) is one query of scalar subqueries, however many actions or closures exist.
    """
    roles = roles_of(user)
    row = _navigation_row(user)
    holds_exec = bool(row["holds_exec"])
    is_exec = holds_exec or Role.EXEC_LEAD in roles
    reads_plan = bool(roles & READERS_OF_THE_PLAN)
    # Someone with no other role keeps "My actions" even before the PMO assigns them one.
    leads = bool(row["leads"]) or not (reads_plan or is_exec)
    items = _menu_items(roles, row, leads=leads, is_exec=is_exec, holds_exec=holds_exec)
    plan_id = row["newest_plan"]
    plan_url = reverse("plan", args=[plan_id]) if plan_id else reverse("plans")

    # Each role lands where its work is; the first that applies wins.
    if Role.PMO in roles:
        landing, home = "plan", plan_url
    elif is_exec:
        landing, home = "accountable", items["accountable"].url
    elif Role.REVIEWER in roles and "review_queue" in items:
        landing, home = "review_queue", items["review_queue"].url
    elif Role.BOARD in roles and "board_reports" in items:
        landing, home = "board_reports", items["board_reports"].url
    elif leads or not reads_plan:
        landing, home = "my_actions", reverse("my_actions")
    else:
        landing, home = "plan", plan_url
    ordered = [items[landing]] if landing in items else []
    ordered += [item for key, item in items.items() if key != landing]
    return Navigation(items=ordered, home=home)


def _navigation_row(user) -> dict[str, Any]:
    """Leads an open action? Holds an exec role? The newest plan, the closures waiting for
    review (``hooks.review_queue_waiting``): one query of scalar subqueries."""
    newest_plan = Plan.objects.order_by("-created_at", "-id").values("pk")[:1]
    annotations = {
        "leads": Exists(Action.objects.open().filter(action_lead=OuterRef("pk"))),
        "holds_exec": Exists(ExecRole.objects.filter(holder=OuterRef("pk"))),
        "newest_plan": Subquery(newest_plan),
        # The change requests waiting for a decision on the newest plan.
        "waiting_changes": Subquery(
            ChangeRequest.objects.filter(
                state=ChangeRequest.State.PENDING, action__plan_id=Subquery(newest_plan)
            )
            .order_by()
            .values("state")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    }
    for app, waiting in review_queue_waiting.items():
        annotations[f"waiting_{app}"] = waiting()
    for extra in menu_annotations.values():
        annotations.update(extra())
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(**annotations)
        .values(*annotations)
        .get()
    )


def _menu_items(
    roles: frozenset[str], row: dict[str, Any], *, leads: bool, is_exec: bool, holds_exec: bool
) -> dict[str, NavItem]:
    """The header's entries this user sees, in the menu's order, by key."""
    items: dict[str, NavItem] = {}
    if leads:
        items["my_actions"] = NavItem("my_actions", "My actions", reverse("my_actions"))
    if is_exec:
        items["accountable"] = NavItem(
            "accountable", "My accountable actions", reverse("accountable_actions")
        )
    for app, shown in review_queue_shown.items():
        if shown(roles, holds_exec):
            items["review_queue"] = NavItem(
                "review_queue", "Review queue", reverse("review_queue"), row[f"waiting_{app}"]
            )
    if roles & READERS_OF_THE_PLAN:
        items["plan"] = NavItem("plan", "Plan", reverse("plans"))
        items["exception_reports"] = NavItem(
            "exception_reports", "Exception reports", reverse("exception_report_list")
        )
        if row["newest_plan"]:
            items["board_reports"] = NavItem(
                "board_reports",
                "Board reports",
                reverse("board_reports", args=[row["newest_plan"]]),
            )
    reads_plan = bool(roles & READERS_OF_THE_PLAN)
    for make in menu_items.values():
        for key, label, url in make(
            roles=roles, reads_plan=reads_plan, row=row, plan_id=row["newest_plan"]
        ):
            items[key] = NavItem(key, label, url)
    if Role.PMO in roles:
        items["inspections"] = NavItem("inspections", "Inspections", reverse("inspection_list"))
        items["automation"] = NavItem("automation", "Automation", reverse("automation"))
        items["people"] = NavItem("people", "People", reverse("people_list"))
    if (Role.PMO in roles or is_exec) and row["newest_plan"]:
        # The PMO and the executive improvement board decide changes to the baseline.
        items["change_requests"] = NavItem(
            "change_requests",
            "Change requests",
            reverse("change_requests", args=[row["newest_plan"]]),
            row["waiting_changes"] or 0,
        )
    return items


# "My accountable actions": an exec lead's actions for their weekly action meeting --------

# Worst first: the meeting starts with what is off track.
ACCOUNTABLE_STATUS_ORDER = [Status.RED, Status.AMBER, Status.GREEN, Status.WHITE]


def _ref_key(ref: str) -> tuple:
    """D2 before D10: refs sort as people read them."""
    parts = [part for part in re.split(r"(\d+)", ref) if part]
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts)


@dataclass(frozen=True)
class AccountableRow:
    action: Action
    updated: bool
    past_end: bool
    latest_status: str
    latest_narrative: str

    @property
    def lead_name(self) -> str:
        lead = self.action.action_lead
        return (lead.get_full_name() or lead.get_username()) if lead else "No action lead"


@dataclass(frozen=True)
class StatusGroup:
    status: Status
    rows: list[AccountableRow]

    @property
    def label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class LeadToChase:
    name: str
    rows: list[AccountableRow]


@dataclass(frozen=True)
class AccountablePlan:
    plan: Plan
    period: ReportingPeriod
    groups: list[StatusGroup]
    not_updated: list[LeadToChase]
    total: int
    updated: int
    past_end: int


def accountable_plans(user) -> list[Plan]:
    """The plans with open actions whose exec role ``user`` holds, by name."""
    ids = Action.objects.open().for_exec(user).values("plan_id")
    return list(Plan.objects.filter(pk__in=ids).order_by("name", "id"))


def accountable_actions(
    *, user, periods: dict[int, ReportingPeriod], now: dt.datetime
) -> list[AccountablePlan]:
    """The open actions whose exec role ``user`` holds, by plan then status, worst first.

    ``periods`` is each plan's open period. One query for the actions, their leads and
    plans, with whether each has this period's update and its latest status and narrative,
    however many actions and plans.
    """
    latest = WeeklyUpdate.objects.filter(action=OuterRef("pk")).order_by("-period__deadline", "-id")
    period_ids = [p.pk for p in periods.values() if p.pk is not None]  # unsaved: no updates
    actions = (
        Action.objects.open()
        .filter(pk__in=Action.objects.for_exec(user).values("pk"), plan_id__in=list(periods))
        .select_related("action_lead", "plan")
        .annotate(
            updated_this_period=Exists(
                WeeklyUpdate.objects.filter(action=OuterRef("pk"), period_id__in=period_ids)
            ),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_narrative=Subquery(latest.values("narrative")[:1]),
        )
    )
    by_plan: dict[int, list[AccountableRow]] = {pk: [] for pk in periods}
    for action in sorted(actions, key=lambda a: _ref_key(a.ref)):
        today = timezone.localtime(now, action.plan.tz).date()
        by_plan[action.plan_id].append(
            AccountableRow(
                action=action,
                updated=action.updated_this_period,
                past_end=bool(action.end_date and action.end_date < today),
                latest_status=action.latest_status or "",
                latest_narrative=action.latest_narrative or "",
            )
        )
    result = []
    for plan_id, rows in by_plan.items():
        if not rows:
            continue
        chase: dict[str, list[AccountableRow]] = {}
        for row in rows:
            if not row.updated:
                chase.setdefault(row.lead_name, []).append(row)
        result.append(
            AccountablePlan(
                plan=periods[plan_id].plan,
                period=periods[plan_id],
                groups=[
                    StatusGroup(status=s, rows=[r for r in rows if r.action.status == s])
                    for s in ACCOUNTABLE_STATUS_ORDER
                    if any(r.action.status == s for r in rows)
                ],
                not_updated=[LeadToChase(name, chase[name]) for name in sorted(chase)],
                total=len(rows),
                updated=sum(1 for r in rows if r.updated),
                past_end=sum(1 for r in rows if r.past_end),
            )
        )
    return result


# The longest gap between two deadlines (monthly), and a margin: how far back to look for
# the period before the current one.
_LONGEST_PERIOD = dt.timedelta(days=40)


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
