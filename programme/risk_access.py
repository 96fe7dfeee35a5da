"""Who may see and change a plan's risks and regulatory notices: the plan's readers (PMO,
exec leads, assurance reviewers, the board) read them; only the PMO changes them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from actions.access import can_read_plan, require_pmo
from actions.models import Plan
from programme.models import Notice, NoticeCondition, Risk

REFUSED = "Risks and regulatory notices are for the PMO, exec leads, reviewers and the board."


def _require_reader(request: HttpRequest) -> None:
    if not can_read_plan(request.user):
        raise PermissionDenied(REFUSED)


def get_plan_for_reading(request: HttpRequest, pk: int) -> Plan:
    _require_reader(request)
    return get_object_or_404(Plan, pk=pk)


def get_plan_for_pmo(request: HttpRequest, pk: int) -> Plan:
    require_pmo(request)
    return get_object_or_404(Plan, pk=pk)


def get_risk_for_reading(request: HttpRequest, pk: int) -> Risk:
    _require_reader(request)
    return get_object_or_404(Risk.objects.select_related("plan", "owner", "workstream"), pk=pk)


def get_risk_for_pmo(request: HttpRequest, pk: int) -> Risk:
    require_pmo(request)
    return get_object_or_404(Risk.objects.select_related("plan", "owner", "workstream"), pk=pk)


def get_notice_for_reading(request: HttpRequest, pk: int) -> Notice:
    _require_reader(request)
    return get_object_or_404(Notice.objects.select_related("plan", "inspection"), pk=pk)


def get_notice_for_pmo(request: HttpRequest, pk: int) -> Notice:
    require_pmo(request)
    return get_object_or_404(Notice.objects.select_related("plan", "inspection"), pk=pk)


def get_condition_for_pmo(request: HttpRequest, pk: int) -> NoticeCondition:
    require_pmo(request)
    return get_object_or_404(
        NoticeCondition.objects.select_related("notice", "notice__plan"), pk=pk
    )
