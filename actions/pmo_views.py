"""The PMO's pages: inspections, findings, plans, actions and reassigning action leads.

Every view starts with one access helper; only the PMO gets past it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from improvement.forms import INVALID, add_errors

from . import access, services
from .models import BaselineDate, Finding, Inspection, Status
from .pmo_forms import ActionForm, FindingForm, InspectionForm, PlanForm, ReassignForm

CONFLICT = 409  # someone else saved first
OPEN_STATUSES = [s for s in Status if s != Status.BLUE]


def _get_inspection_for_pmo(request: HttpRequest, pk: int) -> Inspection:
    access.require_pmo(request)
    return get_object_or_404(Inspection, pk=pk)


def _get_finding_for_pmo(request: HttpRequest, pk: int) -> Finding:
    access.require_pmo(request)
    return get_object_or_404(Finding.objects.select_related("inspection"), pk=pk)


def _form_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    status = INVALID if context["form"].is_bound and context["form"].errors else 200
    return render(request, template, context, status=status)


# Inspections and findings --------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    access.require_pmo(request)
    inspections = Inspection.objects.annotate(finding_count=Count("findings"))
    return render(request, "actions/pmo/inspection_list.html", {"inspections": inspections})


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    access.require_pmo(request)
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        inspection = form.save()
        messages.success(request, f"Inspection added: {inspection}. Now add its findings.")
        return redirect("finding_list", inspection.pk)
    return _form_page(request, "actions/pmo/inspection_form.html", {"form": form})


@login_required
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get_inspection_for_pmo(request, pk)
    form = InspectionForm(request.POST or None, instance=inspection)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Inspection saved: {inspection}.")
        return redirect("inspection_list")
    return _form_page(
        request, "actions/pmo/inspection_form.html", {"form": form, "inspection": inspection}
    )


@login_required
def finding_list(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get_inspection_for_pmo(request, pk)
    findings = inspection.findings.annotate(action_count=Count("actions"))
    return render(
        request,
        "actions/pmo/finding_list.html",
        {"inspection": inspection, "findings": findings},
    )


@login_required
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get_inspection_for_pmo(request, pk)
    form = FindingForm(request.POST or None, instance=Finding(inspection=inspection))
    if request.method == "POST" and form.is_valid():
        finding = form.save()
        messages.success(request, f"Finding {finding.ref} added.")
        if "add_another" in request.POST:
            return redirect("finding_create", inspection.pk)
        return redirect("finding_list", inspection.pk)
    return _form_page(
        request, "actions/pmo/finding_form.html", {"form": form, "inspection": inspection}
    )


@login_required
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_pmo(request, pk)
    form = FindingForm(request.POST or None, instance=finding)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Finding {finding.ref} saved.")
        return redirect("finding_list", finding.inspection_id)
    return _form_page(
        request,
        "actions/pmo/finding_form.html",
        {"form": form, "inspection": finding.inspection, "finding": finding},
    )


# Plans ---------------------------------------------------------------------------------


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    access.require_pmo(request)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = services.plan_save(plan=form.save(commit=False))
        messages.success(request, f"Plan created: {plan}. Add its actions next.")
        return redirect(plan)
    return _form_page(request, "actions/pmo/plan_form.html", {"form": form})


@login_required
def plan_settings(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_save(plan=form.save(commit=False))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"Plan settings saved. Updates are due {plan.deadline_label}."
            )
            return redirect(plan)
    return _form_page(request, "actions/pmo/plan_form.html", {"form": form, "plan": plan})


# Actions -------------------------------------------------------------------------------


@login_required
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = ActionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(plan=plan, by=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Action {action.ref} added to the plan.")
            return redirect(action)
    return _form_page(request, "actions/pmo/action_form.html", {"form": form, "plan": plan})


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an action; refused, with what changed, if someone saved since the form opened."""
    action = access.get_action_for_pmo(request, pk)
    form = ActionForm(request.POST or None, plan=action.plan, action=action)
    in_baseline = BaselineDate.objects.in_force(action.plan_id).filter(action=action).exists()
    context = {"form": form, "plan": action.plan, "action": action, "in_baseline": in_baseline}
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.action_edit(
                action=action,
                by=request.user,
                base_version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
        except services.EditConflict as conflict:
            context.update(conflict=conflict, form=_resubmittable(request, conflict))
            return render(request, "actions/pmo/action_form.html", context, status=CONFLICT)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if saved.version == form.cleaned_data["version"]:
                messages.info(request, f"Nothing changed on {saved.ref}.")
            else:
                messages.success(request, f"Action {saved.ref} saved.")
            return redirect(saved)
    return _form_page(request, "actions/pmo/action_form.html", context)


def _resubmittable(request: HttpRequest, conflict: services.EditConflict) -> ActionForm:
    """The PMO's own input, now based on the saved version: saving again is deliberate."""
    current = conflict.current
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = ActionForm(data, plan=current.plan, action=current)
    form.is_valid()
    return form


# Action leads --------------------------------------------------------------------------


@login_required
def plan_reassign_leads(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one lead's open actions (all, or the ticked ones) to another lead."""
    plan = access.get_plan_for_pmo(request, pk)
    # One join, filtered then counted: each lead's open actions in this plan.
    leads = list(
        get_user_model()
        .objects.filter(led_actions__plan=plan, led_actions__status__in=OPEN_STATUSES)
        .annotate(open_count=Count("led_actions"))
        .order_by("first_name", "last_name", "username")
    )
    initial = {"from_lead": request.GET.get("from_lead", "")}
    form = ReassignForm(request.POST or None, plan=plan, leads=leads, initial=initial)
    if request.method == "POST" and form.is_valid():
        to_lead = form.cleaned_data["to_lead"]
        count = services.actions_assign_lead(
            actions=form.cleaned_data["to_move"], lead=to_lead, by=request.user
        )
        messages.success(
            request,
            f"{count} action{'' if count == 1 else 's'} reassigned to "
            f"{to_lead.get_full_name() or to_lead.get_username()}.",
        )
        return redirect("plan_reassign_leads", plan.pk)
    unassigned = plan.actions.open().filter(action_lead__isnull=True).count()
    return _form_page(
        request,
        "actions/pmo/reassign.html",
        {"form": form, "plan": plan, "leads": leads, "unassigned": unassigned},
    )
