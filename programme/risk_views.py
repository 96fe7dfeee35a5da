"""The risk register and BAF pages. Each starts with one access helper
(programme.risk_access), then a form and one service (programme.risks)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from actions.access import is_pmo
from improvement.forms import INVALID, add_errors
from programme import risk_access as access
from programme import risks as services
from programme.models import RiskKind
from programme.risk_forms import RiskForm, RiskLinksForm, RisksFileForm


@login_required
def risk_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's risk register and BAF risks, and the inspection's alignment with them."""
    plan = access.get_plan_for_reading(request, pk)
    kind = request.GET.get("kind", "")
    if kind not in RiskKind.values:
        kind = ""
    return render(
        request,
        "programme/risks/risk_list.html",
        {
            "plan": plan,
            "risks": services.risk_register(plan, kind=kind),
            "kind": kind,
            "kinds": RiskKind.choices,
            "alignment": services.alignment_table(plan),
            "can_manage": is_pmo(request.user) and not plan.is_closed,
        },
    )


@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access.get_risk_for_reading(request, pk)
    return render(
        request,
        "programme/risks/risk_detail.html",
        {
            "risk": risk,
            "plan": risk.plan,
            "actions": risk.actions.select_related("action_lead").order_by("id"),
            "findings": risk.findings.order_by("ref", "id"),
            "root_causes": risk.root_causes.order_by("ref", "id"),
            "can_manage": is_pmo(request.user) and not risk.plan.is_closed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = RiskForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Risk “{risk}” added.")
            return redirect(risk)
    status = INVALID if form.errors else 200
    return render(
        request, "programme/risks/risk_form.html", {"plan": plan, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access.get_risk_for_pmo(request, pk)
    form = RiskForm(request.POST or None, instance=risk, plan=risk.plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_update(risk=risk, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Risk “{risk}” saved.")
            return redirect(risk)
    status = INVALID if form.errors else 200
    return render(
        request,
        "programme/risks/risk_form.html",
        {"plan": risk.plan, "form": form, "risk": risk},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_links(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the risk to the plan's actions, findings and root causes (by ref)."""
    risk = access.get_risk_for_pmo(request, pk)
    if request.method == "POST":
        form = RiskLinksForm(request.POST, plan=risk.plan)
        if form.is_valid():
            try:
                services.risk_links_set(risk=risk, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Links of “{risk}” saved.")
                return redirect(risk)
    else:
        form = RiskLinksForm(initial=RiskLinksForm.initial_for(risk), plan=risk.plan)
    status = INVALID if form.errors else 200
    return render(
        request,
        "programme/risks/risk_links.html",
        {"plan": risk.plan, "form": form, "risk": risk},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import risks from .xlsx or .csv: every row, or none if any row has a problem."""
    plan = access.get_plan_for_pmo(request, pk)
    form = RisksFileForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = services.risks_import(plan=plan, data=upload.read(), filename=upload.name)
        if report.ok:
            messages.success(request, f"Risks imported from {upload.name}: {report.summary()}.")
            return redirect("risk_list", pk=plan.pk)
    status = INVALID if form.errors or report else 200
    return render(
        request,
        "programme/risks/risk_import.html",
        {"plan": plan, "form": form, "report": report},
        status=status,
    )
