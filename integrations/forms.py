from __future__ import annotations

from django import forms


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
