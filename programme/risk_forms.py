"""Forms for risks and regulatory notices: they only validate what was typed; the services
in programme.risks and programme.notices decide and save."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.functions import Lower

from actions.models import Action, Finding, Inspection, Plan
from actions.pmo_forms import PMOFormMixin
from programme.models import Notice, NoticeCondition, Risk, RootCause, Workstream
from programme.risks import plan_findings

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RiskForm(PMOFormMixin, forms.ModelForm):
    class Meta:
        model = Risk
        fields = [
            "kind",
            "reference",
            "title",
            "description",
            "owner",
            "owner_name",
            "likelihood",
            "consequence",
            "score",
            "status",
            "theme",
            "alignment",
            "workstream",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "alignment": forms.RadioSelect,
        }
        labels = {"owner_name": "Owner (if not a user here)"}
        help_texts = {
            "likelihood": "1 (rare) to 5 (almost certain).",
            "consequence": "1 (negligible) to 5 (catastrophic).",
            "score": "Worked out from likelihood and consequence; fill it in only without them.",
        }
        error_messages = {"title": {"required": "Enter the risk's title."}}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].queryset = users
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["owner"].empty_label = "Not a user here (or none yet)"
        self.fields["workstream"].queryset = Workstream.objects.filter(plan=plan)
        self.fields["workstream"].empty_label = "No workstream"
        self.fields["alignment"].choices = [
            ("", "Not themed from the inspection"),
            *self.fields["alignment"].choices[1:],
        ]
        for name in ("likelihood", "consequence"):
            self.fields[name].widget = forms.Select(
                choices=[("", "Not scored"), *((n, str(n)) for n in range(1, 6))]
            )
        self.fields["score"].widget.attrs.update({"min": 1, "max": 25, "inputmode": "numeric"})

    def clean(self):
        data = super().clean()
        if data.get("likelihood") and data.get("consequence"):
            data["score"] = None  # worked out again: an edit of either must not clash with it
        return data


def _split_refs(text: str) -> list[str]:
    return [r for r in (p.strip() for p in re.split(r"[,;\n]+", text or "")) if r]


def _by_refs(queryset: QuerySet, text: str, what: str, field: str = "ref") -> list:
    refs = _split_refs(text)
    found = {}
    lowered = [r.lower() for r in refs]
    for obj in queryset.annotate(_ref=Lower(field)).filter(_ref__in=lowered):
        found.setdefault(getattr(obj, field).lower(), obj)
    missing = [r for r in refs if r.lower() not in found]
    if missing:
        raise forms.ValidationError(f"No {what} with the ref {', '.join(missing)} in this plan.")
    seen, out = set(), []
    for ref in refs:
        obj = found[ref.lower()]
        if obj.pk not in seen:
            seen.add(obj.pk)
            out.append(obj)
    return out


class LinksForm(PMOFormMixin, forms.Form):
    """Links by ref, as the plan writes them ("T3, D1"): a plan may hold 2,000 actions."""

    actions = forms.CharField(
        label="Actions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Their refs, separated by commas: T3, D1, G11.",
    )
    findings = forms.CharField(
        label="Findings",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Their refs, separated by commas, as the inspection report numbers them.",
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_actions(self) -> list[Action]:
        return _by_refs(
            Action.objects.filter(plan=self.plan), self.cleaned_data["actions"], "action"
        )

    def clean_findings(self) -> list[Finding]:
        return _by_refs(plan_findings(self.plan), self.cleaned_data["findings"], "finding")

    @staticmethod
    def initial_for(obj) -> dict[str, str]:
        return {
            "actions": ", ".join(a.ref for a in obj.actions.order_by("id")),
            "findings": ", ".join(f.ref for f in obj.findings.order_by("id")),
        }


class RiskLinksForm(LinksForm):
    root_causes = forms.CharField(
        label="Root causes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Their refs, separated by commas.",
    )

    def clean_root_causes(self) -> list[RootCause]:
        return _by_refs(
            RootCause.objects.filter(plan=self.plan), self.cleaned_data["root_causes"], "root cause"
        )

    @staticmethod
    def initial_for(obj) -> dict[str, str]:
        return {
            **LinksForm.initial_for(obj),
            "root_causes": ", ".join(r.ref for r in obj.root_causes.order_by("id")),
        }


class RisksFileForm(forms.Form):
    file = forms.FileField(
        label="Risks file",
        help_text="An Excel workbook (.xlsx) or a CSV file with a header row.",
        error_messages={"required": "Choose the file of risks to upload."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".xlsx", ".csv"}:
            raise forms.ValidationError("Upload the risks as .xlsx or .csv.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; is it the right file?")
        return upload


class NoticeForm(PMOFormMixin, forms.ModelForm):
    class Meta:
        model = Notice
        fields = [
            "kind",
            "reference",
            "inspection",
            "core_service",
            "issued_on",
            "deadline",
            "summary",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "issued_on": DATE_INPUT,
            "deadline": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "kind": {"required": "Choose the kind of notice."},
            "reference": {"required": "Enter the notice's reference."},
        }

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.order_by("-published_on", "-id")
        self.fields["inspection"].empty_label = "Not recorded"
        if plan.inspection_id and not self.instance.pk:
            self.initial.setdefault("inspection", plan.inspection_id)


class ConditionForm(PMOFormMixin, forms.ModelForm):
    class Meta:
        model = NoticeCondition
        fields = ["number", "text", "deadline", "status"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "deadline": DATE_INPUT,
            "status": forms.RadioSelect,
        }
        labels = {"text": "Condition", "deadline": "Deadline"}
        help_texts = {
            "number": "As the notice numbers it. Leave blank for the next number.",
            "deadline": "The regulator's deadline for this condition, if not the notice's.",
        }
        error_messages = {"text": {"required": "Enter the condition as the notice words it."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
