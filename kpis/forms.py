"""Forms that only validate what was typed; the services decide and save."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib.auth import get_user_model

from .models import Kpi

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y"]


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = [
            "name",
            "ref",
            "key_question",
            "direction",
            "unit",
            "target",
            "owner",
            "description",
        ]
        widgets = {
            "direction": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": "Give the KPI a name."},
            "key_question": {"required": "Choose the CQC key question the KPI shows."},
            "direction": {"required": "Choose whether higher or lower is better."},
            "target": {"invalid": "The target must be a number, such as 95."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].queryset = users
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["owner"].empty_label = "No owner yet"


class ValueForm(forms.Form):
    date = forms.DateField(
        input_formats=DATE_FORMATS,
        help_text="The day the period ends (or the day it was measured). For example, 30/04/2026.",
        error_messages={
            "required": "Give the date the value is for.",
            "invalid": "Write the date as day/month/year, for example 30/04/2026.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    value = forms.CharField(
        max_length=40,
        help_text="A number. A value for a date that already has one replaces it (the old "
        "value is kept in the record).",
        error_messages={"required": "Give the value, a number such as 92.5."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class ValuesFileForm(forms.Form):
    file = forms.FileField(
        label="KPI values file",
        help_text="An Excel workbook (.xlsx) or a CSV file with the columns KPI ref (or KPI "
        "name), Date and Value. You will see a preview before anything is saved.",
        error_messages={"required": "Choose the file of KPI values to upload."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".xlsx", ".csv"}:
            raise forms.ValidationError("Upload the values as .xlsx or .csv.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; is it the right file?")
        return upload
