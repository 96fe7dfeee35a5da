"""Pages of the board highlight report: a plan's reports, one report, its PDF, the dashboard.

Every view starts with one access helper; each write is one service call.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from actions import access as plan_access
from actions.models import Plan
from improvement.forms import INVALID

from .. import access
from ..models import BoardReport, BoardReportSending, Committee
from . import services
from .content import add_months
from .forms import BoardReportForm, CommitteeForm
from .presenter import present_board


def _default_month(plan, today):
    """Last month's report is the usual one; a plan begun this month has only this month."""
    this_month = today.replace(day=1)
    started = timezone.localtime(plan.created_at, plan.tz).date()
    return add_months(this_month, -1) if started < this_month else this_month


@login_required
@require_http_methods(["GET", "POST"])
def board_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's board reports, newest month first; the PMO generates a new one here."""
    plan = access.get_plan_for_board_report(request, pk)
    is_pmo = plan_access.is_pmo(request.user)
    today = timezone.localtime(timezone.now(), plan.tz).date()
    form = None
    status = 200
    if request.method == "POST":
        plan_access.require_pmo(request)
        form = BoardReportForm(request.POST, today=today, plan=plan)
        if form.is_valid():
            try:
                report = services.board_report_request(
                    plan=plan,
                    month=form.cleaned_data["month"],
                    by=request.user,
                    cover=form.cover(),
                )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                return redirect(report)
        status = INVALID
    elif is_pmo:
        month = _default_month(plan, today)
        initial = services.cover_defaults(plan=plan, month=month, by=request.user)
        form = BoardReportForm(
            initial={**initial, "month": f"{month:%Y-%m}"}, today=today, plan=plan
        )
    reports = list(BoardReport.objects.of_plan(plan).for_listing().newest_first())
    return render(
        request,
        "reporting/board/report_list.html",
        {"plan": plan, "reports": reports, "form": form, "can_manage": is_pmo},
        status=status,
    )


@login_required
def board_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_board_report_for_reading(request, pk)
    versions = list(
        BoardReport.objects.filter(plan_id=report.plan_id, month=report.month)
        .for_listing()
        .order_by("version")
    )
    is_pmo = plan_access.is_pmo(request.user)
    return render(
        request,
        "reporting/board/report_detail.html",
        {
            "report": report,
            "plan": report.plan,
            "versions": versions,
            "can_manage": is_pmo,
            **(_sending_context(report) if is_pmo else {}),
        },
    )


def _sending_context(report: BoardReport) -> dict:
    """The committees to send this version to, and every sending of it so far."""
    sendings = list(BoardReportSending.objects.filter(report=report).select_related("requested_by"))
    sent_to = {s.committee_name for s in sendings}
    committees = [
        {"committee": c, "sent": c.name in sent_to}
        for c in Committee.objects.filter(plan_id=report.plan_id)
    ]
    return {"committees": committees, "sendings": sendings}


@login_required
@require_http_methods(["POST"])
def board_report_send(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO's "Send to <committee>" (or "Send again") on a ready report."""
    report = access.get_board_report_for_pmo(request, pk)
    committee = get_object_or_404(
        Committee, pk=request.POST.get("committee") or 0, plan_id=report.plan_id
    )
    try:
        services.board_report_send(
            report=report,
            committee=committee,
            by=request.user,
            again=request.POST.get("again") == "1",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Version {report.version} is being emailed to {committee.name}.")
    return redirect(report)


@login_required
@require_http_methods(["GET", "POST"])
def committees(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's committees and their distribution lists (PMO)."""
    plan_access.require_pmo(request)
    plan = get_object_or_404(Plan, pk=pk)
    form = CommitteeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.committee_add(plan=plan, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, f"{form.cleaned_data['name']} added.")
                return redirect("board_committees", pk=plan.pk)
        status = INVALID
    return render(
        request,
        "reporting/board/committees.html",
        {"plan": plan, "form": form, "committees": Committee.objects.filter(plan=plan)},
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def committee_remove(request: HttpRequest, pk: int) -> HttpResponse:
    committee = access.get_committee_for_pmo(request, pk)
    services.committee_remove(committee=committee)
    messages.success(request, f"{committee.name} removed; what was sent to it stays recorded.")
    return redirect("board_committees", pk=committee.plan_id)


@login_required
def board_report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the report's page polls until the PDF is made."""
    report = access.get_board_report_for_reading(request, pk)
    return render(request, "reporting/board/_status.html", {"report": report})


@login_required
def board_report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    report = access.get_board_report_for_reading(request, pk)
    if not report.is_ready:
        raise Http404("This report's PDF is not made yet.")
    filename = f"board-report-{report.month:%Y-%m}" + (
        f"-v{report.version}.pdf" if report.version > 1 else ".pdf"
    )
    return FileResponse(
        report.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )


@login_required
def board_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The board report's charts and tables, live: this month as it stands now."""
    plan = access.get_plan_for_board_report(request, pk)
    # The dashboard shows figures only: no cover sheet to look up.
    document = services.board_dashboard_document(plan=plan)
    return render(
        request,
        "reporting/board/dashboard.html",
        {
            "plan": plan,
            "r": present_board(document),
            "can_manage": plan_access.is_pmo(request.user),
        },
    )
