"""The PMO's form for a board report: the month and the cover sheet. It only validates."""

from __future__ import annotations

import datetime as dt

from django import forms

from actions.models import KeyQuestion, Plan
from actions.pmo_forms import PMOFormMixin
from programme.models import Risk
from programme.risks import baf_choices

from ..models import BoardReport
from .content import COVER_FIELDS, add_months


def month_choices(today: dt.date, count: int = 13) -> list[tuple[str, str]]:
    """This month and the twelve before it, newest first."""
    this_month = today.replace(day=1)
    months = [add_months(this_month, -n) for n in range(count)]
    return [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]


class BoardReportForm(PMOFormMixin, forms.ModelForm):
    month = forms.ChoiceField(label="Month the report is for")
    key_questions = forms.MultipleChoiceField(
        label="Link to CQC key questions",
        choices=KeyQuestion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    baf_risk_links = forms.ModelMultipleChoiceField(
        label="Board assurance framework risks",
        queryset=Risk.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the BAF risks the paper relates to (the plan's risk list).",
    )

    class Meta:
        model = BoardReport
        fields = list(COVER_FIELDS)
        widgets = {
            # A browser's date box reads and sends YYYY-MM-DD only, whatever the locale.
            "meeting_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "written_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "asked_to": forms.RadioSelect,
            "previously_considered_by": forms.Textarea(attrs={"rows": 2}),
            "strategic_objectives": forms.Textarea(attrs={"rows": 3}),
            "baf_risks": forms.Textarea(attrs={"rows": 3}),
            "equality_impact": forms.RadioSelect,
            "foi_status": forms.RadioSelect,
            "financial_assessment": forms.Textarea(attrs={"rows": 2}),
            "executive_summary": forms.Textarea(attrs={"rows": 6}),
            "risks": forms.Textarea(attrs={"rows": 5}),
            "next_steps": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "baf_risks": "Only for BAF risks not in the plan's risk list.",
            "executive_summary": "The words that need a person; the figures are added for you.",
        }

    def __init__(self, *args, today: dt.date, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(today)
        baf = self.fields["baf_risk_links"]
        baf.queryset = baf_choices(plan)
        baf.label_from_instance = _baf_label
        if not baf.queryset.exists():
            baf.help_text = (
                "No BAF risks in this plan's risk list yet: add them under “Risks and BAF”, "
                "or name them in the box below."
            )
        order = list(self.fields)
        order.remove("baf_risk_links")
        order.insert(order.index("baf_risks"), "baf_risk_links")
        self.order_fields(["month", *[n for n in order if n != "month"]])
        self.fields["equality_impact"].choices = [
            ("", "Not stated"),
            *BoardReport.EqualityImpact.choices,
        ]
        # Not sent (an older form, a script): the paper is for publication, as by default.
        self.fields["foi_status"].required = False

    def clean_foi_status(self) -> str:
        return self.cleaned_data.get("foi_status") or BoardReport.FoiStatus.FULL

    def clean_month(self) -> dt.date:
        return dt.datetime.strptime(self.cleaned_data["month"], "%Y-%m").date()

    def cover(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data.get(name) for name in self.Meta.fields},
            "baf_risk_links": list(data.get("baf_risk_links") or []),
        }


def _baf_label(risk: Risk) -> str:
    score = f" (score {risk.score}, {risk.band_label.lower()})" if risk.score else ""
    return f"{risk}{score}"


class CommitteeForm(PMOFormMixin, forms.Form):
    name = forms.CharField(
        label="Committee", max_length=200, help_text="For example: Quality Committee."
    )
    recipients = forms.CharField(
        label="Distribution list",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text='One a line: "Name <name@trust.nhs.uk>" or the address alone.',
    )
