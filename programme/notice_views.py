"""Regulatory notice pages and the conditions report. Each starts with one access helper
(programme.risk_access), then a form and one service (programme.notices)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from actions.access import is_pmo
from improvement.forms import INVALID, add_errors
from programme import notices as services
from programme import risk_access as access
from programme.notice_pdf import render_conditions_pdf
from programme.risk_forms import ConditionForm, LinksForm, NoticeForm


def _report_context(plan) -> dict:
    today = services.plan_today(plan)
    blocks = services.conditions_report(plan, today)
    return {"plan": plan, "today": today, "blocks": blocks, "counts": services.counts_of(blocks)}


@login_required
def notice_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's notices with their counts: 29A and S31 apart."""
    plan = access.get_plan_for_reading(request, pk)
    return render(
        request,
        "programme/notices/notice_list.html",
        {**_report_context(plan), "can_manage": is_pmo(request.user) and not plan.is_closed},
    )


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access.get_notice_for_reading(request, pk)
    plan = notice.plan
    today = services.plan_today(plan)
    block = next(b for b in services.conditions_report(plan, today) if b.notice.pk == notice.pk)
    return render(
        request,
        "programme/notices/notice_detail.html",
        {
            "plan": plan,
            "notice": notice,
            "block": block,
            "today": today,
            "can_manage": is_pmo(request.user) and not plan.is_closed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = NoticeForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{notice} added. Add its conditions below.")
            return redirect(notice)
    return render(
        request,
        "programme/notices/notice_form.html",
        {"plan": plan, "form": form},
        status=INVALID if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access.get_notice_for_pmo(request, pk)
    form = NoticeForm(request.POST or None, instance=notice, plan=notice.plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(notice=notice, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{notice} saved.")
            return redirect(notice)
    return render(
        request,
        "programme/notices/notice_form.html",
        {"plan": notice.plan, "form": form, "notice": notice},
        status=INVALID if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def condition_create(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access.get_notice_for_pmo(request, pk)
    form = ConditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            condition = services.condition_create(notice=notice, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Condition {condition.number} added.")
            return redirect(notice)
    return render(
        request,
        "programme/notices/condition_form.html",
        {"plan": notice.plan, "notice": notice, "form": form},
        status=INVALID if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def condition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The condition's words, deadline and status, and the actions and findings it links."""
    condition = access.get_condition_for_pmo(request, pk)
    notice = condition.notice
    plan = notice.plan
    if request.method == "POST":
        form = ConditionForm(request.POST, instance=condition)
        links = LinksForm(request.POST, plan=plan)
        if form.is_valid() and links.is_valid():
            try:
                services.condition_update(condition=condition, **form.cleaned_data)
                services.condition_links_set(condition=condition, **links.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Condition {condition.number} saved.")
                return redirect(notice)
    else:
        form = ConditionForm(instance=condition)
        links = LinksForm(initial=LinksForm.initial_for(condition), plan=plan)
    return render(
        request,
        "programme/notices/condition_form.html",
        {"plan": plan, "notice": notice, "form": form, "links": links, "condition": condition},
        status=INVALID if form.errors or links.errors else 200,
    )


@login_required
def conditions_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Each notice, each condition, its deadline, linked actions and their latest update."""
    plan = access.get_plan_for_reading(request, pk)
    context = {**_report_context(plan), "can_manage": is_pmo(request.user) and not plan.is_closed}
    return render(request, "programme/notices/conditions_report.html", context)


@login_required
def conditions_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_reading(request, pk)
    context = _report_context(plan)
    pdf = render_conditions_pdf(context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="conditions-report-{context["today"]:%Y-%m-%d}.pdf"'
    )
    return response
