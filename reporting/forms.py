"""Forms only validate input; the services decide and write."""

from __future__ import annotations

from django import forms

from actions.models import Plan
from actions.pmo_forms import PMOFormMixin

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


def _time_field(label: str, help_text: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=TIME_FORMATS,
        help_text=help_text,
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "nhsuk-input--width-5"}),
        error_messages={
            "invalid": f"{label} must be a time on the 24-hour clock, for example 09:00.",
            "required": f"Enter the {label.lower()}.",
        },
    )


class CommentaryForm(PMOFormMixin, forms.Form):
    commentary = forms.CharField(
        label="Commentary for the report",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown under the summary: what the oversight group should know this week.",
    )


class CommentForm(PMOFormMixin, forms.Form):
    text = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='For example "Escalated to IPAG" or "Recovery plan due 2 December". '
        "Leave it empty to remove the comment.",
    )

    def __init__(self, *args, ref: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if ref:
            self.fields["text"].label = f"Comment on {ref}"


class CorrectionForm(PMOFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for the correction",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the corrected version and in its email. The issued version stays "
        "readable as it was.",
        error_messages={"required": "Give the reason for the correction."},
    )


class DistributionEntryForm(PMOFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(
        label="Email address",
        error_messages={"invalid": "Enter an email address like name@trust.nhs.uk."},
    )
    role = forms.CharField(
        label="Role",
        required=False,
        max_length=200,
        help_text="Optional: for example Executive lead (DoN), Management lead, Operational lead.",
    )


class ReportSettingsForm(PMOFormMixin, forms.Form):
    issue_weekday = forms.TypedChoiceField(
        label="Issue day",
        coerce=int,
        choices=Plan.Weekday.choices,
        help_text="A draft not issued by then is issued automatically, and says so.",
    )
    issue_time = _time_field("Issue time", "UK time (the plan's time zone), for example 12:00.")
    oversight_group = forms.CharField(
        label="Oversight group",
        max_length=100,
        help_text="Who escalations go to, as the report names them: for example IPAG.",
    )


class ReminderSlotForm(PMOFormMixin, forms.Form):
    weekday = forms.TypedChoiceField(
        label="Day", coerce=int, choices=[("", "Choose a day"), *Plan.Weekday.choices]
    )
    time = _time_field("Time", "For example 09:00.")


class BaseReminderSlotFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if index is None or index >= self.initial_form_count():
            form.fields.pop("DELETE", None)  # the blank "Add a reminder" row has nothing to remove
        elif "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this reminder"

    def slots(self) -> list[tuple[int, object]]:
        return [
            (form.cleaned_data["weekday"], form.cleaned_data["time"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("weekday") is not None
        ]


ReminderSlotFormSet = forms.formset_factory(
    ReminderSlotForm, formset=BaseReminderSlotFormSet, extra=1, can_delete=True
)
