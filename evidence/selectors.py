"""Reads of evidence, closures and sign-offs, shared by pages and reports.

The reporting app relies on three of these, with these exact names and arguments:
``closures_awaiting_decision(plan, at)``, ``closures_declined_between(plan, start, end)``
and ``signoff_outcomes(plan, start, end)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action, HistoryEntry, Plan, Status

from . import access
from .models import (
    KIND_GROUP_LABELS,
    KIND_GROUPS,
    AssuranceMeeting,
    ClosureRequest,
    ClosureSettings,
    Evidence,
    Reopening,
    SignOff,
)

NO_DEPARTMENT = "No department recorded"


def closure_settings_for(plan: Plan) -> ClosureSettings:
    """The plan's settings, or the defaults (unsaved) until the PMO first saves them."""
    return ClosureSettings.objects.filter(plan=plan).first() or ClosureSettings(plan=plan)


def settings_by_plan(plan_ids: Iterable[int]) -> dict[int, ClosureSettings]:
    """Each plan's closure settings (defaults where none are saved), in one query."""
    ids = set(plan_ids)
    found = {s.plan_id: s for s in ClosureSettings.objects.filter(plan_id__in=ids)}
    return {pid: found.get(pid) or ClosureSettings(plan_id=pid) for pid in ids}


# The action's page -----------------------------------------------------------------------


@dataclass
class ActionClosureState:
    """Everything the action's page shows about evidence and closure."""

    action: Action
    evidence: list[Evidence]
    withdrawn: list[Evidence]
    kept_ids: set[int]
    closures: list[ClosureRequest]
    reopenings: list[Reopening]
    settings: ClosureSettings
    # Blue with no sign-off here: the record of the plan's first import bringing it in.
    closed_before_import: HistoryEntry | None = None

    @property
    def waiting(self) -> ClosureRequest | None:
        return next((c for c in self.closures if c.is_waiting), None)

    @property
    def latest(self) -> ClosureRequest | None:
        return self.closures[0] if self.closures else None

    @property
    def signed_off(self) -> SignOff | None:
        """The approval behind a Blue action."""
        if self.action.status != Status.BLUE:
            return None
        for closure in self.closures:
            if closure.state == ClosureRequest.State.APPROVED:
                return closure.decision
        return None

    @property
    def last_decline(self) -> ClosureRequest | None:
        """The newest closure, if it was declined: its reason is what the lead acts on."""
        latest = self.latest
        if latest and latest.state == ClosureRequest.State.DECLINED:
            return latest
        return None

    @property
    def last_reopening(self) -> Reopening | None:
        if self.action.status == Status.BLUE or not self.reopenings:
            return None
        return self.reopenings[0]


def action_closure_state(action: Action) -> ActionClosureState:
    """Four queries whatever the number of evidence items and closures.

    A fifth for a Blue action with no approved closure: how it came to be Blue.
    """
    all_evidence = list(
        Evidence.objects.filter(action=action).select_related("added_by", "withdrawn_by")
    )
    closures = list(
        ClosureRequest.objects.filter(action=action)
        .select_related("requested_by", "sign_off__decided_by", "sign_off__meeting")
        .select_related("peer_inspection__inspector")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "id"))
        )
        .order_by("-requested_at", "-id")
    )
    kept_ids = {
        e.pk for c in closures if c.state == ClosureRequest.State.APPROVED for e in c.evidence.all()
    }
    reopenings = list(action.reopenings.select_related("reopened_by").order_by("-reopened_at"))
    closed_before_import = None
    if action.status == Status.BLUE and not any(
        c.state == ClosureRequest.State.APPROVED for c in closures
    ):
        closed_before_import = (
            action.history.filter(kind=HistoryEntry.Kind.CLOSED_BEFORE_IMPORT)
            .select_related("actor")
            .first()
        )
    return ActionClosureState(
        action=action,
        evidence=[e for e in all_evidence if not e.is_withdrawn],
        withdrawn=[e for e in all_evidence if e.is_withdrawn],
        kept_ids=kept_ids,
        closures=closures,
        reopenings=reopenings,
        settings=closure_settings_for(action.plan),
        closed_before_import=closed_before_import,
    )


def evidence_supports_sign_off(evidence: Evidence) -> bool:
    """Part of an approved closure: kept for good."""
    return evidence.closure_requests.filter(state=ClosureRequest.State.APPROVED).exists()


def evidence_in_waiting_closure(evidence: Evidence) -> bool:
    return evidence.closure_requests.filter(state=ClosureRequest.State.REQUESTED).exists()


def sign_off_blockers(closure: ClosureRequest, settings: ClosureSettings) -> list[str]:
    """Why the closure cannot be approved yet (the peer inspection gate); empty if it can."""
    if not settings.peer_inspection_required:
        return []
    inspection = closure.inspection
    if inspection is None:
        return ["This plan needs a peer inspection before sign-off; no inspector is named yet."]
    if not inspection.is_recorded:
        name = inspection.inspector.get_full_name() or inspection.inspector.get_username()
        return [f"Waiting for the peer inspection by {name}."]
    if not inspection.passed:
        return ["The peer inspection failed: the closure can only be declined."]
    return []


# The review queue ---------------------------------------------------------------------


@dataclass
class QueueItem:
    closure: ClosureRequest
    settings: ClosureSettings
    can_decide: bool
    blockers: list[str]


def review_queue(user) -> list[QueueItem]:
    """Every closure waiting for a decision, oldest first, with what each needs."""
    closures = list(
        ClosureRequest.objects.waiting()
        .for_listing()
        .select_related("peer_inspection__inspector")
        .prefetch_related(
            "action__exec_roles",
            "meetings",
            Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "id")),
        )
        .order_by("requested_at", "id")
    )
    settings = settings_by_plan(c.action.plan_id for c in closures)
    items = []
    for closure in closures:
        plan_settings = settings[closure.action.plan_id]
        items.append(
            QueueItem(
                closure=closure,
                settings=plan_settings,
                can_decide=access.may_sign_off(user, closure, plan_settings),
                blockers=sign_off_blockers(closure, plan_settings),
            )
        )
    return items


def review_queue_waiting() -> Coalesce:
    """How many closures wait for a decision, as one scalar subquery (for the header)."""
    # Grouped by the one state the filter leaves: COUNT as a scalar subquery.
    waiting = (
        ClosureRequest.objects.waiting().order_by().values("state").annotate(n=Count("pk"))
    ).values("n")
    return Coalesce(Subquery(waiting, output_field=IntegerField()), 0)


# For the reports ----------------------------------------------------------------------


def closures_awaiting_decision(plan: Plan, at: dt.datetime) -> list[ClosureRequest]:
    """Closures of ``plan`` that were waiting for a decision at ``at`` (oldest first).

    Read as of ``at``, so a report built later from a locked period shows what was waiting
    then: requested by ``at`` and neither decided nor withdrawn by then.
    """
    return list(
        ClosureRequest.objects.in_plan(plan)
        .filter(requested_at__lte=at)
        .filter(Q(sign_off__isnull=True) | Q(sign_off__decided_at__gt=at))
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
        .for_listing()
        .order_by("requested_at", "id")
    )


def closures_declined_between(plan: Plan, start, end) -> list[ClosureRequest]:
    """Closures of ``plan`` declined from ``start`` up to ``end`` (oldest decision first).

    Datetimes are half-open, ``start <= decided_at < end`` (a lock to the next lock).
    Dates are whole days in the plan's time zone, both included.
    """
    since, until = _bounds(plan, start, end)
    return list(
        ClosureRequest.objects.in_plan(plan)
        .filter(
            sign_off__decision=SignOff.Decision.DECLINED,
            sign_off__decided_at__gte=since,
            sign_off__decided_at__lt=until,
        )
        .for_listing()
        .order_by("sign_off__decided_at", "id")
    )


@dataclass
class OutcomeRow:
    """One line of the assurance table: presented, approved and declined, by finding kind."""

    label: str
    presented: int = 0
    approved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_GROUP_LABELS, 0))
    declined: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_GROUP_LABELS, 0))

    @property
    def approved_total(self) -> int:
        return sum(self.approved.values())

    @property
    def declined_total(self) -> int:
        return sum(self.declined.values())

    @property
    def undecided(self) -> int:
        return self.presented - self.approved_total - self.declined_total

    @property
    def approved_cells(self) -> list[int]:
        return [self.approved[k] for k in KIND_GROUP_LABELS]

    @property
    def declined_cells(self) -> list[int]:
        return [self.declined[k] for k in KIND_GROUP_LABELS]

    def add(self, kind_group: str, decision: str | None) -> None:
        self.presented += 1
        if decision == SignOff.Decision.APPROVED:
            self.approved[kind_group] += 1
        elif decision == SignOff.Decision.DECLINED:
            self.declined[kind_group] += 1


@dataclass
class OutcomeTable:
    """The Evidence Assurance Group's table (seed 003), by department and by finding kind."""

    by_department: list[OutcomeRow]
    by_kind: list[OutcomeRow]
    total: OutcomeRow

    kind_groups = KIND_GROUP_LABELS

    @property
    def kind_labels(self) -> list[str]:
        return list(KIND_GROUP_LABELS.values())


def _outcome_table(records: Iterable[tuple[str, str, str | None]]) -> OutcomeTable:
    """``records``: (department, finding kind, decision or None) per closure presented."""
    departments: dict[str, OutcomeRow] = {}
    kinds = {k: OutcomeRow(label=label) for k, label in KIND_GROUP_LABELS.items()}
    total = OutcomeRow(label="Total")
    for department, kind, decision in records:
        group = KIND_GROUPS.get(kind, "must")
        name = department or NO_DEPARTMENT
        departments.setdefault(name, OutcomeRow(label=name)).add(group, decision)
        kinds[group].add(group, decision)
        total.add(group, decision)
    return OutcomeTable(
        by_department=[departments[k] for k in sorted(departments)],
        by_kind=list(kinds.values()),
        total=total,
    )


def meeting_outcomes(meeting: AssuranceMeeting) -> OutcomeTable:
    """Closures presented at ``meeting``, and the decisions taken there."""
    presented = meeting.presented.select_related("action").order_by("id")
    decided_here = dict(meeting.decisions.values_list("closure_id", "decision"))
    return _outcome_table(
        (c.action.department, c.action.kind, decided_here.get(c.pk)) for c in presented
    )


def signoff_outcomes(plan: Plan, start, end) -> OutcomeTable:
    """Evidence assurance outcomes of ``plan`` for a report's period (seed 003's table).

    Presented: closures presented at an assurance meeting held in the period, or decided in
    it. Approved and declined: decisions taken in the period. Bounds as in
    ``closures_declined_between``. ``.by_department``, ``.by_kind`` and ``.total`` are rows
    with ``presented``, ``approved_total``, ``declined_total`` and the per-kind counts
    ``approved`` / ``declined`` (keys: regulatory, must, should).
    """
    since, until = _bounds(plan, start, end)
    first_day, last_day = _meeting_days(plan, since, until)
    closures = (
        ClosureRequest.objects.in_plan(plan)
        .filter(
            Q(sign_off__decided_at__gte=since, sign_off__decided_at__lt=until)
            | Q(meetings__held_on__gte=first_day, meetings__held_on__lte=last_day)
        )
        .distinct()
        .select_related("action", "sign_off")
        .order_by("id")
    )
    records = []
    for closure in closures:
        decision = closure.decision
        in_period = decision is not None and since <= decision.decided_at < until
        records.append(
            (
                closure.action.department,
                closure.action.kind,
                decision.decision if in_period else None,
            )
        )
    return _outcome_table(records)


def _bounds(plan: Plan, start, end) -> tuple[dt.datetime, dt.datetime]:
    """Half-open datetime bounds; dates are whole local days, both included."""
    if isinstance(start, dt.datetime):
        since = start
    else:
        since = dt.datetime.combine(start, dt.time(0), tzinfo=plan.tz)
    if isinstance(end, dt.datetime):
        until = end
    else:
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=plan.tz)
    return since, until


def _meeting_days(plan: Plan, since: dt.datetime, until: dt.datetime) -> tuple[dt.date, dt.date]:
    """The meeting dates whose day starts within [since, until)."""

    def ceil_day(moment: dt.datetime) -> dt.date:
        local = timezone.localtime(moment, plan.tz)
        return local.date() if local.time() == dt.time(0) else local.date() + dt.timedelta(1)

    return ceil_day(since), ceil_day(until) - dt.timedelta(days=1)


# Meetings -----------------------------------------------------------------------------


def meetings_list() -> list[AssuranceMeeting]:
    return list(
        AssuranceMeeting.objects.select_related("recorded_by")
        .prefetch_related("presented", "decisions")
        .order_by("-held_on", "-id")
    )


def closures_to_present() -> list[ClosureRequest]:
    """What the PMO can put on a meeting's list: closures still waiting."""
    return list(ClosureRequest.objects.waiting().for_listing().order_by("requested_at", "id"))


def recent_closures_prefetch() -> Prefetch:
    """Closure requests, newest first: the card shows "Closure requested" or a decline."""
    return Prefetch(
        "closure_requests",
        queryset=ClosureRequest.objects.select_related("sign_off__decided_by").order_by(
            "-requested_at", "-id"
        ),
        to_attr="recent_closures",
    )
