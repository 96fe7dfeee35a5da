"""The PMO starts a new plan year: choose the name and themes, confirm the counts, see them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from improvement.forms import INVALID, add_errors

from .. import access
from ..models import CarryOver, Inspection, Plan
from ..pmo_forms import uk_date_field
from . import plan_year


class NewPlanYearForm(forms.Form):
    """Only validates; ``plan_year.plan_carry_over`` does the work."""

    name = forms.CharField(
        label="Name of the new plan year",
        max_length=200,
        help_text="For example, 2021/22 IQIP.",
        error_messages={"required": "Give the new plan year a name, for example 2021/22 IQIP."},
    )
    cycle_starts_on = uk_date_field(
        "Updates start on",
        required=True,
        help_text="The new plan's first period ends at the first deadline on or after this "
        "day. For example, 05/01/2026.",
        required_message="Enter the day updates start on the new plan, for example 05/01/2026.",
    )
    inspection = forms.ModelChoiceField(
        queryset=Inspection.objects.all(),
        required=False,
        label="Inspection the new plan answers",
        help_text="Choose the new report if the plan year starts from one.",
    )

    def __init__(self, *args, plan: Plan, themes: list[plan_year.ThemeRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = themes
        self.fields["inspection"].empty_label = (
            f"The same as now ({plan.inspection})" if plan.inspection else "None"
        )
        self.fields["cycle_starts_on"].initial = timezone.localdate()
        for row in themes:
            self.fields[row.key] = forms.CharField(
                label=f"New theme for “{row.theme}”" if row.theme else "Theme for those with none",
                required=False,
                max_length=100,
                initial=row.theme,
                help_text=f"{row.count} open action{'' if row.count == 1 else 's'}. "
                "Leave it as it is to keep the theme.",
                error_messages={"max_length": "Keep the theme to 100 characters or fewer."},
            )

    def plan_fields(self) -> list[forms.BoundField]:
        return [self["name"], self["cycle_starts_on"], self["inspection"]]

    def theme_fields(self) -> list[forms.BoundField]:
        return [self[row.key] for row in self.themes]

    def theme_map(self) -> dict[str, str]:
        return {row.theme: self.cleaned_data.get(row.key) or "" for row in self.themes}

    def renamed(self) -> list[tuple[str, str, int]]:
        """(old, new, actions) for each theme the PMO changed, for the confirmation page."""
        return [
            (row.theme, new.strip(), row.count)
            for row in self.themes
            if (new := self.cleaned_data.get(row.key) or "").strip() and new.strip() != row.theme
        ]


@login_required
def plan_year_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Form, then a confirmation page with the counts, then the carry-over itself."""
    plan = access.get_plan_for_pmo(request, pk)
    if plan.is_closed:
        messages.info(request, f"{plan.name} is closed; its open actions were carried over.")
        record = CarryOver.objects.filter(from_plan=plan).first()
        return redirect("plan_year_result", record.pk) if record else redirect(plan)
    preview = plan_year.carry_over_preview(plan=plan)
    form = NewPlanYearForm(request.POST or None, plan=plan, themes=preview.themes)
    context = {"plan": plan, "preview": preview, "form": form}
    if request.method == "POST" and form.is_valid():
        if "confirm" not in request.POST:
            return render(request, "actions/carryover/confirm.html", context)
        try:
            record = plan_year.plan_carry_over(
                plan=plan,
                name=form.cleaned_data["name"],
                by=request.user,
                cycle_starts_on=form.cleaned_data["cycle_starts_on"],
                themes=form.theme_map(),
                inspection=form.cleaned_data["inspection"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"{record.to_plan.name} started: {record.counts['carried']['actions']} open "
                f"actions carried over; {plan.name} is now closed.",
            )
            return redirect("plan_year_result", record.pk)
    status = INVALID if form.is_bound and form.errors else 200
    return render(request, "actions/carryover/start.html", context, status=status)


@login_required
def plan_year_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The counts of a carry-over, before and after, for anyone who reads the plan."""
    if not access.can_read_plan(request.user):
        raise PermissionDenied("The plan is for the PMO, exec leads, reviewers and the board.")
    record = get_object_or_404(
        CarryOver.objects.select_related("from_plan", "to_plan", "by"), pk=pk
    )
    counts = record.counts
    rows = [
        (
            plan_year.TALLY_LABELS[k],
            counts["before"][k],
            counts["carried"][k],
            counts["kept"][k],
        )
        for k in plan_year.TALLIES
    ]
    return render(
        request,
        "actions/carryover/result.html",
        {"record": record, "rows": rows, "themes": sorted(record.themes.items())},
    )
