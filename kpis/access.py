"""Who may see and do what with KPIs: the plan's readers read them all, each KPI's owner
reads and enters its values, the PMO creates, edits and imports them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from actions.access import can_read_plan, is_pmo, require_pmo
from actions.models import Plan

from .models import Kpi

REFUSED = "KPIs are for the PMO, exec leads, reviewers, the board and each KPI's owner."


def can_read_kpi(user, kpi: Kpi) -> bool:
    return can_read_plan(user) or (user.is_authenticated and kpi.owner_id == user.pk)


def can_record_value(user, kpi: Kpi) -> bool:
    """The KPI's owner enters its values; the PMO may correct them."""
    return user.is_authenticated and (kpi.owner_id == user.pk or is_pmo(user))


def _kpi(pk: int) -> Kpi:
    return get_object_or_404(Kpi.objects.for_listing(), pk=pk)


def get_kpi_for_reading(request: HttpRequest, pk: int) -> Kpi:
    kpi = _kpi(pk)
    if not can_read_kpi(request.user, kpi):
        raise PermissionDenied(REFUSED)
    return kpi


def get_kpi_for_pmo(request: HttpRequest, pk: int) -> Kpi:
    require_pmo(request)
    return _kpi(pk)


def get_plan_for_kpis(request: HttpRequest, pk: int) -> tuple[Plan, bool]:
    """The plan and whether the user reads all its KPIs (else only the ones they own)."""
    plan = get_object_or_404(Plan, pk=pk)
    if can_read_plan(request.user):
        return plan, True
    if Kpi.objects.in_plan(plan).owned_by(request.user).exists():
        return plan, False
    raise PermissionDenied(REFUSED)
