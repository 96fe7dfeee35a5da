"""The PMO's forms for inspections, findings, plans, actions and reassigning leads.

Forms only validate; the views hand the cleaned data to a service (actions) or save the
validated model (inspections, findings, plans: no service writes those yet).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms.widgets import ChoiceWidget

from .models import (
    UPDATE_STATUSES,
    Action,
    ExecRole,
    Finding,
    FindingKind,
    Inspection,
    KeyQuestion,
    Plan,
    Status,
)

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
SCHEDULE_FIELDS = (
    "cadence",
    "deadline_weekday",
    "deadline_time",
    "month_week",
    "time_zone",
    "cycle_starts_on",
)


def uk_date_field(
    label: str, *, required: bool = False, help_text: str = "", required_message: str = ""
) -> forms.DateField:
    """A date typed as DD/MM/YYYY (YYYY-MM-DD also accepted), with an error that says so."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        help_text=help_text or "For example, 16/04/2019.",
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"class": "nhsuk-input--width-10", "autocomplete": "off"}
        ),
        error_messages={
            "invalid": f"{label} must be a real date, written as DD/MM/YYYY, "
            "for example 16/04/2019.",
            "required": required_message or f"Enter the {label.lower()}.",
        },
    )


def user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def active_users(*, also: int | None = None):
    """Users who can be given actions, plus ``also`` (a current lead who may have left)."""
    return (
        get_user_model()
        .objects.filter(Q(is_active=True) | Q(pk=also))
        .order_by("first_name", "last_name", "username")
    )


class PMOFormMixin:
    """Renders through the NHS.UK crispy pack inside the page's own <form>.

    The page shows one error summary for every field (``_error_summary.html``), so the
    pack's non-field summary is off.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.form_show_errors = False
        for field in self.fields.values():
            if (
                field.error_messages.get("required")
                == forms.Field.default_error_messages["required"]
            ):
                field.error_messages["required"] = _required_message(field)


def _required_message(field: forms.Field) -> str:
    """'Enter the plan name.' / 'Choose the deadline day.' rather than 'This field is required.'"""
    label = str(field.label)
    if len(label) > 1 and label[1].islower():
        label = label[0].lower() + label[1:]
    choosing = isinstance(field.widget, (ChoiceWidget, forms.CheckboxInput))
    return f"{'Choose' if choosing else 'Enter'} the {label}."


class InspectionForm(PMOFormMixin, forms.ModelForm):
    visit_start = uk_date_field("Visit start date")
    visit_end = uk_date_field("Visit end date")
    published_on = uk_date_field("Report published date")

    class Meta:
        model = Inspection
        fields = ["provider", "kind", "visit_start", "visit_end", "published_on", "summary"]
        labels = {"provider": "Provider", "kind": "Kind of inspection", "summary": "Summary"}
        help_texts = {
            "provider": "The trust or location inspected, as the CQC report names it.",
            "summary": "Optional: the overall rating and anything the plan should remember.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("visit_start"), cleaned.get("visit_end")
        if start and end and end < start:
            self.add_error("visit_end", "The visit end date must not be before the start date.")
        return cleaned


class FindingForm(PMOFormMixin, forms.ModelForm):
    """A finding on one inspection; the view sets ``instance.inspection`` before validating."""

    class Meta:
        model = Finding
        fields = ["ref", "kind", "core_service", "key_question", "regulation", "text"]
        labels = {
            "ref": "Reference",
            "kind": "Kind of finding",
            "core_service": "Core service",
            "key_question": "CQC key question",
            "regulation": "Regulation cited",
            "text": "What the report says",
        }
        error_messages = {"text": {"required": "Enter what the report says."}}
        help_texts = {
            "ref": "As the report or plan numbers it, for example M1, S4 or RN2.",
            "core_service": "For example Trust wide, Medicine, Maternity, Urgent and emergency "
            "care.",
            "regulation": "If any, for example Regulation 17 HSCA (RA) Regulations 2014 – Good "
            "governance.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "key_question": forms.RadioSelect,
            "text": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radios show every choice: no "---------" for the kind; a named blank for the question.
        self.fields["kind"].choices = FindingKind.choices
        self.fields["key_question"].choices = [("", "None recorded"), *KeyQuestion.choices]

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"].strip()
        taken = Finding.objects.filter(inspection=self.instance.inspection, ref=ref)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                f"This inspection already has a finding {ref}. Use a different reference."
            )
        return ref


class PlanForm(PMOFormMixin, forms.ModelForm):
    cycle_starts_on = uk_date_field(
        "Cycle starts on",
        required=True,
        help_text="The first period ends at the first deadline on or after this day; "
        "fortnightly periods count from it. For example, 05/01/2026.",
        required_message="Enter the day the cycle starts, for example 05/01/2026.",
    )

    class Meta:
        model = Plan
        fields = ["name", "trust", "inspection", *SCHEDULE_FIELDS]
        labels = {
            "name": "Plan name",
            "trust": "Trust",
            "inspection": "Inspection it answers",
            "cadence": "How often leads update",
            "deadline_weekday": "Deadline day",
            "deadline_time": "Deadline time",
            "month_week": "Week of the month (monthly plans only)",
            "time_zone": "Time zone",
        }
        help_texts = {
            "name": "For example, CQC improvement plan 2026/27.",
            "deadline_weekday": "Leads update every open action before the deadline, and the "
            "plan locks at it. Wednesday 12:00 UK time by default, as in the SOP.",
            "deadline_time": "24-hour clock, for example 12:00.",
            "time_zone": "Europe/London is UK time: the deadline follows the clock change.",
        }
        error_messages = {
            "cadence": {"required": "Choose how often leads update."},
            "month_week": {"required": "Choose which week of the month the deadline falls in."},
        }
        widgets = {
            "cadence": forms.RadioSelect,
            "deadline_time": forms.TimeInput(
                format="%H:%M", attrs={"class": "nhsuk-input--width-5"}
            ),
            "time_zone": forms.TextInput(attrs={"class": "nhsuk-input--width-20"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].empty_label = "None yet"
        self.fields["deadline_time"].input_formats = ["%H:%M", "%H.%M"]
        self.fields["deadline_time"].error_messages["invalid"] = (
            "Enter the deadline time on the 24-hour clock, for example 12:00."
        )

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                f"“{name}” is not a time zone we know. For UK time, enter Europe/London."
            ) from None
        return name


class ActionForm(PMOFormMixin, forms.Form):
    """Create or edit one action of ``plan``; ``action`` is given when editing."""

    ref = forms.CharField(
        label="Reference",
        max_length=20,
        help_text="As the plan writes it, for example T3, M1 or S4.",
        error_messages={"required": "Enter the action's reference, for example T3."},
    )
    theme = forms.CharField(
        label="Theme", max_length=100, required=False, help_text="For example Training, Risk."
    )
    department = forms.CharField(label="Department", max_length=100, required=False)
    kind = forms.ChoiceField(
        label="Finding kind",
        choices=FindingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of finding the action answers."},
    )
    requirement = forms.CharField(
        label="Requirement and actions",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the requirement and the actions that answer it."},
    )
    findings = forms.ModelMultipleChoiceField(
        label="Findings it answers",
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    action_lead = forms.ModelChoiceField(
        label="Action lead", queryset=None, required=False, empty_label="Not assigned"
    )
    exec_roles = forms.ModelMultipleChoiceField(
        label="Exec leads",
        queryset=ExecRole.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick one or two, for example DOps and MD.",
    )
    start_date = uk_date_field("Start date")
    end_date = uk_date_field("End date")
    status = forms.ChoiceField(
        label="RAGB status",
        widget=forms.RadioSelect(attrs={"inline": True}),
        help_text="Blue comes only from a signed-off closure.",
        error_messages={"required": "Choose a RAGB status: Red, Amber, Green or White."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, plan: Plan, action: Action | None = None, **kwargs):
        if action is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(action)
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.action = action
        statuses = list(UPDATE_STATUSES)
        if action is not None and action.status == Status.BLUE:
            # Leaving Blue is a re-open, with a reason, from the action's page.
            statuses = [Status.BLUE]
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]
        self.fields["status"].initial = Status.WHITE
        self.fields["action_lead"].queryset = active_users(
            also=action.action_lead_id if action else None
        )
        self.fields["action_lead"].label_from_instance = user_label
        self.fields["exec_roles"].label_from_instance = lambda r: (
            f"{r.code} ({r.title})" if r.title else r.code
        )
        # The plan's inspection's findings, and any the action already answers (from an
        # earlier inspection): leaving those out would unlink them on save.
        offered = Q(inspection_id=plan.inspection_id) if plan.inspection_id else Q(pk__in=[])
        if action is not None:
            offered |= Q(pk__in=action.findings.values("pk"))
        findings = Finding.objects.filter(offered)
        if findings.exists():
            self.fields["findings"].queryset = findings
            self.fields["findings"].label_from_instance = lambda f: (
                f"{f.ref} ({f.get_kind_display()}): {f.text[:90]}"
            )
        else:
            del self.fields["findings"]  # nothing to choose until the inspection has findings
        if action is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"].strip()
        taken = Action.objects.filter(plan=self.plan, ref=ref)
        if self.action is not None:
            taken = taken.exclude(pk=self.action.pk)
        if taken.exists():
            raise forms.ValidationError(
                f"This plan already has an action {ref}. Use a different reference."
            )
        return ref

    def service_kwargs(self) -> dict:
        """The cleaned data as ``action_create`` / ``action_edit`` take it."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["exec_roles"] = list(data["exec_roles"])
        if "findings" in data:  # absent: the plan has no inspection; leave findings alone
            data["findings"] = list(data["findings"])
        return data


def initial_for(action: Action) -> dict:
    return {
        "ref": action.ref,
        "theme": action.theme,
        "department": action.department,
        "kind": action.kind,
        "requirement": action.requirement,
        "findings": list(action.findings.all()),
        "action_lead": action.action_lead_id,
        "exec_roles": list(action.exec_roles.all()),
        "start_date": action.start_date,
        "end_date": action.end_date,
        "status": action.status,
        "version": action.version,
    }


NOT_ASSIGNED = "none"


class ReassignForm(PMOFormMixin, forms.Form):
    """Move a lead's open actions (all, or the ticked ones) to another lead."""

    from_lead = forms.ChoiceField(
        label="Current action lead",
        help_text="Choose “Not assigned” to give a lead to actions that have none.",
    )
    to_lead = forms.ModelChoiceField(
        label="New action lead", queryset=None, empty_label="Choose the new lead"
    )
    actions = forms.ModelMultipleChoiceField(
        label="Actions to reassign",
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Tick only open actions that the current lead leads in this plan."
        },
        help_text="Leave all unticked to reassign every open action of the current lead; "
        "tick some to reassign only those.",
    )

    def __init__(self, *args, plan: Plan, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["from_lead"].choices = [
            ("", "Choose the current lead"),
            (NOT_ASSIGNED, "Not assigned"),
            *[(str(u.pk), user_label(u)) for u in leads],
        ]
        self.fields["to_lead"].queryset = active_users()
        self.fields["to_lead"].label_from_instance = user_label
        chosen = self.data.get(self.add_prefix("from_lead")) or self.initial.get("from_lead")
        if not chosen:
            # Ticking comes after choosing whose actions: a whole plan is too long a list.
            del self.fields["actions"]
            return
        self.fields["actions"].queryset = _led_by(
            plan.actions.open().select_related("action_lead").order_by("id"), str(chosen)
        )
        self.fields["actions"].label_from_instance = lambda a: (
            f"{a.ref}: {a.theme or a.get_kind_display()} "
            f"(led by {user_label(a.action_lead) if a.action_lead else 'no one yet'})"
        )

    def clean(self):
        cleaned = super().clean()
        chosen, to_lead = cleaned.get("from_lead"), cleaned.get("to_lead")
        if not chosen or to_lead is None:
            return cleaned
        if chosen == str(to_lead.pk):
            self.add_error("to_lead", "Choose a different lead from the current one.")
            return cleaned
        mine = _led_by(self.plan.actions.open(), chosen)
        ticked = cleaned.get("actions")
        cleaned["to_move"] = list(ticked) if ticked else list(mine)
        if not cleaned["to_move"]:
            self.add_error("from_lead", "That lead has no open actions in this plan.")
        return cleaned


def _led_by(actions, chosen: str):
    if chosen == NOT_ASSIGNED:
        return actions.filter(action_lead__isnull=True)
    if not chosen.isdigit():
        return actions.none()
    return actions.filter(action_lead_id=int(chosen))
