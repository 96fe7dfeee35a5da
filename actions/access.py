"""Who may see and do what (DOMAIN.md), in one place.

Every object view starts with one of the ``get_*`` helpers: it returns the object or
raises 404/403, so no view filters by owner inline.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from improvement.roles import Role, is_pmo, roles_of  # noqa: F401 - used by the apps above

from .models import Action, ChangeRequest, ExecRole, Finding, Inspection, Plan

READERS_OF_THE_PLAN = {Role.PMO, Role.EXEC_LEAD, Role.REVIEWER, Role.BOARD}


def can_read_plan(user) -> bool:
    """PMO, exec leads, assurance reviewers and the board read the whole plan."""
    return bool(roles_of(user) & READERS_OF_THE_PLAN)


def is_exec_lead(user) -> bool:
    """In the Executive lead group, or holding an exec role (``DoN``) on the plan."""
    if not user.is_authenticated:
        return False
    return Role.EXEC_LEAD in roles_of(user) or ExecRole.objects.filter(holder=user).exists()


def require_exec_lead(request: HttpRequest) -> None:
    if not is_exec_lead(request.user):
        raise PermissionDenied(
            "“My accountable actions” is for executive leads: the actions whose exec role you hold."
        )


def can_view_action(user, action: Action) -> bool:
    """The plan's readers, the action's lead, and whoever holds one of its exec roles (so
    every link on "My accountable actions" opens). Uses the exec roles' prefetch."""
    if can_read_plan(user):
        return True
    if not user.is_authenticated:
        return False
    return action.action_lead_id == user.pk or any(
        role.holder_id == user.pk for role in action.exec_roles.all()
    )


def can_update_action(user, action: Action) -> bool:
    """Only the action's lead writes its weekly update."""
    return user.is_authenticated and action.action_lead_id == user.pk


def get_action_for_view(request: HttpRequest, pk: int) -> Action:
    action = get_object_or_404(
        Action.objects.select_related("plan", "action_lead").prefetch_related("exec_roles"), pk=pk
    )
    if not can_view_action(request.user, action):
        raise PermissionDenied("You can see only the actions you lead.")
    return action


def get_action_for_update(request: HttpRequest, pk: int) -> Action:
    """The action and its plan. Not the lead's row (the lead is the signed-in user, checked
    by id) nor the exec roles (only the card shows them, ``Action.exec_lead_label``)."""
    action = get_object_or_404(Action.objects.select_related("plan"), pk=pk)
    if not can_update_action(request.user, action):
        raise PermissionDenied("Only the action's lead can update it.")
    return action


def get_action_for_pmo(request: HttpRequest, pk: int) -> Action:
    require_pmo(request)
    return get_object_or_404(Action.objects.select_related("plan"), pk=pk)


def get_plan_for_reading(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan, pk=pk)
    if not can_read_plan(request.user):
        raise PermissionDenied("The plan is for the PMO, exec leads, reviewers and the board.")
    return plan


def get_plan_for_pmo(request: HttpRequest, pk: int) -> Plan:
    require_pmo(request)
    return get_object_or_404(Plan, pk=pk)


def require_pmo(request: HttpRequest) -> None:
    if not is_pmo(request.user):
        raise PermissionDenied("Only the PMO can change the plan.")


def require_plan_reader(request: HttpRequest) -> None:
    if not can_read_plan(request.user):
        raise PermissionDenied("The plan is for the PMO, exec leads, reviewers and the board.")


def get_inspection_for_pmo(request: HttpRequest, pk: int) -> Inspection:
    require_pmo(request)
    return get_object_or_404(Inspection, pk=pk)


def get_finding_for_pmo(request: HttpRequest, pk: int) -> Finding:
    require_pmo(request)
    return get_object_or_404(Finding.objects.select_related("inspection"), pk=pk)


def can_view_change_request(user, change: ChangeRequest) -> bool:
    """The plan's readers, whoever decides changes, whoever raised it, the action's lead."""
    if can_read_plan(user):
        return True
    if not user.is_authenticated:
        return False
    if user.pk in (change.requested_by_id, change.action.action_lead_id):
        return True
    return can_decide_changes(user)


def get_change_request_for_view(request: HttpRequest, pk: int) -> ChangeRequest:
    change = get_object_or_404(
        ChangeRequest.objects.select_related("action__plan", "requested_by", "decided_by"), pk=pk
    )
    if not can_view_change_request(request.user, change):
        raise PermissionDenied("You can see only the change requests of the actions you lead.")
    return change


def can_decide_changes(user) -> bool:
    """The PMO and the executive improvement board (executive leads, exec role holders)."""
    if not user.is_authenticated:
        return False
    if is_pmo(user) or Role.EXEC_LEAD in roles_of(user):
        return True
    return ExecRole.objects.filter(holder=user).exists()


def can_request_change(user, action: Action) -> bool:
    """The action's lead and the PMO ask to change a baselined action's end date or scope."""
    if not user.is_authenticated:
        return False
    return action.action_lead_id == user.pk or is_pmo(user)


def get_action_for_change_request(request: HttpRequest, pk: int) -> Action:
    action = get_object_or_404(Action.objects.select_related("plan", "action_lead"), pk=pk)
    if not can_request_change(request.user, action):
        raise PermissionDenied("Only the action's lead or the PMO can ask to change it.")
    return action


def get_plan_for_change_requests(request: HttpRequest, pk: int) -> Plan:
    """The plan's readers, and whoever decides changes (an exec role holder may not read
    the whole plan but sits on the executive improvement board)."""
    plan = get_object_or_404(Plan, pk=pk)
    if not (can_read_plan(request.user) or can_decide_changes(request.user)):
        raise PermissionDenied("Change requests are for the PMO, exec leads and the board.")
    return plan
