"""Forms only validate input; the services decide and write."""

from __future__ import annotations

from django import forms

from .models import UPDATE_STATUSES
from .services import LOCK_REASON_MESSAGE


class UpdateForm(forms.Form):
    """The weekly update on one action. Prefixed per action: many sit on one page."""

    status = forms.ChoiceField(
        label="Status",
        choices=[(s.value, s.label) for s in UPDATE_STATUSES],
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Choose a status: Red, Amber, Green or White."},
    )
    narrative = forms.CharField(
        label="Update",
        required=False,  # the service refuses a blank one, with the SOP's words
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='What has happened this week. "On plan" will do when nothing has changed.',
    )
    # If Red: the recovery plan. Always on the form (it works without JavaScript); the
    # service requires it only when the action turns Red or is Red with none yet.
    recovery_what = forms.CharField(
        label="What will be done to recover it",
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    recovery_by_when = forms.DateField(
        label="By when",
        required=False,
        help_text="For example 27/03/2027.",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date by when as 27/03/2027."},
    )
    recovery_who = forms.CharField(
        label="Who will do it",
        required=False,
        strip=True,
        max_length=200,
        help_text="For example: DoN with ward managers.",
        error_messages={"max_length": "Keep who will do it to 200 characters or fewer."},
    )
    # The period's id; while the open period has no row yet (showing a page writes
    # nothing), its deadline instead, and the save creates the row.
    period = forms.IntegerField(widget=forms.HiddenInput, required=False)
    deadline = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") is None and cleaned.get("deadline") is None:
            self.add_error("period", "This form has lost its period; open it again.")
        return cleaned


class LockNowForm(forms.Form):
    reason = forms.CharField(
        label="Reason for locking early",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded with the lock and shown to action leads on My actions.",
        error_messages={"required": LOCK_REASON_MESSAGE},
    )


class LateWindowForm(forms.Form):
    lead = forms.ModelChoiceField(
        queryset=None,
        label="Action lead",
        error_messages={
            "required": "Choose the action lead who needs more time.",
            "invalid_choice": "Choose an action lead of this plan.",
        },
    )
    period = forms.ModelChoiceField(
        queryset=None,
        label="Period",
        error_messages={
            "required": "Choose the closed period the lead may still update.",
            "invalid_choice": "Choose one of the closed periods listed.",
        },
    )
    expires_at = forms.DateTimeField(
        label="Late window ends",
        help_text="UK time, for example 26/11/2026 17:00.",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter when the late window ends, for example 26/11/2026 17:00.",
            "invalid": "Enter the date and time as 26/11/2026 17:00.",
        },
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Give a reason for the late window; it goes on the plan's record."
        },
    )

    def __init__(self, *args, leads=None, periods=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        self.fields["lead"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["period"].queryset = periods
