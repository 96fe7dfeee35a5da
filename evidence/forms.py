"""Forms only validate input; ``evidence.services`` decides and writes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.http import url_has_allowed_host_and_scheme

from actions.pmo_forms import active_users, uk_date_field, user_label

from . import files
from .models import ClosureRequest, Evidence
from .selectors import closure_settings_for

DESCRIPTION_HELP = "What it is and what it shows, for example “Training register, March 2026”."


def _description() -> forms.CharField:
    return forms.CharField(
        label="Description",
        max_length=500,
        required=False,  # the service refuses a blank one, with its own words
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=DESCRIPTION_HELP,
    )


class FileEvidenceForm(forms.Form):
    kind = Evidence.Kind.FILE
    file = forms.FileField(
        label="File",
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(files.ALLOWED_EXTENSIONS)}),
        error_messages={"invalid": "The file did not arrive. Choose it again."},
    )
    description = _description()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "PDF, Word, Excel, PowerPoint, PNG, JPEG, GIF or a saved email (.eml, .msg), "
            f"up to {files.size_label(files.max_upload_bytes())}. {files.scanning_message()}"
        )

    def service_kwargs(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.cleaned_data.get("file"),
            "description": self.cleaned_data.get("description", ""),
        }


class LinkEvidenceForm(forms.Form):
    kind = Evidence.Kind.LINK
    url = forms.CharField(
        label="Link",
        max_length=2000,
        required=False,
        help_text="The web address of the evidence, for example a SharePoint page.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = _description()

    def service_kwargs(self) -> dict:
        return {
            "kind": self.kind,
            "url": self.cleaned_data.get("url", ""),
            "description": self.cleaned_data.get("description", ""),
        }


class NoteEvidenceForm(forms.Form):
    kind = Evidence.Kind.NOTE
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, where the evidence is kept and who confirmed it.",
    )
    description = _description()

    def service_kwargs(self) -> dict:
        return {
            "kind": self.kind,
            "note": self.cleaned_data.get("note", ""),
            "description": self.cleaned_data.get("description", ""),
        }


EVIDENCE_FORMS: dict[str, type[forms.Form]] = {
    Evidence.Kind.FILE: FileEvidenceForm,
    Evidence.Kind.LINK: LinkEvidenceForm,
    Evidence.Kind.NOTE: NoteEvidenceForm,
}


class ClosureRequestForm(forms.Form):
    summary = forms.CharField(
        label="Summary",
        required=False,  # the service refuses a blank one
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was done to complete the action, and how the evidence shows it.",
    )
    evidence = forms.ModelMultipleChoiceField(
        label="Evidence that proves it",
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose at least one.",
    )
    inspector = forms.ModelChoiceField(
        label="Peer inspector",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Name the inspector later",
        help_text="This plan needs a peer inspection (CSPI) before sign-off: who will test "
        "the change in practice?",
    )

    def __init__(self, *args, evidence, lead, inspection_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evidence
        self.fields["evidence"].label_from_instance = _evidence_label
        if inspection_required:
            self.fields["inspector"].queryset = active_users().exclude(pk=lead.pk)
            self.fields["inspector"].label_from_instance = user_label
        else:
            del self.fields["inspector"]


def closure_request_form(action, data=None) -> ClosureRequestForm:
    """The lead's form: on the action's page and on the closure request page."""
    settings = closure_settings_for(action.plan)
    return ClosureRequestForm(
        data,
        evidence=Evidence.objects.current().filter(action=action).order_by("added_at", "id"),
        lead=action.action_lead,
        inspection_required=settings.peer_inspection_required,
    )


def _evidence_label(evidence: Evidence) -> str:
    return f"{evidence.title}: {evidence.description}"


class NextMixin(forms.Form):
    """Where to go back to after the decision: the queue, a meeting, the closure."""

    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def next_url(self, request, default: str) -> str:
        target = self.cleaned_data.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return default


REVIEWED_MESSAGE = (
    "Tick “I have reviewed the evidence” to approve, or decline the closure with a reason."
)


class ApproveForm(NextMixin):
    """Approving makes the action Blue for good: the reviewer confirms they looked first."""

    meeting = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reviewed = forms.BooleanField(
        label="I have reviewed the evidence",
        error_messages={"required": REVIEWED_MESSAGE},
    )


class DeclineForm(NextMixin):
    meeting = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason",
        required=False,  # the service refuses a blank one, with its own words
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to decline. The action lead sees it on “My actions”.",
    )


class InspectorForm(forms.Form):
    inspector = forms.ModelChoiceField(
        label="Peer inspector",
        queryset=get_user_model().objects.none(),
        empty_label="Choose who will inspect",
        error_messages={"required": "Choose who will test the change in practice."},
    )

    def __init__(self, *args, closure: ClosureRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = active_users().exclude(pk=closure.requested_by_id)
        self.fields["inspector"].label_from_instance = user_label


class InspectionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Tested in practice",
        choices=[("passed", "Passed"), ("failed", "Failed")],
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Choose passed or failed."},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you saw and heard when you tested the change in practice.",
    )


class WithdrawForm(forms.Form):
    """A confirmation: the button is the only input."""


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Reason for re-opening",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded on the action's history and shown on its page.",
    )


class MeetingForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        initial="Evidence Assurance Group",
        error_messages={"required": "Enter the meeting's name."},
    )
    held_on = uk_date_field("Date", required=True, required_message="Enter the meeting's date.")
    closures = forms.ModelMultipleChoiceField(
        label="Closures presented",
        queryset=ClosureRequest.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The closure requests waiting for a decision that the group looked at.",
    )

    def __init__(self, *args, closures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closures"].queryset = closures
        self.fields["closures"].label_from_instance = closure_label


class PresentForm(forms.Form):
    closures = forms.ModelMultipleChoiceField(
        label="Add closures presented",
        queryset=ClosureRequest.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one closure."},
    )

    def __init__(self, *args, closures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closures"].queryset = closures
        self.fields["closures"].label_from_instance = closure_label


def closure_label(closure: ClosureRequest) -> str:
    action = closure.action
    department = f", {action.department}" if action.department else ""
    return f"{action.ref} ({action.get_kind_display()}{department}) — {action.plan.name}"


class ClosureSettingsForm(forms.Form):
    signers = forms.MultipleChoiceField(
        label="Who may sign off a closure",
        choices=[
            ("reviewers", "Assurance reviewers"),
            ("exec_lead", "The action's exec lead"),
            ("pmo", "The PMO"),
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Whoever asked for a closure can never sign it off themselves.",
        error_messages={"required": "Choose at least one group who may sign off."},
    )
    peer_inspection_required = forms.BooleanField(
        label="A peer inspection (CSPI) must pass before sign-off",
        required=False,
    )

    def service_kwargs(self) -> dict:
        signers = set(self.cleaned_data["signers"])
        return {
            "reviewers_sign_off": "reviewers" in signers,
            "exec_lead_signs_off": "exec_lead" in signers,
            "pmo_signs_off": "pmo" in signers,
            "peer_inspection_required": self.cleaned_data["peer_inspection_required"],
        }
