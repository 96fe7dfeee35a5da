"""The baseline page, the change requests list, a request's page and the forms that raise
and decide them. Every view starts with one access helper; the services decide the rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from improvement.forms import INVALID, add_errors

from . import access, baseline
from .baseline_forms import BaselineForm, ChangeRequestForm, DecisionForm
from .models import BaselineDate, ChangeRequest


def _status(form: Form) -> int:
    return INVALID if form.is_bound and form.errors else 200


@login_required
def baseline_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The baseline in force, each action's baseline end date beside its forecast, and every
    baseline taken. The PMO approves the plan (the first baseline) or re-baselines here."""
    plan = access.get_plan_for_reading(request, pk)
    return _baseline_page(request, plan, BaselineForm())


def _baseline_page(request: HttpRequest, plan, form: BaselineForm) -> HttpResponse:
    baselines = list(plan.baselines.select_related("taken_by").order_by("-number"))
    current = baselines[0] if baselines else None
    rows = baseline.baseline_rows(plan, current)
    # Only what differs from the baseline: a plan of 2,000 actions is mostly as agreed.
    differ = [r for r in rows if r["moved"] or r["scope_changed"] or not r["in_baseline"]]
    return render(
        request,
        "actions/baseline/baseline.html",
        {
            "plan": plan,
            "current": current,
            "baselines": baselines,
            "rows": differ,
            "as_agreed": len(rows) - len(differ),
            "moved": sum(1 for r in rows if r["moved"]),
            "outside": sum(1 for r in rows if not r["in_baseline"]),
            "waiting": ChangeRequest.objects.filter(
                action__plan=plan, state=ChangeRequest.State.PENDING
            ).count(),
            "form": form,
            "can_take": access.is_pmo(request.user) and not plan.is_closed,
        },
        status=_status(form),
    )


@login_required
@require_POST
def baseline_take(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = BaselineForm(request.POST)
    if form.is_valid():
        try:
            taken = baseline.baseline_take(
                plan=plan, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                "Plan approved and baselined: the trajectory is measured against these end dates."
                if taken.number == 1
                else f"Plan re-baselined ({taken.label}); the earlier baselines stay on record.",
            )
            return redirect("plan_baseline", plan.pk)
    return _baseline_page(request, plan, form)


@login_required
def change_request_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change request of the plan, those waiting for a decision first."""
    plan = access.get_plan_for_change_requests(request, pk)
    changes = list(baseline.change_requests_for_plan(plan))
    return render(
        request,
        "actions/baseline/change_requests.html",
        {
            "plan": plan,
            "waiting": [c for c in changes if c.is_pending],
            "decided": [c for c in changes if not c.is_pending],
            "can_decide": access.can_decide_changes(request.user),
        },
    )


@login_required
def change_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The action's lead (or the PMO) asks to move its end date or change its scope."""
    action = access.get_action_for_change_request(request, pk)
    held = BaselineDate.objects.in_force(action.plan_id).filter(action=action).first()
    form = ChangeRequestForm(
        request.POST or None, initial={"proposed_requirement": action.requirement}
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = baseline.change_request_raise(
                action=action,
                by=request.user,
                reason=form.cleaned_data["reason"],
                proposed_end_date=form.cleaned_data["proposed_end_date"],
                proposed_requirement=form.cleaned_data["proposed_requirement"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                "Change requested: the PMO or the executive improvement board will decide it. "
                "Until then the action keeps its end date and scope.",
            )
            return redirect(created[0])
    return render(
        request,
        "actions/baseline/change_request_form.html",
        {"action": action, "held": held, "form": form},
        status=_status(form),
    )


@login_required
def change_request_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One request; approve or refuse it, if it waits and you may decide it."""
    change = access.get_change_request_for_view(request, pk)
    may_decide = (
        change.is_pending
        and change.requested_by_id != request.user.pk
        and access.can_decide_changes(request.user)
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not access.can_decide_changes(request.user):
            raise PermissionDenied(
                "Only the PMO or the executive improvement board decide changes."
            )
        if form.is_valid():
            decide = (
                baseline.change_request_approve
                if form.cleaned_data["decision"] == "approve"
                else baseline.change_request_refuse
            )
            try:
                decided = decide(request=change, by=request.user, note=form.cleaned_data["note"])
            except baseline.AlreadyDecided as error:
                messages.error(request, error.messages[0])
                return redirect(change)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Change {decided.get_state_display().lower()}: "
                    + (
                        f"{decided.action.ref} now reads as proposed."
                        if decided.state == ChangeRequest.State.APPROVED
                        else f"{decided.action.ref} keeps its end date and scope."
                    ),
                )
                return redirect(change)
    return render(
        request,
        "actions/baseline/change_request.html",
        {
            "change": change,
            "action": change.action,
            "form": form,
            "may_decide": may_decide,
            "own_request": change.requested_by_id == request.user.pk,
            "may_withdraw": change.is_pending
            and (change.requested_by_id == request.user.pk or access.is_pmo(request.user)),
        },
        status=_status(form),
    )


@login_required
@require_POST
def change_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = access.get_change_request_for_view(request, pk)
    try:
        baseline.change_request_withdraw(request=change, by=request.user)
    except baseline.AlreadyDecided as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Change request withdrawn.")
    return redirect(change)
