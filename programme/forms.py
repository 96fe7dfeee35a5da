"""Forms that only validate what was typed; the services decide and save."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model

from actions.models import Action, Plan
from kpis.models import Kpi

from .models import ProgrammeSettings, RootCause, Workstream, WorkstreamNarrative

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"]


def _people(field: forms.ModelChoiceField, empty: str) -> None:
    field.queryset = (
        get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "id")
    )
    field.label_from_instance = lambda u: u.get_full_name() or u.username
    field.empty_label = empty


class ProgrammeSettingsForm(forms.ModelForm):
    class Meta:
        model = ProgrammeSettings
        fields = ["workstream_term", "workstream_term_plural"]
        error_messages = {
            "workstream_term": {"required": "Enter what the plan calls a workstream."}
        }


class WorkstreamForm(forms.ModelForm):
    kpis = forms.ModelMultipleChoiceField(
        queryset=Kpi.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="High-level KPIs",
        help_text="Seed 004: 10 to 20 per group, across the five CQC key questions.",
    )
    cadence_starts_on = forms.DateField(
        label="Sprints count from",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="Optional: the day its first update was due, for example 05/03/2019.",
        error_messages={"invalid": "Write the date as day/month/year, for example 05/03/2019."},
    )

    class Meta:
        model = Workstream
        fields = ["name", "executive", "lead", "cadence", "cadence_starts_on", "kpis"]
        labels = {"executive": "Accountable executive", "cadence": "Reporting cadence"}
        widgets = {"cadence": forms.RadioSelect}
        error_messages = {"name": {"required": "Give it a name."}}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self.fields["executive"], "No executive yet")
        _people(self.fields["lead"], "No lead")
        kpis = self.fields["kpis"]
        kpis.queryset = Kpi.objects.filter(plan=plan).order_by("key_question", "name", "id")
        kpis.label_from_instance = lambda k: str(k)
        self.fields["cadence"].choices = [c for c in self.fields["cadence"].choices if c[0] != ""]

    def validate_unique(self):
        """The service checks the name against the plan's other workstreams."""


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = WorkstreamNarrative
        fields = ["progress", "risks", "mitigation", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}
        help_texts = {
            "progress": "What was done since last month.",
            "risks": "What could stop the plan delivering.",
            "mitigation": "What is being done about those risks.",
            "next_steps": "What happens next, and by when.",
        }


class RootCauseForm(forms.ModelForm):
    actions = forms.ModelMultipleChoiceField(
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Actions",
        help_text="The plan's actions that address this root cause.",
    )
    due_date = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        help_text="For example, 30/04/2019.",
        error_messages={"invalid": "Write the date as day/month/year, for example 30/04/2019."},
    )

    class Meta:
        model = RootCause
        fields = ["ref", "description", "owner", "workstream", "actions", "due_date", "kpi"]
        labels = {"ref": "Ref.", "kpi": "KPI", "owner": "Root cause owner"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "ref": {"required": "Give the root cause a ref., for example M12.3."},
            "description": {"required": "Describe the root cause."},
        }

    def __init__(self, *args, plan: Plan, workstream_term: str = "Workstream", **kwargs):
        super().__init__(*args, **kwargs)
        _people(self.fields["owner"], "No owner yet")
        ws = self.fields["workstream"]
        ws.queryset = Workstream.objects.filter(plan=plan)
        ws.label = workstream_term
        ws.empty_label = "None"
        kpi = self.fields["kpi"]
        kpi.queryset = Kpi.objects.filter(plan=plan).order_by("name", "id")
        kpi.empty_label = "No KPI yet"
        actions = self.fields["actions"]
        actions.queryset = Action.objects.filter(plan=plan).order_by("ref", "id")
        actions.label_from_instance = lambda a: f"{a.ref}: {_short(a.requirement)}"

    def validate_unique(self):
        """The service checks the ref. against the plan's other root causes."""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 90 else text[:87].rstrip() + "…"


class ActionFilterForm(forms.Form):
    """Which of the plan's actions to list for assigning to a workstream."""

    q = forms.CharField(label="Ref. or words", required=False)
    department = forms.CharField(label="Department", required=False)
    theme = forms.CharField(label="Theme", required=False)
    unassigned = forms.BooleanField(label="Only actions in no workstream", required=False)


def parse_month(text: str | None, default: dt.date) -> dt.date:
    """'2019-05' -> 1 May 2019; the default for anything else."""
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return default
