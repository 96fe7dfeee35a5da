"""Forms only validate input; the services decide and write."""

from __future__ import annotations

from django import forms

from .content import FIELDS


class PublicationSettingsForm(forms.Form):
    shown = forms.MultipleChoiceField(
        label="What the public sees for each action",
        choices=[(key, label) for key, label, _ in FIELDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The reference is always shown. Updates, evidence and history are internal "
        "commentary: staff names in them are replaced by role titles, but read the preview "
        "before publishing them.",
    )
    highlights = forms.CharField(
        label="Highlights",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What has gone well since the last publication, in plain English.",
    )
    challenges = forms.CharField(
        label="Challenges",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is proving hard, and what the Trust is doing about it.",
    )


class GlossaryRowForm(forms.Form):
    term = forms.CharField(label="Term", required=False, max_length=100)
    definition = forms.CharField(
        label="Meaning", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BaseGlossaryFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        n = "new" if index is None else index + 1
        form.fields["term"].label = f"Term {n}"
        form.fields["definition"].label = f"What term {n} means"
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = f"Remove term {n}"

    def rows(self) -> list[dict[str, str]]:
        return [
            {
                "term": f.cleaned_data.get("term", ""),
                "definition": f.cleaned_data.get("definition", ""),
            }
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


GlossaryFormSet = forms.formset_factory(
    GlossaryRowForm,
    formset=BaseGlossaryFormSet,
    extra=3,
    can_delete=True,
    max_num=300,
    validate_max=True,
)


class PublishForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is it being withdrawn?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the internal record; the public page says only that it was "
        "withdrawn, and when.",
        error_messages={"required": "Give the reason for withdrawing it."},
    )
