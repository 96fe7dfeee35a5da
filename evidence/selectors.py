"""Reads of evidence, closures and sign-offs, shared by pages and reports.

The reporting app relies on three of these, with these exact names and arguments:
``closures_awaiting_decision(plan, at)``, ``closures_declined_between(plan, start, end)``
and ``signoff_outcomes(plan, start, end)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action, ExecRole, HistoryEntry, Plan, Role, Status, WeeklyUpdate

from . import access
from .models import (
    KIND_GROUP_LABELS,
    KIND_GROUPS,
    KIND_GROUPS_ALWAYS_SHOWN,
    AssuranceMeeting,
    ClosureRequest,
    ClosureSettings,
    Evidence,
    Reopening,
    SignOff,
)

NO_DEPARTMENT = "No department recorded"
# How long a decision on a closure stays in the lead's "Recent decisions" on My actions and
# on the action's page, and how long a closure counts as new in the review queue.
RECENT_DECISION_DAYS = 14
NEW_IN_QUEUE_DAYS = 7
# How many names a sentence lists before "and N others".
NAMES_LISTED = 3


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
    # The newest closure, if it was decided in the last RECENT_DECISION_DAYS days.
    recent_decision: ClosureRequest | None = None

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


def action_closure_state(action: Action, now: dt.datetime | None = None) -> ActionClosureState:
    """Four queries whatever the number of evidence items and closures.

    A fifth for a Blue action with no approved closure: how it came to be Blue.
    """
    now = now or timezone.now()
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
        recent_decision=_recently_decided(closures[0] if closures else None, now),
    )


@dataclass
class ActionPanel:
    """The evidence and closure section of one action's page, for one user: what they see
    and what they may do, decided here so the templates only read flags."""

    state: ActionClosureState
    can_add_evidence: bool
    can_request_closure: bool
    # The lead of an open action with no closure waiting, who has no evidence to offer yet.
    needs_evidence_first: bool
    can_reopen: bool
    withdrawable_ids: set[int]


def action_panel(*, user, action: Action) -> ActionPanel:
    """Four or five queries (``action_closure_state``) and the access checks'."""
    state = action_closure_state(action)
    waiting = state.waiting
    locked_ids = state.kept_ids | ({e.pk for e in waiting.evidence.all()} if waiting else set())
    is_requester = access.can_request_closure(user, action)
    can_request = (
        is_requester and action.status != Status.BLUE and waiting is None and bool(state.evidence)
    )
    return ActionPanel(
        state=state,
        can_add_evidence=access.can_add_evidence(user, action),
        can_request_closure=can_request,
        needs_evidence_first=(
            is_requester and action.is_open and waiting is None and not can_request
        ),
        can_reopen=action.status == Status.BLUE and access.can_reopen(user, action),
        withdrawable_ids={
            e.pk
            for e in state.evidence
            if access.can_withdraw_evidence(user, e) and e.pk not in locked_ids
        },
    )


def _recently_decided(closure: ClosureRequest | None, now: dt.datetime) -> ClosureRequest | None:
    if closure is None or closure.decision is None:
        return None
    since = now - dt.timedelta(days=RECENT_DECISION_DAYS)
    return closure if closure.decision.decided_at >= since else None


def recent_decisions_for_lead(user, now: dt.datetime | None = None) -> list[ClosureRequest]:
    """Closures of the actions ``user`` leads (or asked for) decided in the last
    RECENT_DECISION_DAYS days, newest first: approvals too, whose actions have left the
    open list. One query."""
    if not user.is_authenticated:
        return []
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DECISION_DAYS)
    return list(
        ClosureRequest.objects.filter(Q(action__action_lead=user) | Q(requested_by=user))
        .filter(sign_off__decided_at__gte=since)
        .select_related("action", "sign_off__decided_by")
        .order_by("-sign_off__decided_at", "-id")[:10]
    )


def my_actions_recent_decisions(*, user, now: dt.datetime) -> dict | None:
    """The "Recent decisions" panel of My actions (registered in ``actions.hooks``)."""
    decisions = recent_decisions_for_lead(user, now)
    if not decisions:
        return None
    return {
        "template": "evidence/_recent_decisions.html",
        "decisions": decisions,
        "days": RECENT_DECISION_DAYS,
    }


def latest_update(action: Action) -> WeeklyUpdate | None:
    """The action's newest weekly update (the closure page shows it beside the evidence)."""
    return (
        WeeklyUpdate.objects.filter(action=action)
        .select_related("period__plan", "author")
        .order_by("-period__deadline", "-id")
        .first()
    )


def _latest_update_prefetch(lookup: str) -> Prefetch:
    return Prefetch(
        lookup,
        queryset=WeeklyUpdate.objects.select_related("period__plan", "author").order_by(
            "-period__deadline", "-id"
        )[:1],
        to_attr="latest_updates",
    )


def approved_by(closure: ClosureRequest, user) -> SignOff | None:
    """``user``'s approval of ``closure``, if that is how it was decided (a double click)."""
    return SignOff.objects.filter(
        closure_id=closure.pk, decision=SignOff.Decision.APPROVED, decided_by_id=user.pk
    ).first()


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


# Who may sign off, in words -------------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _names(names: list[str]) -> str:
    if len(names) > NAMES_LISTED:
        rest = len(names) - NAMES_LISTED
        names = [*names[:NAMES_LISTED], f"{rest} other{'s' if rest > 1 else ''}"]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


def _or(parts: list[str]) -> str:
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " or " + parts[-1]
    return parts[0] if parts else "nobody"


def signers_by_role() -> dict[str, list[str]]:
    """The names of the active assurance reviewers and PMO, by role: one query."""
    found: dict[str, list[str]] = {Role.REVIEWER: [], Role.PMO: []}
    rows = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=list(found))
        .values_list("groups__name", "first_name", "last_name", "username")
        .order_by("last_name", "first_name", "username")
    )
    for role, first, last, username in rows:
        found[role].append(f"{first} {last}".strip() or username)
    return found


def who_signs_off(closure: ClosureRequest, settings: ClosureSettings, signers) -> str:
    """The people this closure's plan lets sign it off, by role and by name:
    "assurance reviewers (David Hughes) or T3's exec lead (DWOD: Jane Smith)".

    ``signers`` is ``signers_by_role()``; the action's exec roles come from its prefetch.
    """
    parts = []
    if settings.reviewers_sign_off:
        names = _names([n for n in signers[Role.REVIEWER] if n])
        parts.append(f"assurance reviewers ({names})" if names else "assurance reviewers")
    if settings.exec_lead_signs_off:
        roles: list[ExecRole] = list(closure.action.exec_roles.all())
        held = "; ".join(
            f"{r.code}: {_name(r.holder)}" if r.holder else f"{r.code}: nobody holds it"
            for r in roles
        )
        label = f"{closure.action.ref}'s exec lead"
        parts.append(f"{label} ({held})" if held else f"{label} (none recorded)")
    if settings.pmo_signs_off:
        names = _names(signers[Role.PMO])
        parts.append(f"the PMO ({names})" if names else "the PMO")
    return _or(parts)


def why_cannot_sign_off(user, closure: ClosureRequest, settings: ClosureSettings, signers) -> str:
    """Said plainly to someone who sees a waiting closure but may not decide it."""
    who = who_signs_off(closure, settings, signers)
    if user.is_authenticated and closure.requested_by_id == user.pk:
        return (
            "You cannot sign this off: you asked for this closure, so someone else must "
            f"decide it. On this plan {who} can sign it off."
        )
    return f"Only {who} can sign this off."


# The review queue ---------------------------------------------------------------------


@dataclass
class QueueItem:
    closure: ClosureRequest
    settings: ClosureSettings
    can_decide: bool
    blockers: list[str]
    is_new: bool = False
    # Why this user cannot decide it, when they cannot.
    cannot_decide: str = ""

    @property
    def latest_update(self) -> WeeklyUpdate | None:
        # Set by the queue's prefetch (Prefetch(..., to_attr="latest_updates")).
        updates: list[WeeklyUpdate] = getattr(self.closure.action, "latest_updates", [])
        return updates[0] if updates else None


@dataclass
class ReviewQueue:
    items: list[QueueItem]
    new_days: int = NEW_IN_QUEUE_DAYS

    @property
    def waiting(self) -> int:
        return len(self.items)

    @property
    def new(self) -> int:
        return sum(1 for item in self.items if item.is_new)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def review_queue(user, now: dt.datetime | None = None) -> ReviewQueue:
    """Every closure waiting for a decision, oldest first, with what each needs, its
    latest weekly update, whether it is new this week and, where ``user`` may not decide
    it, why not. Seven queries however many closures; none for an empty queue but one."""
    now = now or timezone.now()
    closures = list(
        ClosureRequest.objects.waiting()
        .for_listing()
        .select_related("peer_inspection__inspector")
        .prefetch_related(
            Prefetch("action__exec_roles", queryset=ExecRole.objects.select_related("holder")),
            _latest_update_prefetch("action__updates"),
            "meetings",
            Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "id")),
        )
        .order_by("requested_at", "id")
    )
    settings = settings_by_plan(c.action.plan_id for c in closures)
    new_since = now - dt.timedelta(days=NEW_IN_QUEUE_DAYS)
    signers = None
    items = []
    for closure in closures:
        plan_settings = settings[closure.action.plan_id]
        can_decide = access.may_sign_off(user, closure, plan_settings)
        cannot = ""
        if not can_decide:
            signers = signers if signers is not None else signers_by_role()
            cannot = why_cannot_sign_off(user, closure, plan_settings, signers)
        items.append(
            QueueItem(
                closure=closure,
                settings=plan_settings,
                can_decide=can_decide,
                blockers=sign_off_blockers(closure, plan_settings),
                is_new=closure.requested_at >= new_since,
                cannot_decide=cannot,
            )
        )
    return ReviewQueue(items=items)


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
    # The kind columns its table shows (``OutcomeTable.shown``).
    keys: list[str] = field(default_factory=lambda: list(KIND_GROUP_LABELS))

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
        return [self.approved[k] for k in self.keys]

    @property
    def declined_cells(self) -> list[int]:
        return [self.declined[k] for k in self.keys]

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

    shown: list[str] = field(default_factory=lambda: list(KIND_GROUP_LABELS))

    @property
    def kind_labels(self) -> list[str]:
        return [KIND_GROUP_LABELS[k] for k in self.shown]


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
    shown = [k for k in KIND_GROUP_LABELS if k in KIND_GROUPS_ALWAYS_SHOWN or kinds[k].presented]
    rows = [departments[k] for k in sorted(departments)]
    by_kind = [kinds[k] for k in shown]
    for row in [*rows, *by_kind, total]:
        row.keys = shown
    return OutcomeTable(by_department=rows, by_kind=by_kind, total=total, shown=shown)


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
    ``approved`` / ``declined`` (keys: s29a, s31, regulatory, must, should; ``.shown``
    says which the table shows).
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
