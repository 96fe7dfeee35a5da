"""Who may see and do what in the programme.

The plan's readers (PMO, exec leads, reviewers, the board) read every workstream and root
cause; a workstream's accountable executive and its lead read it and write its monthly
narrative; a root cause's owner reads it; the PMO creates and edits everything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from actions.access import can_read_plan, is_pmo, require_pmo
from actions.models import Finding, Plan

from .models import RootCause, Workstream

REFUSED = (
    "The programme is for the PMO, exec leads, reviewers, the board, and each workstream's "
    "executive and lead."
)
REFUSED_ROOT_CAUSES = (
    "Root causes are for the PMO, exec leads, reviewers, the board and each root cause's owner."
)


def runs_workstream(user, workstream: Workstream) -> bool:
    return user.is_authenticated and user.pk in (workstream.executive_id, workstream.lead_id)


def can_read_workstream(user, workstream: Workstream) -> bool:
    return can_read_plan(user) or runs_workstream(user, workstream)


def can_write_narrative(user, workstream: Workstream) -> bool:
    """The PMO, the workstream's accountable executive and its lead."""
    return is_pmo(user) or runs_workstream(user, workstream)


def can_read_root_cause(user, root_cause: RootCause) -> bool:
    if can_read_plan(user):
        return True
    return user.is_authenticated and root_cause.owner_id == user.pk


def _workstream(pk: int) -> Workstream:
    return get_object_or_404(Workstream.objects.select_related("plan", "executive", "lead"), pk=pk)


def get_workstream_for_reading(request: HttpRequest, pk: int) -> Workstream:
    workstream = _workstream(pk)
    if not can_read_workstream(request.user, workstream):
        raise PermissionDenied(REFUSED)
    return workstream


def get_workstream_for_narrative(request: HttpRequest, pk: int) -> Workstream:
    workstream = _workstream(pk)
    if not can_write_narrative(request.user, workstream):
        raise PermissionDenied(
            "The narrative is written by the workstream's executive, its lead or the PMO."
        )
    return workstream


def get_workstream_for_pmo(request: HttpRequest, pk: int) -> Workstream:
    require_pmo(request)
    return _workstream(pk)


def get_plan_for_programme(request: HttpRequest, pk: int) -> tuple[Plan, bool]:
    """The plan and whether the user reads every workstream (else only those they run)."""
    plan = get_object_or_404(Plan, pk=pk)
    if can_read_plan(request.user):
        return plan, True
    user = request.user
    if (
        user.is_authenticated
        and Workstream.objects.filter(plan=plan).filter(Q(executive=user) | Q(lead=user)).exists()
    ):
        return plan, False
    raise PermissionDenied(REFUSED)


def get_plan_for_root_causes(request: HttpRequest, pk: int) -> tuple[Plan, bool]:
    """The plan and whether the user reads every root cause (else only those they own)."""
    plan = get_object_or_404(Plan, pk=pk)
    if can_read_plan(request.user):
        return plan, True
    user = request.user
    if user.is_authenticated and RootCause.objects.filter(plan=plan, owner=user).exists():
        return plan, False
    raise PermissionDenied(REFUSED_ROOT_CAUSES)


def _root_cause(pk: int) -> RootCause:
    return get_object_or_404(
        RootCause.objects.select_related("plan", "finding", "owner", "workstream", "kpi"), pk=pk
    )


def get_root_cause_for_reading(request: HttpRequest, pk: int) -> RootCause:
    root_cause = _root_cause(pk)
    if not can_read_root_cause(request.user, root_cause):
        raise PermissionDenied(REFUSED_ROOT_CAUSES)
    return root_cause


def get_root_cause_for_pmo(request: HttpRequest, pk: int) -> RootCause:
    require_pmo(request)
    return _root_cause(pk)


def get_finding_in_plan_for_pmo(
    request: HttpRequest, plan_pk: int, pk: int
) -> tuple[Plan, Finding]:
    """The plan and one of the findings it answers, for the PMO to unpack."""
    from .selectors import findings_of_plan

    require_pmo(request)
    plan = get_object_or_404(Plan, pk=plan_pk)
    finding = get_object_or_404(findings_of_plan(plan).select_related("inspection"), pk=pk)
    return plan, finding
