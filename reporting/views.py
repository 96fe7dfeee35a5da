"""Pages of the exception report: the list, the report (draft and issued), its PDF, who has
updated, the distribution list and the report settings.

Every view starts with one access helper; each write is one service call.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from actions import access as plan_access
from actions import services as plan_services
from actions.models import Plan
from improvement.forms import INVALID, add_errors

from . import access, selectors, services
from .forms import (
    CommentaryForm,
    CommentForm,
    CorrectionForm,
    DistributionEntryForm,
    ReminderSlotFormSet,
    ReportSettingsForm,
)
from .models import DEFAULT_REMINDER_SLOTS, ExceptionReport, ReportSettings
from .pdf import pdf_filename, render_pdf
from .presenter import present
from .unsubscribe import read_token


def _first_codes(request: HttpRequest) -> list[str]:
    """Whose copy: the reader's own exec roles; the PMO may look at anyone's (?for=DoN)."""
    chosen = request.GET.get("for", "").strip()
    if chosen and plan_access.is_pmo(request.user):
        return [chosen]
    return selectors.exec_codes_of(request.user)


def _settings_or_defaults(plan: Plan) -> ReportSettings:
    return ReportSettings.objects.filter(plan=plan).first() or ReportSettings(plan=plan)


# Lists ---------------------------------------------------------------------------------


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Every exception report of every plan (one plan: straight to its list)."""
    access.require_report_reader(request)
    plans = list(Plan.objects.order_by("-created_at", "-id")[:2])
    if len(plans) == 1:
        return redirect("plan_exception_reports", plans[0].pk)
    reports = selectors.reports_listing(include_drafts=plan_access.is_pmo(request.user))
    return render(
        request,
        "reporting/report_list.html",
        {"reports": reports, "plan": None, "plans": Plan.objects.order_by("name", "id")},
    )


@login_required
def plan_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's exception reports, newest first; the PMO's tools for them."""
    plan = plan_access.get_plan_for_reading(request, pk)
    is_pmo = plan_access.is_pmo(request.user)
    reports = selectors.reports_listing(plan=plan, include_drafts=is_pmo)
    latest = selectors.latest_locked_period(plan)
    return render(
        request,
        "reporting/report_list.html",
        {
            "plan": plan,
            "reports": reports,
            "can_manage": is_pmo,
            "latest": latest,
            "latest_has_report": latest is not None and latest.exception_reports.exists(),
            "report_settings": _settings_or_defaults(plan),
        },
    )


@login_required
@require_POST
def report_build_now(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO builds the draft of the latest locked period now, not waiting for the sweep."""
    plan = plan_access.get_plan_for_pmo(request, pk)
    plan_services.plan_lock_due(plan=plan)
    period = selectors.latest_locked_period(plan)
    if period is None:
        messages.error(request, "No period has locked yet: there is nothing to report on.")
        return redirect("plan_exception_reports", plan.pk)
    report = services.report_build(period=period)
    return redirect(report)


# The report ----------------------------------------------------------------------------


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for_reading(request, pk)
    is_pmo = plan_access.is_pmo(request.user)
    view = present(selectors.report_document(report), first_codes=_first_codes(request))
    editable = is_pmo and report.is_draft
    versions = selectors.report_versions(report)
    context = {
        "report": report,
        "view": view,
        "plan": report.period.plan,
        "editable": editable,
        "can_manage": is_pmo,
        "versions": versions,
        "is_newest": versions[-1].pk == report.pk,
        "newest_issued": max((v.version for v in versions if v.is_issued), default=0),
        "commentary_form": CommentaryForm(initial={"commentary": report.commentary})
        if editable
        else None,
        "emails": report.emails.order_by("name", "id") if is_pmo and report.is_issued else [],
        "recipients": report.period.plan.distribution_list.count() if editable else 0,
        "copies": sorted({code for r in view.rows.values() for code in r.exec_codes}),
    }
    return render(request, "reporting/report_detail.html", context)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for_reading(request, pk)
    document = selectors.report_document(report)
    response = HttpResponse(
        render_pdf(document, first_codes=_first_codes(request)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(document)}"'
    return response


@login_required
@require_POST
def report_commentary(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for_pmo(request, pk)
    form = CommentaryForm(request.POST)
    if form.is_valid():
        try:
            services.report_commentary_save(
                report=report, commentary=form.cleaned_data["commentary"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Commentary saved.")
    return redirect(report)


def _listed_action(report: ExceptionReport, action_pk: int) -> dict:
    for action in report.content["actions"]:
        if action["id"] == action_pk:
            return action
    raise Http404("That action is not in this report.")


@login_required
def report_comment(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """GET: the comment form (inline with htmx, or a page). POST: save it."""
    report = access.get_report_for_pmo(request, pk)
    action = _listed_action(report, action_pk)
    if not report.is_draft:
        raise PermissionDenied(services.ISSUED_ALREADY)
    current = report.comments.filter(action_pk=action_pk).first()
    form = CommentForm(
        request.POST or None, ref=action["ref"], initial={"text": current.text if current else ""}
    )
    context = {"report": report, "action": action, "form": form, "comment": current}
    if request.method == "POST" and form.is_valid():
        try:
            current = services.report_comment_save(
                report=report, action_pk=action_pk, text=form.cleaned_data["text"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, f"Comment on {action['ref']} saved.")
                return redirect(f"{report.get_absolute_url()}#action-{action_pk}")
            return render(
                request,
                "reporting/_comment.html",
                {
                    "report_pk": report.pk,
                    "row": {"id": action_pk, "ref": action["ref"]},
                    "comment": current,
                    "saved": True,
                },
            )
    template = "reporting/_comment_form.html" if request.htmx else "reporting/comment_form.html"
    status = INVALID if form.is_bound and form.errors and not request.htmx else 200
    return render(request, template, context, status=status)


@login_required
@require_POST
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for_pmo(request, pk)
    report, issued_now = services.report_issue(report=report, by=request.user)
    if issued_now:
        count = report.emails.count()
        messages.success(
            request,
            f"{report.title} issued. It is being emailed to {count} "
            f"{'person' if count == 1 else 'people'} on the distribution list."
            if count
            else f"{report.title} issued. The distribution list is empty, so nobody was emailed.",
        )
    else:
        messages.info(request, "This report had already been issued; nothing changed.")
    return redirect(report)


@login_required
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for_pmo(request, pk)
    if not report.is_issued:
        return redirect(report)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.report_correct(
                report=report, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Version {correction.version} started. Correct the commentary or comments, "
                "then issue it.",
            )
            return redirect(correction)
    status = INVALID if form.is_bound and form.errors else 200
    return render(
        request, "reporting/correction_form.html", {"report": report, "form": form}, status=status
    )


# Who has updated -----------------------------------------------------------------------


@login_required
def who_has_updated(request: HttpRequest, pk: int) -> HttpResponse:
    """The open period: which leads have updated every open action, and who has not yet."""
    plan = plan_access.get_plan_for_pmo(request, pk)
    period = plan_services.period_current(plan=plan)
    period.plan = plan
    return render(
        request,
        "reporting/who_has_updated.html",
        {
            "plan": plan,
            "period": period,
            "progress": selectors.update_progress(period),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def who_has_updated_nudge(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    run = services.nudge_send(plan=plan, by=request.user)
    if run.sent:
        messages.success(request, f"Nudge sent to {run.sent} lead{'' if run.sent == 1 else 's'}.")
    elif not run.skipped_recent and not run.failed:
        messages.info(request, "Every lead has updated: no nudge was needed.")
    if run.skipped_recent:
        messages.info(
            request,
            "Not nudged again (nudged in the last half hour): "
            + ", ".join(run.skipped_recent)
            + ".",
        )
    if run.failed:
        messages.error(
            request,
            f"{run.failed} nudge{'' if run.failed == 1 else 's'} could not be sent; "
            "see the list below.",
        )
    return redirect("who_has_updated", plan.pk)


# Distribution list and settings --------------------------------------------------------


@login_required
def distribution_list(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    form = DistributionEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.distribution_entry_add(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{entry.name} added to the distribution list.")
            return redirect("distribution_list", plan.pk)
    return render(
        request,
        "reporting/distribution_list.html",
        {
            "plan": plan,
            "form": form,
            "entries": plan.distribution_list.select_related("added_by").order_by("name", "id"),
            "suggestions": selectors.distribution_suggestions(plan),
        },
        status=INVALID if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def distribution_entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.get_entry_for_pmo(request, pk)
    services.distribution_entry_remove(entry=entry)
    messages.success(request, f"{entry.name} removed from the distribution list.")
    return redirect("distribution_list", entry.plan_id)


@login_required
@require_POST
def distribution_exec_leads_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    added = services.distribution_exec_leads_add(plan=plan, by=request.user)
    if added:
        messages.success(
            request, "Added to the distribution list: " + ", ".join(e.name for e in added) + "."
        )
    else:
        messages.info(request, "Every exec lead with an email address is already on the list.")
    return redirect("distribution_list", plan.pk)


@login_required
def report_settings(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    # Showing the form writes nothing: the SOP's defaults until the PMO saves (which
    # creates the settings, report_settings_save).
    current = _settings_or_defaults(plan)
    slot_times = (
        [(s.weekday, s.time) for s in current.reminder_slots.all()]
        if current.pk is not None
        else DEFAULT_REMINDER_SLOTS
    )
    form = ReportSettingsForm(
        request.POST or None,
        initial={
            "issue_weekday": current.issue_weekday,
            "issue_time": current.issue_time,
            "oversight_group": current.oversight_group,
        },
    )
    slots = ReminderSlotFormSet(
        request.POST or None,
        prefix="slots",
        initial=[{"weekday": weekday, "time": time} for weekday, time in slot_times],
    )
    if request.method == "POST" and form.is_valid() and slots.is_valid():
        try:
            saved = services.report_settings_save(
                plan=plan, reminder_slots=slots.slots(), **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            reminders = ", ".join(s.label for s in saved.reminder_slots.all()) or "none"
            messages.success(
                request,
                f"Report settings saved. Reports are issued by {saved.issue_label}; "
                f"reminders: {reminders}.",
            )
            return redirect("plan_exception_reports", plan.pk)
    invalid = form.is_bound and (form.errors or any(f.errors for f in slots.forms))
    return render(
        request,
        "reporting/report_settings.html",
        {"plan": plan, "form": form, "slots": slots},
        status=INVALID if invalid else 200,
    )


@csrf_exempt  # the signed address is the permission; mail clients' one-click POST has no token
@never_cache
def reminders_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop (or restart) one lead's scheduled reminder emails for one plan, from the email."""
    found = read_token(token)
    user = plan = None
    if found:
        plan = Plan.objects.filter(pk=found[0]).first()
        user = get_user_model().objects.filter(pk=found[1], is_active=True).first()
    if plan is None or user is None:
        context = {"invalid": True}
        return render(request, "reporting/reminders_unsubscribe.html", context, status=404)
    if request.method == "POST":
        if request.POST.get("resume"):
            services.reminders_opt_in(plan=plan, user=user)
        else:  # the page's button, or RFC 8058's "List-Unsubscribe=One-Click"
            services.reminders_opt_out(plan=plan, user=user)
        return redirect("reminders_unsubscribe", token=token)
    context = {"plan": plan, "opted_out": selectors.reminders_opted_out(plan=plan, user=user)}
    return render(request, "reporting/reminders_unsubscribe.html", context)
