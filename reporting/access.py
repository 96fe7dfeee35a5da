"""Who may see and do what with exception reports, in one place.

Every view starts with one of these: it returns the object or raises 404/403. Leads do not
read reports; drafts are the PMO's until issued.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from actions.access import can_read_plan, is_pmo, require_pmo
from actions.models import Plan

from .models import BoardReport, Committee, DistributionEntry, ExceptionReport

READERS = "Exception reports are for the PMO, exec leads, assurance reviewers and the board."


def require_report_reader(request: HttpRequest) -> None:
    if not can_read_plan(request.user):
        raise PermissionDenied(READERS)


def get_report_for_reading(request: HttpRequest, pk: int) -> ExceptionReport:
    require_report_reader(request)
    report = get_object_or_404(
        ExceptionReport.objects.select_related("period__plan", "issued_by"), pk=pk
    )
    if report.is_draft and not is_pmo(request.user):
        raise PermissionDenied("This report is a draft; it can be read once the PMO issues it.")
    return report


def get_report_for_pmo(request: HttpRequest, pk: int) -> ExceptionReport:
    require_pmo(request)
    return get_object_or_404(
        ExceptionReport.objects.select_related("period__plan", "issued_by"), pk=pk
    )


def get_entry_for_pmo(request: HttpRequest, pk: int) -> DistributionEntry:
    require_pmo(request)
    return get_object_or_404(DistributionEntry.objects.select_related("plan"), pk=pk)


# The monthly board highlight report ----------------------------------------------------

BOARD_READERS = "Board reports are for the board, exec leads, assurance reviewers and the PMO."


def require_board_report_reader(request: HttpRequest) -> None:
    """Board members, exec leads, reviewers and the PMO; never action leads or outsiders."""
    if not can_read_plan(request.user):
        raise PermissionDenied(BOARD_READERS)


def get_plan_for_board_report(request: HttpRequest, pk: int) -> Plan:
    require_board_report_reader(request)
    return get_object_or_404(Plan, pk=pk)


def get_board_report_for_reading(request: HttpRequest, pk: int) -> BoardReport:
    require_board_report_reader(request)
    return get_object_or_404(
        BoardReport.objects.select_related("plan", "requested_by").defer("document"), pk=pk
    )


def get_board_report_for_pmo(request: HttpRequest, pk: int) -> BoardReport:
    require_pmo(request)
    return get_object_or_404(
        BoardReport.objects.select_related("plan", "requested_by").defer("document"), pk=pk
    )


def get_committee_for_pmo(request: HttpRequest, pk: int) -> Committee:
    require_pmo(request)
    return get_object_or_404(Committee.objects.select_related("plan"), pk=pk)
