from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from actions.pmo_forms import uk_date_field

from .models import TeamsWebhook
from .teams import check_webhook_url


class TeamsWebhookForm(forms.ModelForm):
    url = forms.URLField(assume_scheme="https", max_length=2000)

    class Meta:
        model = TeamsWebhook
        fields = ["url", "post_issued_reports", "post_early_locks", "post_closures"]
        labels = {"url": "Workflows address"}
        help_texts = {
            "url": 'In the Teams channel: Workflows, then "Post to a channel when a webhook '
            'request is received". Paste the address it gives you.',
        }
        widgets = {"url": forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The address is a secret: never sent back to the page; blank keeps it.
            self.initial["url"] = ""
            self.fields["url"].required = False
            self.fields["url"].label = "New Workflows address"
            self.fields["url"].help_text = "Leave blank to keep the current address."

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url and self.instance.pk:
            return self.instance.url
        try:
            check_webhook_url(url)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return url


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="What will use the token?",
        help_text="For example: Power BI quality dashboard. It names the token in this list.",
        max_length=200,
        error_messages={
            "required": "Give the token a name that says what uses it, "
            "for example Power BI quality dashboard.",
            "max_length": "Keep the name to 200 characters or fewer.",
        },
    )


class AuditExportForm(forms.Form):
    """The range of the audit export: whole days in the plan's time zone, at most 3 years."""

    MAX_DAYS = 3 * 366

    start = uk_date_field("From date", required=True)
    end = uk_date_field("To date", required=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "The to date must be the same as or after the from date.")
            elif (end - start).days > self.MAX_DAYS:
                self.add_error(
                    "end", "The range can be at most 3 years. Download longer periods in parts."
                )
        return cleaned
