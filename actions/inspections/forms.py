"""Forms for a new report: the ratings grid, the findings file and its column mapping.

Forms only validate; the views hand the cleaned data to ``actions.inspections``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django import forms

from ..models import FindingKind, Rating
from .findings_import import (
    FINDING_FIELDS,
    REQUIRED_FIELDS,
    ColumnMapping,
    FindingTable,
    column_label,
    kind_pattern,
)
from .ratings import MAX_SERVICE_LENGTH, RATING_COLUMNS, RatingsRow, tidy_service

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
BLANK_ROWS = 3
MAX_ROWS = 80
RATING_CHOICES = [("", "Not recorded"), *Rating.choices]


def _column_key(question: str) -> str:
    return question or "overall"


class RatingsGridForm(forms.Form):
    """The report's ratings grid: the trust's row, then one row per core service.

    Row 0 is the trust; each later row has a core service name. Every cell is a select;
    "Not recorded" leaves the cell out. Three blank rows take new core services.
    """

    rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ROWS)

    def __init__(self, *args, grid: list[RatingsRow], **kwargs):
        super().__init__(*args, **kwargs)
        count = len(grid) + BLANK_ROWS
        if self.is_bound:
            try:
                count = max(1, min(int(self.data.get("rows", count)), MAX_ROWS))
            except (TypeError, ValueError):
                pass
        self.fields["rows"].initial = count
        self.row_count = count
        for i in range(count):
            row = grid[i] if i < len(grid) else None
            name = row.core_service if row else ""
            if i:
                self.fields[f"service-{i}"] = forms.CharField(
                    label=f"Core service, row {i + 1}",
                    required=False,
                    max_length=MAX_SERVICE_LENGTH,
                    initial=name,
                    widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10"}),
                    error_messages={
                        "max_length": f"Core service names have at most {MAX_SERVICE_LENGTH} "
                        "characters."
                    },
                )
            where = "Trust overall" if i == 0 else (name or f"row {i + 1}")
            for question, label in RATING_COLUMNS:
                self.fields[f"rating-{i}-{_column_key(question)}"] = forms.ChoiceField(
                    label=f"{label} rating, {where}",
                    choices=RATING_CHOICES,
                    required=False,
                    initial=row.ratings.get(question, "") if row else "",
                )

    def table(self) -> list[dict]:
        """The grid as the template lays it out: each row's name field and its cells."""
        return [
            {
                "service": self[f"service-{i}"] if i else None,
                "cells": [self[f"rating-{i}-{_column_key(q)}"] for q, _ in RATING_COLUMNS],
            }
            for i in range(self.row_count)
        ]

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, int] = {}
        for i in range(1, self.row_count):
            name = tidy_service(cleaned.get(f"service-{i}") or "")
            cleaned[f"service-{i}"] = name
            rated = any(cleaned.get(f"rating-{i}-{_column_key(q)}") for q, _ in RATING_COLUMNS)
            if rated and not name:
                self.add_error(f"service-{i}", f"Name the core service rated on row {i + 1}.")
            elif name and name.lower() in seen:
                self.add_error(
                    f"service-{i}",
                    f"“{name}” is already on row {seen[name.lower()] + 1}; "
                    "give each core service one row.",
                )
            elif name:
                seen[name.lower()] = i
        return cleaned

    def grid(self) -> dict[tuple[str, str], str]:
        cells = {}
        for i in range(self.row_count):
            service = self.cleaned_data.get(f"service-{i}", "") if i else ""
            for question, _ in RATING_COLUMNS:
                rating = self.cleaned_data.get(f"rating-{i}-{_column_key(question)}")
                if rating:
                    cells[(service, question)] = rating
        return cells


class CompareForm(forms.Form):
    """Two inspections to compare; ``inspections`` is a list, read once for both fields."""

    before = forms.TypedChoiceField(label="Earlier inspection", coerce=int)
    after = forms.TypedChoiceField(label="Later inspection", coerce=int)

    def __init__(self, *args, inspections, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspections = {i.pk: i for i in inspections}
        choices = [(i.pk, str(i)) for i in inspections]
        self.fields["before"].choices = choices
        self.fields["after"].choices = choices

    def clean(self):
        cleaned = super().clean()
        before, after = cleaned.get("before"), cleaned.get("after")
        if before is not None and before == after:
            self.add_error("after", "Choose two different inspections to compare.")
        return cleaned

    def chosen(self) -> dict:
        return {name: self.inspections[self.cleaned_data[name]] for name in ("before", "after")}


class FindingsFileForm(forms.Form):
    file = forms.FileField(
        label="Findings file",
        help_text="An Excel workbook (.xlsx) or a CSV file with one finding per row, in the "
        "trust's own columns. Next you say which column holds what; nothing is saved until "
        "you confirm the preview.",
        error_messages={"required": "Choose the findings file to upload."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".xlsx", ".csv"}:
            raise forms.ValidationError("Upload the findings as .xlsx or .csv.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; is it the right file?")
        return upload


def kind_field_name(pattern: str) -> str:
    """A form field name for one kind value; stable across requests, safe in HTML."""
    return "kindvalue-" + hashlib.sha256(pattern.encode("utf-8")).hexdigest()[:12]


class ColumnMappingForm(forms.Form):
    """Which column holds each finding field, and what each value of the kind column means.

    The kind values offered follow the kind column chosen in the submitted data: if the
    PMO changes that column, the new values come back preselected from the best guess and
    the form asks them to check before going on.
    """

    def __init__(self, *args, table: FindingTable, guess: ColumnMapping, kind_guesses, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        choices = [("", "Not in this file")] + [
            (str(i), column_label(table, i)) for i in range(len(table.headers))
        ]
        for name, label in FINDING_FIELDS.items():
            required = name in REQUIRED_FIELDS
            self.fields[f"column-{name}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=required,
                initial=str(guess.columns[name]) if name in guess.columns else "",
                error_messages={"required": f"Choose the column that holds: {label.lower()}."},
            )
        self.fields["column-kind"].help_text = (
            "If the reference says the kind (M1 for must do, S1 for should do), choose the "
            "reference column here too."
        )
        kind_column = self._chosen("kind", guess)
        patterns = ColumnMapping(
            columns={"kind": kind_column} if kind_column is not None else {}
        ).kind_patterns(table)
        self.kind_rows = []
        missing = False
        for pattern in patterns:
            key = kind_field_name(pattern)
            examples = self._examples(kind_column, pattern)
            self.fields[key] = forms.ChoiceField(
                label=f"“{examples[0]}”"
                + (f" (and {', '.join(examples[1:])})" if examples[1:] else ""),
                choices=[("", "Choose the kind"), *FindingKind.choices],
                initial=guess.kind_values.get(pattern) or kind_guesses(pattern),
                error_messages={"required": f"Choose what “{examples[0]}” means."},
            )
            self.kind_rows.append((pattern, key))
            if self.is_bound and key not in self.data:
                missing = True
        if missing:
            # The kind column changed: offer its values preselected, and ask for a check.
            data = self.data.copy()
            for _pattern, key in self.kind_rows:
                if key not in self.data:
                    data[key] = self.fields[key].initial or ""
            self.data = data
            self.kind_column_changed = True
        else:
            self.kind_column_changed = False

    def _chosen(self, name: str, guess: ColumnMapping) -> int | None:
        if self.is_bound:
            value = self.data.get(f"column-{name}", "")
            return int(value) if value.isdigit() and int(value) < len(self.table.headers) else None
        return guess.columns.get(name)

    def _examples(self, column: int, pattern: str, limit: int = 3) -> list[str]:
        found: list[str] = []
        for _line, cells in self.table.rows:
            value = cells[column]
            if kind_pattern(value) == pattern and value not in found:
                found.append(value)
                if len(found) == limit:
                    break
        return found

    @property
    def kind_fields(self):
        return [self[key] for _pattern, key in self.kind_rows]

    @property
    def column_fields(self):
        return [self[f"column-{name}"] for name in FINDING_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.kind_column_changed:
            raise forms.ValidationError(
                "The kind column changed: check what each of its values means below, then continue."
            )
        return cleaned

    def mapping(self) -> ColumnMapping:
        columns = {
            name: int(self.cleaned_data[f"column-{name}"])
            for name in FINDING_FIELDS
            if self.cleaned_data.get(f"column-{name}")
        }
        kind_values = {pattern: self.cleaned_data[key] for pattern, key in self.kind_rows}
        return ColumnMapping(columns=columns, kind_values=kind_values)
