"""The plan's baseline and change control (issue 13, seed 004).

A baseline holds each action's end date and scope as the plan was approved. The trajectory
is measured against it, so moving an overdue action's end date no longer moves the target.
Once an action is in the baseline, its end date and scope change only through a change
request that the PMO or the executive improvement board approves; the requester never
decides their own. Re-baselining the whole plan is an explicit act with a reason, and the
old baselines stay on record.

Services (writes) first, then selectors (reads).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from improvement import text as typed
from improvement.roles import Role, roles_of

from . import history, services
from .access import can_decide_changes, can_request_change
from .models import (
    Action,
    BaselineDate,
    ChangeRequest,
    HistoryEntry,
    Plan,
    PlanBaseline,
    PlanEvent,
    Status,
)

REASON_MAX = 2000
SCOPE_MAX = 10000


class AlreadyDecided(ValidationError):
    """Someone decided (or the requester withdrew) the request first."""

    def __init__(self, request: ChangeRequest):
        who = request.decided_by_name or request.requested_by_name or "someone else"
        when = request.decided_at
        at = f" on {timezone.localtime(when):%d/%m/%Y at %H:%M}" if when else ""
        super().__init__(
            f"This change request was already {request.get_state_display().lower()} by "
            f"{who}{at}. Nothing of yours was saved."
        )
        self.request = request


# Services --------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _reason(text: str, *, field: str = "reason", what: str = "a reason") -> str:
    cleaned = typed.clean(text or "")
    if not typed.has_visible_text(cleaned):
        raise ValidationError({field: f"Give {what}."})
    if len(cleaned) > REASON_MAX:
        raise ValidationError({field: f"Keep it to {REASON_MAX} characters."})
    return cleaned.strip()


def baseline_take(
    *, plan: Plan, by: Any, reason: str, now: dt.datetime | None = None
) -> PlanBaseline:
    """Approve the plan as it stands and make its end dates and scope the baseline.

    The first is the original baseline; each later one is a re-baseline, kept beside the
    old ones. Pending change requests stay pending: they are decided against the new one.
    """
    now = _now(now)
    services.plan_ensure_writable(plan)
    reason = _reason(reason)
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        last = locked.baselines.order_by("-number").first()
        number = last.number + 1 if last else 1
        baseline = PlanBaseline.objects.create(
            plan=locked,
            number=number,
            taken_at=now,
            taken_by=by,
            taken_by_name=history.user_name(by),
            reason=reason,
        )
        actions = list(locked.actions.values_list("pk", "end_date", "requirement"))
        BaselineDate.objects.bulk_create(
            BaselineDate(baseline=baseline, action_id=pk, end_date=end, requirement=scope)
            for pk, end, scope in actions
        )
        PlanEvent.objects.create(
            plan=locked,
            actor=by,
            at=now,
            kind=PlanEvent.Kind.BASELINED if number == 1 else PlanEvent.Kind.REBASELINED,
            detail=f"{baseline.label}: {len(actions)} action{'s' if len(actions) != 1 else ''}. "
            f"{reason}",
        )
    return baseline


def change_request_raise(
    *,
    action: Action,
    by: Any,
    reason: str,
    proposed_end_date: dt.date | None = None,
    proposed_requirement: str = "",
    now: dt.datetime | None = None,
) -> list[ChangeRequest]:
    """Ask to move a baselined action's end date, change its scope, or both (one request
    each). Refused if the action is not in the baseline, is complete, or already has a
    request of the same kind waiting."""
    now = _now(now)
    services.plan_ensure_writable(action.plan)
    if not can_request_change(by, action):
        raise PermissionDenied("Only the action's lead or the PMO can ask to change it.")
    reason = _reason(reason)
    proposed_requirement = typed.strip_invisible(proposed_requirement or "")
    if len(proposed_requirement) > SCOPE_MAX:
        raise ValidationError({"proposed_requirement": f"Keep it to {SCOPE_MAX} characters."})
    created = []
    with transaction.atomic():
        current = Action.objects.select_for_update().select_related("plan").get(pk=action.pk)
        if not BaselineDate.objects.in_force(current.plan_id).filter(action=current).exists():
            raise ValidationError(
                f"{current.ref} is not in the plan's baseline: the PMO edits it directly."
            )
        if current.status == Status.BLUE:
            raise ValidationError(f"{current.ref} is complete (Blue): its plan cannot change.")
        wanted: dict[str, str] = {}
        if proposed_end_date is not None and proposed_end_date != current.end_date:
            if current.start_date and proposed_end_date < current.start_date:
                raise ValidationError(
                    {"proposed_end_date": "The end date must not be before the start date."}
                )
            wanted[ChangeRequest.Kind.END_DATE] = "end date"
        if proposed_requirement and not services.same_text(
            proposed_requirement, current.requirement
        ):
            wanted[ChangeRequest.Kind.SCOPE] = "scope"
        if not wanted:
            raise ValidationError(
                "Propose a new end date or a new scope: what you gave is what the action has."
            )
        waiting = set(
            current.change_requests.filter(
                state=ChangeRequest.State.PENDING, kind__in=list(wanted)
            ).values_list("kind", flat=True)
        )
        if waiting:
            what = " and ".join(wanted[k] for k in wanted if k in waiting)
            raise ValidationError(
                f"A change to the {what} of {current.ref} is already waiting for a decision: "
                "wait for it, or withdraw it first."
            )
        for kind in wanted:
            request = ChangeRequest.objects.create(
                action=current,
                kind=kind,
                current_end_date=current.end_date,
                proposed_end_date=proposed_end_date
                if kind == ChangeRequest.Kind.END_DATE
                else None,
                current_requirement=current.requirement if kind == ChangeRequest.Kind.SCOPE else "",
                proposed_requirement=(
                    proposed_requirement if kind == ChangeRequest.Kind.SCOPE else ""
                ),
                reason=reason,
                requested_by=by,
                requested_by_name=history.user_name(by),
                requested_at=now,
            )
            created.append(request)
            HistoryEntry.objects.create(
                action=current,
                actor=by,
                actor_name=history.user_name(by),
                at=now,
                kind=HistoryEntry.Kind.CHANGE_REQUESTED,
                version=current.version,
                changes={},
                note=f"{request.summary}. Reason: {reason}",
            )
    return created


def _locked_pending(request: ChangeRequest) -> ChangeRequest:
    current = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("action", "action__plan")
        .get(pk=request.pk)
    )
    if current.state != ChangeRequest.State.PENDING:
        raise AlreadyDecided(current)
    return current


def change_request_approve(
    *, request: ChangeRequest, by: Any, note: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """Approve the change: the action's end date or scope changes, on its history."""
    now = _now(now)
    if not can_decide_changes(by):
        raise PermissionDenied("Only the PMO or the executive improvement board decide changes.")
    note = typed.strip_invisible(note or "")[:REASON_MAX]
    with transaction.atomic():
        current = _locked_pending(request)
        if current.requested_by_id == by.pk:
            raise PermissionDenied("You raised this change: someone else must decide it.")
        action = current.action
        services.plan_ensure_writable(action.plan)
        if action.status == Status.BLUE:
            raise ValidationError(
                f"{action.ref} is complete (Blue): its plan cannot change. Refuse the request "
                "or ask the requester to withdraw it."
            )
        fields: dict[str, Any] = (
            {"end_date": current.proposed_end_date}
            if current.kind == ChangeRequest.Kind.END_DATE
            else {"requirement": current.proposed_requirement}
        )
        services.action_change_request_apply(
            action=action,
            by=by,
            note=f"Change request approved. Reason given: {current.reason}"
            + (f" Decision: {note}" if note else ""),
            now=now,
            **fields,
        )
        current.state = ChangeRequest.State.APPROVED
        current.decided_by = by
        current.decided_by_name = history.user_name(by)
        current.decided_at = now
        current.decision_note = note
        current.save(
            update_fields=["state", "decided_by", "decided_by_name", "decided_at", "decision_note"]
        )
    return current


def change_request_refuse(
    *, request: ChangeRequest, by: Any, note: str, now: dt.datetime | None = None
) -> ChangeRequest:
    """Refuse the change, with a reason: the action keeps its date and scope."""
    now = _now(now)
    if not can_decide_changes(by):
        raise PermissionDenied("Only the PMO or the executive improvement board decide changes.")
    note = _reason(note, field="decision_note", what="the reason for refusing")
    with transaction.atomic():
        current = _locked_pending(request)
        if current.requested_by_id == by.pk:
            raise PermissionDenied("You raised this change: someone else must decide it.")
        current.state = ChangeRequest.State.REFUSED
        current.decided_by = by
        current.decided_by_name = history.user_name(by)
        current.decided_at = now
        current.decision_note = note
        current.save(
            update_fields=["state", "decided_by", "decided_by_name", "decided_at", "decision_note"]
        )
        _history(current, by=by, kind=HistoryEntry.Kind.CHANGE_REFUSED, at=now, note=note)
    return current


def change_request_withdraw(
    *, request: ChangeRequest, by: Any, now: dt.datetime | None = None
) -> ChangeRequest:
    """The requester (or the PMO) takes a waiting request back."""
    now = _now(now)
    with transaction.atomic():
        current = _locked_pending(request)
        if current.requested_by_id != by.pk and Role.PMO not in roles_of(by):
            raise PermissionDenied("Only whoever raised the change, or the PMO, can withdraw it.")
        current.state = ChangeRequest.State.WITHDRAWN
        current.decided_by = by
        current.decided_by_name = history.user_name(by)
        current.decided_at = now
        current.save(update_fields=["state", "decided_by", "decided_by_name", "decided_at"])
        _history(current, by=by, kind=HistoryEntry.Kind.CHANGE_WITHDRAWN, at=now, note="")
    return current


def _history(request: ChangeRequest, *, by: Any, kind: str, at: dt.datetime, note: str) -> None:
    action = request.action
    HistoryEntry.objects.create(
        action=action,
        actor=by,
        actor_name=history.user_name(by),
        at=at,
        kind=kind,
        version=action.version,
        changes={},
        note=f"{request.summary}." + (f" {note}" if note else ""),
    )


# Selectors -------------------------------------------------------------------------------


def baseline_current(plan: Plan) -> PlanBaseline | None:
    return plan.baselines.order_by("-number").first()


def baseline_in_force(plan_id: int, moment: dt.datetime) -> PlanBaseline | None:
    """The newest baseline taken by ``moment``: what a report for then is measured against."""
    return (
        PlanBaseline.objects.filter(plan_id=plan_id, taken_at__lte=moment)
        .order_by("-number")
        .first()
    )


def baseline_end_dates(
    plan_id: int, moment: dt.datetime
) -> tuple[PlanBaseline, dict[int, dt.date | None]] | None:
    """The baseline in force at ``moment`` and its end dates by action id; None if the plan
    had no baseline then. Two queries."""
    baseline = baseline_in_force(plan_id, moment)
    if baseline is None:
        return None
    return baseline, dict(baseline.dates.values_list("action_id", "end_date"))


def change_requests_for_plan(plan: Plan) -> QuerySet[ChangeRequest]:
    """Waiting requests first (oldest first: they have waited longest), then the decided,
    newest decision first."""
    return (
        ChangeRequest.objects.filter(action__plan=plan)
        .select_related("action", "requested_by", "decided_by")
        .annotate(
            waiting=Case(
                When(state=ChangeRequest.State.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-decided_at", "requested_at", "id")
    )


def approved_changes(plan_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The changes approved in [start, end), oldest first, as JSON-safe rows. One query."""
    rows = []
    for request in (
        ChangeRequest.objects.filter(
            action__plan_id=plan_id,
            state=ChangeRequest.State.APPROVED,
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .select_related("action")
        .order_by("decided_at", "id")
    ):
        if request.kind == ChangeRequest.Kind.END_DATE:
            before, after = _day(request.current_end_date), _day(request.proposed_end_date)
        else:
            before, after = request.current_requirement, request.proposed_requirement
        rows.append(
            {
                "request_id": request.pk,
                "action_id": request.action_id,
                "ref": request.action.ref,
                "kind": request.kind,
                "kind_label": request.get_kind_display(),
                "before": before,
                "after": after,
                "reason": request.reason,
                "approved_by": request.decided_by_name,
                "approved_on": timezone.localtime(request.decided_at).date().isoformat()
                if request.decided_at
                else "",
            }
        )
    return rows


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "no end date"


def baseline_rows(plan: Plan, baseline: PlanBaseline | None) -> list[dict[str, Any]]:
    """Each action of the plan beside its baseline end date: the baseline page's table."""
    dates = (
        {d.action_id: d for d in BaselineDate.objects.filter(baseline=baseline)} if baseline else {}
    )
    rows = []
    for action in plan.actions.order_by("id").only(
        "pk", "ref", "end_date", "status", "plan_id", "requirement"
    ):
        held = dates.get(action.pk)
        rows.append(
            {
                "action": action,
                "in_baseline": held is not None,
                "baseline_end": held.end_date if held else None,
                "forecast_end": action.end_date,
                "moved": held is not None and held.end_date != action.end_date,
                "scope_changed": held is not None
                and not services.same_text(held.requirement, action.requirement),
            }
        )
    return rows
