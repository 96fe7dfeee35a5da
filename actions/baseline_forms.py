"""Forms of the baseline and change control pages: they validate, the services decide."""

from __future__ import annotations

from django import forms

from .pmo_forms import uk_date_field


class BaselineForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text="For example: plan approved by the Executive Continuous Improvement Board "
        "on 29/04/2019.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Give the reason: who approved the plan, and when."},
    )


class ChangeRequestForm(forms.Form):
    proposed_end_date = uk_date_field(
        "Proposed end date", help_text="Leave blank to keep the end date. For example, 30/06/2026."
    )
    proposed_requirement = forms.CharField(
        label="Proposed scope (requirement and actions)",
        help_text="Leave as it is to keep the scope.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
    )
    reason = forms.CharField(
        label="Why the plan should change",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the plan should change."},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve the change"), ("refuse", "Refuse the change")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse the change."},
    )
    note = forms.CharField(
        label="Decision note",
        help_text="Needed to refuse: the requester reads it. For example, the meeting that "
        "decided.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
