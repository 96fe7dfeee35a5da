"""Who may add, see and withdraw evidence, request closure, inspect, sign off and re-open.

The rules build on ``actions.access``. Views start with one ``get_*`` helper here, which
returns the object or raises 404/403; the services check the same rules again, so a
task, the shell or a future API cannot go round them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from actions.access import can_read_plan, can_view_action, is_pmo, roles_of
from actions.models import Action, ExecRole, Plan, Role

from .models import AssuranceMeeting, ClosureRequest, ClosureSettings, Evidence

QUEUE_ROLES = {Role.PMO, Role.REVIEWER, Role.EXEC_LEAD}


def is_exec_lead_of(user, action: Action) -> bool:
    """The user holds one of the action's exec roles (uses the prefetch when present)."""
    if not user.is_authenticated:
        return False
    return any(role.holder_id == user.pk for role in action.exec_roles.all())


def is_reviewer(user) -> bool:
    return Role.REVIEWER in roles_of(user)


def can_add_evidence(user, action: Action) -> bool:
    """The action's lead, its exec lead(s) and the PMO."""
    if not user.is_authenticated:
        return False
    return action.action_lead_id == user.pk or is_exec_lead_of(user, action) or is_pmo(user)


def is_inspector_for(user, action: Action) -> bool:
    """Named to inspect a closure of this action that is still waiting."""
    return (
        user.is_authenticated
        and ClosureRequest.objects.waiting()
        .filter(action=action, peer_inspection__inspector=user)
        .exists()
    )


def can_see_evidence(user, action: Action) -> bool:
    """Whoever may view the action; those who may add to it; a waiting closure's inspector."""
    return (
        can_view_action(user, action)
        or can_add_evidence(user, action)
        or is_inspector_for(user, action)
    )


def can_withdraw_evidence(user, evidence: Evidence) -> bool:
    """Only whoever added it (the service also refuses it once it supports a sign-off)."""
    return user.is_authenticated and evidence.added_by_id == user.pk


def can_request_closure(user, action: Action) -> bool:
    return user.is_authenticated and action.action_lead_id == user.pk


def may_sign_off(user, closure: ClosureRequest, settings: ClosureSettings) -> bool:
    """Whoever the plan allows to sign off, except the person who asked for the closure."""
    if not user.is_authenticated or closure.requested_by_id == user.pk:
        return False
    action = closure.action
    return bool(
        (settings.reviewers_sign_off and is_reviewer(user))
        or (settings.exec_lead_signs_off and is_exec_lead_of(user, action))
        or (settings.pmo_signs_off and is_pmo(user))
    )


def can_name_inspector(user, closure: ClosureRequest) -> bool:
    """The PMO or the lead who asked for closure arranges the visit."""
    return user.is_authenticated and (is_pmo(user) or closure.requested_by_id == user.pk)


def can_record_inspection(user, closure: ClosureRequest) -> bool:
    inspection = closure.inspection
    return user.is_authenticated and inspection is not None and inspection.inspector_id == user.pk


def can_reopen(user, action: Action) -> bool:
    """The PMO or the action's exec lead."""
    return user.is_authenticated and (is_pmo(user) or is_exec_lead_of(user, action))


def review_queue_shown(roles: frozenset[str], holds_exec_role: bool) -> bool:
    """The rule on names already read: the header asks it without another query."""
    return bool(roles & QUEUE_ROLES) or holds_exec_role


def can_see_review_queue(user) -> bool:
    """Reviewers, exec leads and the PMO; also anyone holding an exec role."""
    if not user.is_authenticated:
        return False
    roles = roles_of(user)
    return review_queue_shown(roles, False) or user.exec_roles.exists()


def can_record_meeting(user) -> bool:
    return is_pmo(user)


# Helpers views start with ----------------------------------------------------------------


def _action_queryset():
    return Action.objects.select_related("plan", "action_lead").prefetch_related("exec_roles")


def get_action_for_evidence(request: HttpRequest, pk: int) -> Action:
    action = get_object_or_404(_action_queryset(), pk=pk)
    if not can_add_evidence(request.user, action):
        raise PermissionDenied("Only the action's lead, its exec lead or the PMO can add evidence.")
    return action


def get_evidence_for_download(request: HttpRequest, pk: int) -> Evidence:
    evidence = get_object_or_404(
        Evidence.objects.current().filter(kind=Evidence.Kind.FILE).select_related("action"),
        pk=pk,
    )
    action = _action_queryset().get(pk=evidence.action_id)
    if not can_see_evidence(request.user, action):
        raise PermissionDenied("You can see evidence only on the actions you may see.")
    return evidence


def get_evidence_for_withdrawal(request: HttpRequest, pk: int) -> Evidence:
    evidence = get_object_or_404(Evidence.objects.current().select_related("action__plan"), pk=pk)
    if not can_withdraw_evidence(request.user, evidence):
        raise PermissionDenied("Only the person who added this evidence can withdraw it.")
    return evidence


def get_action_for_closure_request(request: HttpRequest, pk: int) -> Action:
    action = get_object_or_404(_action_queryset(), pk=pk)
    if not can_request_closure(request.user, action):
        raise PermissionDenied("Only the action's lead can ask for it to be closed.")
    return action


def get_closure_for_view(request: HttpRequest, pk: int) -> ClosureRequest:
    closure = get_object_or_404(
        ClosureRequest.objects.for_listing().prefetch_related(
            Prefetch("action__exec_roles", queryset=ExecRole.objects.select_related("holder"))
        ),
        pk=pk,
    )
    if not (
        can_view_action(request.user, closure.action)
        or can_add_evidence(request.user, closure.action)
        or can_record_inspection(request.user, closure)
    ):
        raise PermissionDenied("You can see only closures of the actions you may see.")
    return closure


def get_closure_for_decision(request: HttpRequest, pk: int) -> ClosureRequest:
    """Someone who may sign this closure off; the service checks the state and the gates."""
    from .selectors import closure_settings_for, signers_by_role, why_cannot_sign_off

    closure = get_closure_for_view(request, pk)
    settings = closure_settings_for(closure.action.plan)
    if not may_sign_off(request.user, closure, settings):
        raise PermissionDenied(
            why_cannot_sign_off(request.user, closure, settings, signers_by_role())
        )
    return closure


def get_action_for_reopening(request: HttpRequest, pk: int) -> Action:
    action = get_object_or_404(_action_queryset(), pk=pk)
    if not can_reopen(request.user, action):
        raise PermissionDenied("Only the PMO or the action's exec lead can re-open it.")
    return action


def require_review_queue(request: HttpRequest) -> None:
    if not can_see_review_queue(request.user):
        raise PermissionDenied(
            "The review queue is for assurance reviewers, exec leads and the PMO."
        )


def can_see_meetings(user) -> bool:
    """The plan's readers (the board too: the table goes in its report) and the queue's."""
    return can_read_plan(user) or can_see_review_queue(user)


def require_meetings(request: HttpRequest) -> None:
    if not can_see_meetings(request.user):
        raise PermissionDenied(
            "Assurance meetings are for the PMO, reviewers, exec leads and the board."
        )


def get_meeting_for_view(request: HttpRequest, pk: int) -> AssuranceMeeting:
    require_meetings(request)
    return get_object_or_404(AssuranceMeeting.objects.select_related("recorded_by"), pk=pk)


def require_meeting_recorder(request: HttpRequest) -> None:
    if not can_record_meeting(request.user):
        raise PermissionDenied("Only the PMO records assurance meetings.")


def get_plan_for_closure_settings(request: HttpRequest, pk: int) -> Plan:
    if not is_pmo(request.user):
        raise PermissionDenied("Only the PMO can change who signs off.")
    return get_object_or_404(Plan, pk=pk)
