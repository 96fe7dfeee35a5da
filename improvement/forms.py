"""What every app's forms share (``add_errors``, ``INVALID``), and the forms of the
two-factor sign-in pages: they only validate."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

INVALID = 422  # the status of a page that shows its form again with the errors


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=20,
        strip=True,
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
    )


class SignInCodeForm(CodeForm):
    """A code from the authenticator app, or one of the recovery codes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.help_text = (
            "The 6-digit code your authenticator app shows now. "
            "No phone to hand? Enter one of your recovery codes instead."
        )
        code.widget.attrs["inputmode"] = "text"
        code.error_messages["required"] = (
            "Enter the 6-digit code from your authenticator app, or a recovery code."
        )


class SavedCodesForm(forms.Form):
    saved = forms.BooleanField(
        label="I have saved these recovery codes somewhere safe",
        error_messages={
            "required": "Save the recovery codes first (print them or keep them in a "
            "password manager), then tick the box."
        },
    )


class ResetForm(forms.Form):
    reason = forms.CharField(
        label="Why is two-factor sign-in being reset?",
        help_text="For the record, for example: lost phone, new phone.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why two-factor sign-in is being reset."},
    )
