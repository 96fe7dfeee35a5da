"""Programme pages: workstreams, their narratives and actions, root causes.

Each view starts with one access helper (programme.access), then a form and a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from actions import access as plan_access
from actions.access import is_pmo
from actions.models import Action
from improvement.forms import INVALID, add_errors

from . import access, selectors, services
from .forms import (
    ActionFilterForm,
    NarrativeForm,
    ProgrammeSettingsForm,
    RootCauseForm,
    WorkstreamForm,
    parse_month,
)
from .models import ProgrammeSettings

ACTIONS_SHOWN = 300


# The programme overview ----------------------------------------------------------------


@login_required
def programme_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's workstreams with their RAGB counts, trajectory and next update due."""
    plan, reads_all = access.get_plan_for_programme(request, pk)
    now = timezone.now()
    rows = selectors.workstream_rows(plan, now=now, only_for=None if reads_all else request.user)
    unassigned = (
        Action.objects.filter(plan=plan, workstream_link__isnull=True).count() if reads_all else 0
    )
    return render(
        request,
        "programme/overview.html",
        {
            "plan": plan,
            "term": selectors.settings_of(plan),
            "rows": rows,
            "reads_all": reads_all,
            "unassigned": unassigned,
            "can_manage": is_pmo(request.user) and not plan.is_closed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_settings(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    instance = ProgrammeSettings.objects.filter(plan=plan).first() or ProgrammeSettings(plan=plan)
    form = ProgrammeSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_settings_save(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Saved what the plan calls its workstreams.")
            return redirect("programme", pk=plan.pk)
    return render(
        request,
        "programme/settings.html",
        {"plan": plan, "form": form},
        status=INVALID if form.errors else 200,
    )


# Workstreams ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def workstream_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    form = WorkstreamForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            workstream = services.workstream_create(plan=plan, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{workstream.name}” added.")
            return redirect("workstream", pk=workstream.pk)
    return render(
        request,
        "programme/workstream_form.html",
        {"plan": plan, "form": form, "workstream": None, "term": selectors.settings_of(plan)},
        status=INVALID if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workstream_edit(request: HttpRequest, pk: int) -> HttpResponse:
    workstream = access.get_workstream_for_pmo(request, pk)
    plan = workstream.plan
    form = WorkstreamForm(request.POST or None, instance=workstream, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.workstream_update(workstream=workstream, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{workstream.name}” saved.")
            return redirect("workstream", pk=workstream.pk)
    return render(
        request,
        "programme/workstream_form.html",
        {
            "plan": plan,
            "form": form,
            "workstream": workstream,
            "term": selectors.settings_of(plan),
        },
        status=INVALID if form.errors else 200,
    )


@login_required
@require_POST
def workstream_move(request: HttpRequest, pk: int) -> HttpResponse:
    workstream = access.get_workstream_for_pmo(request, pk)
    services.workstream_move(workstream=workstream, up=request.POST.get("direction") == "up")
    return redirect("programme", pk=workstream.plan_id)


@login_required
def workstream_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One workstream: actions by RAGB, trajectory, narratives, KPIs and root causes."""
    workstream = access.get_workstream_for_reading(request, pk)
    now = timezone.now()
    page = selectors.workstream_page(workstream, now=now)
    today = selectors.local_today(workstream.plan, now)
    this_month = today.replace(day=1)
    return render(
        request,
        "programme/workstream_detail.html",
        {
            "plan": workstream.plan,
            "workstream": workstream,
            "term": selectors.settings_of(workstream.plan),
            "page": page,
            "this_month": this_month,
            "has_this_month": any(n.month == this_month for n in page.narratives),
            "can_write": access.can_write_narrative(request.user, workstream)
            and not workstream.plan.is_closed,
            "can_manage": is_pmo(request.user) and not workstream.plan.is_closed,
            "reads_plan": plan_access.can_read_plan(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workstream_narrative(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the month's narrative: progress, key risks and concerns, mitigation, next steps."""
    workstream = access.get_workstream_for_narrative(request, pk)
    plan = workstream.plan
    now = timezone.now()
    this_month = selectors.local_today(plan, now).replace(day=1)
    month = parse_month(request.POST.get("month") or request.GET.get("month"), this_month)
    existing = workstream.narratives.filter(month=month).first()
    form = NarrativeForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            services.narrative_save(
                workstream=workstream, month=month, by=request.user, now=now, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Narrative for {month:%B %Y} saved.")
            return redirect("workstream", pk=workstream.pk)
    return render(
        request,
        "programme/narrative_form.html",
        {
            "plan": plan,
            "workstream": workstream,
            "form": form,
            "month": month,
            "existing": existing,
        },
        status=INVALID if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workstream_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO chooses actions (by filter and checkboxes) to put in or take out."""
    workstream = access.get_workstream_for_pmo(request, pk)
    plan = workstream.plan
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("action") if i.isdigit()]
        chosen = list(Action.objects.filter(plan=plan, pk__in=ids))
        if not chosen:
            messages.error(request, "Tick at least one action.")
        else:
            try:
                if request.POST.get("do") == "remove":
                    n = services.workstream_actions_release(workstream=workstream, actions=chosen)
                    messages.success(request, f"{n} action{'s' if n != 1 else ''} taken out.")
                else:
                    n = services.workstream_actions_assign(workstream=workstream, actions=chosen)
                    messages.success(
                        request, f"{n} action{'s' if n != 1 else ''} put in “{workstream.name}”."
                    )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect(request.get_full_path())
    form = ActionFilterForm(request.GET or None)
    actions = (
        Action.objects.filter(plan=plan)
        .select_related("workstream_link__workstream")
        .order_by("ref", "id")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            actions = actions.filter(Q(ref__iexact=data["q"]) | Q(requirement__icontains=data["q"]))
        if data["department"]:
            actions = actions.filter(department__icontains=data["department"])
        if data["theme"]:
            actions = actions.filter(theme__icontains=data["theme"])
        if data["unassigned"]:
            actions = actions.filter(workstream_link__isnull=True)
    total = actions.count()
    return render(
        request,
        "programme/workstream_actions.html",
        {
            "plan": plan,
            "workstream": workstream,
            "form": form,
            "actions": list(actions[:ACTIONS_SHOWN]),
            "total": total,
            "shown": min(total, ACTIONS_SHOWN),
            "term": selectors.settings_of(plan),
        },
    )


# Root causes ---------------------------------------------------------------------------


@login_required
def root_cause_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's root causes with counts by state and finding kind, and trajectory."""
    plan, reads_all = access.get_plan_for_root_causes(request, pk)
    overview = selectors.root_cause_overview(
        plan, now=timezone.now(), owner=None if reads_all else request.user
    )
    can_manage = is_pmo(request.user) and not plan.is_closed
    return render(
        request,
        "programme/root_cause_list.html",
        {
            "plan": plan,
            "o": overview,
            "reads_all": reads_all,
            "can_manage": can_manage,
            "findings": list(selectors.findings_of_plan(plan)) if can_manage else [],
            "term": selectors.settings_of(plan),
        },
    )


@login_required
def root_cause_detail(request: HttpRequest, pk: int) -> HttpResponse:
    root_cause = access.get_root_cause_for_reading(request, pk)
    today = selectors.local_today(root_cause.plan)
    row = selectors.root_cause_rows(type(root_cause).objects.filter(pk=root_cause.pk), today)[0]
    kpi = None
    if root_cause.kpi_id:
        kpi = selectors.kpi_panels(
            type(root_cause.kpi)
            .objects.filter(pk=root_cause.kpi_id)
            .select_related("owner")
            .prefetch_related(selectors.values_prefetch())
        )[0]
    return render(
        request,
        "programme/root_cause_detail.html",
        {
            "plan": root_cause.plan,
            "rc": root_cause,
            "row": row,
            "kpi": kpi,
            "reads_plan": plan_access.can_read_plan(request.user),
            "can_manage": is_pmo(request.user) and not root_cause.plan.is_closed,
            "term": selectors.settings_of(root_cause.plan),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def root_cause_create(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Unpack a finding into a root cause (seed 004)."""
    plan, finding = access.get_finding_in_plan_for_pmo(request, pk, finding_pk)
    term = selectors.settings_of(plan)
    form = RootCauseForm(
        request.POST or None,
        plan=plan,
        workstream_term=term.workstream_term,
        initial={"actions": list(finding.actions.filter(plan=plan).values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            root_cause = services.root_cause_create(plan=plan, finding=finding, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Root cause {root_cause.ref} added to {finding.ref}.")
            return redirect(reverse("root_cause_create", args=[plan.pk, finding.pk]) + "#existing")
    return render(
        request,
        "programme/root_cause_form.html",
        {
            "plan": plan,
            "finding": finding,
            "form": form,
            "rc": None,
            "existing": list(
                finding.root_causes.filter(plan=plan).select_related("owner", "workstream")
            ),
        },
        status=INVALID if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def root_cause_edit(request: HttpRequest, pk: int) -> HttpResponse:
    root_cause = access.get_root_cause_for_pmo(request, pk)
    plan = root_cause.plan
    term = selectors.settings_of(plan)
    form = RootCauseForm(
        request.POST or None, instance=root_cause, plan=plan, workstream_term=term.workstream_term
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.root_cause_update(root_cause=root_cause, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Root cause {root_cause.ref} saved.")
            return redirect("root_cause", pk=root_cause.pk)
    return render(
        request,
        "programme/root_cause_form.html",
        {"plan": plan, "finding": root_cause.finding, "form": form, "rc": root_cause},
        status=INVALID if form.errors else 200,
    )


@login_required
@require_POST
def root_cause_delete(request: HttpRequest, pk: int) -> HttpResponse:
    root_cause = access.get_root_cause_for_pmo(request, pk)
    services.root_cause_delete(root_cause=root_cause)
    messages.success(request, f"Root cause {root_cause.ref} removed.")
    return redirect("root_causes", pk=root_cause.plan_id)


@login_required
@require_POST
def workstream_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Its actions stay in the plan, in no workstream; its narratives go with it."""
    workstream = access.get_workstream_for_pmo(request, pk)
    services.workstream_delete(workstream=workstream)
    messages.success(request, f"“{workstream.name}” removed; its actions stay in the plan.")
    return redirect("programme", pk=workstream.plan_id)
