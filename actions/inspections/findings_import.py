"""A new inspection report's findings, imported from the trust's own spreadsheet.

The header row is found as the plan import finds it (``importer.header_row_find``), the
PMO says which column holds which finding field (remembered per provider, by heading, for
the trust's next file), the rows are checked into a preview, then saved all or nothing
(``findings_import``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..importer import (
    MAX_HEADER_SEARCH_ROWS,
    ImportFileError,
    ImportTally,
    KindWidget,
    Progress,
    RowError,
    header_row_find,
    no_progress,
    norm,
    read_cells,
    rows_under_header,
)
from ..models import (
    Finding,
    FindingColumnMapping,
    FindingKind,
    Inspection,
    KeyQuestion,
)

MAX_ROWS = 5_000
# The finding fields a column can hold, as the mapping page names them.
FINDING_FIELDS: dict[str, str] = {
    "ref": "Reference",
    "kind": "Kind (must do, should do, notice)",
    "core_service": "Core service",
    "key_question": "Key question",
    "regulation": "Regulation cited",
    "text": "What the report says",
}
REQUIRED_FIELDS = ("ref", "kind", "text")
# How trusts head each column, for a first guess when nothing is remembered yet.
FIELD_GUESSES: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "ref.", "reference", "action no", "action no.", "no", "no.", "number", "id"),
    "kind": (
        "kind",
        "type",
        "must do / should do",
        "must do/should do",
        "must / should",
        "must/should",
        "must or should",
        "category",
        "finding kind",
    ),
    "core_service": ("core service", "service", "department", "dept", "division", "location"),
    "key_question": ("key question", "domain", "kloe", "cqc domain", "key line of enquiry"),
    "regulation": ("regulation", "regulation cited", "breach"),
    "text": ("cqc finding", "finding", "findings", "requirement", "text", "description"),
}
# Kind cells trusts write, beyond the plan import's words: codes with their numbers taken off.
KIND_GUESSES: dict[str, str] = {
    **KindWidget.LOOKUP,
    "md": FindingKind.MUST,
    "sd": FindingKind.SHOULD,
    "rn": FindingKind.REGULATORY,
    "wn": FindingKind.SECTION_29A,
}
FIELD_LENGTHS = {
    name: Finding._meta.get_field(name).max_length for name in ("ref", "core_service", "regulation")
}


def cell_text(value: Any) -> str:
    """A cell as text: 3.0 from a spreadsheet is "3", dates as DD/MM/YYYY."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return re.sub(r"[ \t]+", " ", str(value)).strip()


def kind_pattern(value: Any) -> str:
    """A kind cell with its number taken off: "M1" and "M12" are both "m"; words stay whole."""
    text = norm(value)
    code = re.fullmatch(r"([a-z]{1,4})[\s.\-/]?\d+[a-z]?", text)
    return code.group(1) if code else text


def key_question_for(value: Any) -> str | None:
    """ "Safe", "Well led", "Is it safe?" → the key question; blank → ""; else None."""
    letters = re.sub(r"[^a-z]", "", norm(value))
    if not letters:
        return ""
    found = [q for q in KeyQuestion if q.value.replace("_", "") in letters]
    return found[0].value if len(found) == 1 else None


@dataclass
class FindingTable:
    header_line: int  # as the spreadsheet numbers rows
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells as text)

    def samples(self, column: int, limit: int = 3) -> list[str]:
        found = []
        for _line, cells in self.rows:
            if column < len(cells) and cells[column] and cells[column] not in found:
                found.append(cells[column])
            if len(found) == limit:
                break
        return found


def table_as_json(table: FindingTable) -> dict[str, Any]:
    """The file's cells as text, kept on the import job so later steps need not read it."""
    return {"header_line": table.header_line, "headers": table.headers, "rows": table.rows}


def table_from_json(data: dict[str, Any]) -> FindingTable:
    return FindingTable(
        header_line=data["header_line"],
        headers=list(data["headers"]),
        rows=[(line, list(cells)) for line, cells in data["rows"]],
    )


def report_from_json(data: dict[str, Any]) -> FindingImportReport:
    return FindingImportReport(
        rows=[FindingRow(**r) for r in data["rows"]],
        errors=[RowError(**e) for e in data["errors"]],
        dry_run=data["dry_run"],
    )


def findings_table_read(
    data: bytes, filename: str, *, known_headers: Iterable[str] = (), header_line: int = 0
) -> FindingTable:
    """Find the header row and the rows under it.

    The header is the first row holding every header the trust's last file had; failing
    that, the first row with two or more filled cells (a title row above has one). A
    ``header_line`` found before is used as it is, so later steps read the same columns.
    """
    cells = [[cell_text(c) for c in row] for row in read_cells(data, filename, what="the findings")]
    wanted = {norm(h) for h in known_headers if h}
    if 0 < header_line <= min(len(cells), MAX_HEADER_SEARCH_ROWS):
        index = header_line - 1
    else:
        index = header_row_find(
            cells,
            *([lambda row: wanted <= {norm(c) for c in row}] if wanted else []),
            lambda row: sum(1 for c in row if c) >= 2,  # a title row above has one
            needs=": the file needs a row of column headings, such as “Action No.”, "
            "“Core Service” and “CQC Finding”.",
        )
    headers = cells[index]
    while headers and not headers[-1]:
        headers.pop()
    headers = [h or f"Column {_letter(i)}" for i, h in enumerate(headers)]
    rows = [
        (line, row + [""] * (len(headers) - len(row)))
        for line, row in rows_under_header(cells, index)
    ]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows.")
    return FindingTable(header_line=index + 1, headers=headers, rows=rows)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_label(table: FindingTable, index: int) -> str:
    return f"{table.headers[index]} (column {_letter(index)})"


@dataclass
class ColumnMapping:
    """Which column holds each finding field, and what each kind cell means."""

    columns: dict[str, int]  # finding field → column index
    kind_values: dict[str, str] = field(default_factory=dict)  # kind_pattern → FindingKind

    def kind_patterns(self, table: FindingTable) -> list[str]:
        """The distinct kind cells of the file, numbers taken off, in order of first use."""
        column = self.columns.get("kind")
        if column is None:
            return []
        seen: dict[str, None] = {}
        for _line, cells in table.rows:
            pattern = kind_pattern(cells[column])
            if pattern:
                seen.setdefault(pattern, None)
        return list(seen)


def mapping_remembered(inspection: Inspection) -> FindingColumnMapping | None:
    return FindingColumnMapping.objects.filter(provider=inspection.provider).first()


def mapping_guess(table: FindingTable, remembered: FindingColumnMapping | None) -> ColumnMapping:
    """Preselect each field's column: the trust's last choice, else a heading we recognise."""
    by_header = {}
    for index, header in enumerate(table.headers):
        by_header.setdefault(norm(header), index)
    columns: dict[str, int] = {}
    if remembered is not None:
        for name, header in remembered.columns.items():
            if name in FINDING_FIELDS and norm(header) in by_header:
                columns[name] = by_header[norm(header)]
    for name, guesses in FIELD_GUESSES.items():
        if name not in columns:
            match = next((by_header[g] for g in guesses if g in by_header), None)
            if match is not None:
                columns[name] = match
    if "kind" not in columns and "ref" in columns:
        columns["kind"] = columns["ref"]  # "M1", "S1": the ref says the kind
    mapping = ColumnMapping(columns=columns)
    known = dict(remembered.kind_values) if remembered is not None else {}
    for pattern in mapping.kind_patterns(table):
        kind = known.get(pattern) or KIND_GUESSES.get(pattern, "")
        if kind:
            mapping.kind_values[pattern] = kind
    return mapping


def finding_mapping_remember(
    *,
    inspection: Inspection,
    table: FindingTable,
    mapping: ColumnMapping,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> FindingColumnMapping:
    """Keep the PMO's choice for the trust's next file, by heading rather than position."""
    now = now or timezone.now()
    with transaction.atomic():
        saved, _ = FindingColumnMapping.objects.select_for_update().get_or_create(
            provider=inspection.provider, defaults={"updated_at": now}
        )
        saved.columns = {name: table.headers[i] for name, i in mapping.columns.items()}
        saved.kind_values = {**saved.kind_values, **mapping.kind_values}
        saved.updated_by = by
        saved.updated_at = now
        saved.save()
    return saved


@dataclass
class FindingRow:
    line: int
    ref: str
    outcome: str  # "new", "update", "skip"
    values: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        kind = self.values.get("kind")
        return FindingKind(kind).label if kind else ""


@dataclass
class FindingImportReport(ImportTally):
    rows: list[FindingRow] = field(default_factory=list)


CellError = Callable[[str, str], None]  # (finding field, message) for the row's cell


def _row_values(
    table: FindingTable,
    mapping: ColumnMapping,
    report: FindingImportReport,
    progress: Progress = no_progress,
) -> list[tuple[int, dict[str, str]]]:
    """Each row's finding fields, checked cell by cell; problems go on the report."""
    missing = [FINDING_FIELDS[n] for n in REQUIRED_FIELDS if n not in mapping.columns]
    if missing:
        report.errors.append(
            RowError(0, "", "", f"Choose the column that holds: {', '.join(missing)}.")
        )
        return []
    header = {name: table.headers[i] for name, i in mapping.columns.items()}
    seen: dict[str, int] = {}
    rows = []
    for number, (line, cells) in enumerate(table.rows, start=1):
        progress("Checking the rows", number, len(table.rows))
        raw = {name: cells[i] for name, i in mapping.columns.items()}

        def error(name: str, message: str, line: int = line, raw: dict = raw) -> None:
            report.errors.append(RowError(line, header[name], raw.get(name, ""), message))

        _ref_check(raw.get("ref", ""), line=line, seen=seen, error=error)
        rows.append((line, _finding_values(raw, mapping=mapping, error=error)))
    return rows


def _ref_check(ref: str, *, line: int, seen: dict[str, int], error: CellError) -> None:
    """A reference is given, fits, and is on one row only (``seen``: ref → its row)."""
    if not ref:
        error("ref", "Every finding needs a reference; this one is blank.")
    elif len(ref) > FIELD_LENGTHS["ref"]:
        error("ref", f"A reference has at most {FIELD_LENGTHS['ref']} characters.")
    elif ref.lower() in seen:
        error("ref", f"This reference is also on row {seen[ref.lower()]}.")
    else:
        seen[ref.lower()] = line


def _finding_values(
    raw: dict[str, str], *, mapping: ColumnMapping, error: CellError
) -> dict[str, str]:
    """The row's finding fields as saved: the kind and key question as their codes."""
    values = {name: raw.get(name, "") for name in FINDING_FIELDS}
    kind = mapping.kind_values.get(kind_pattern(values["kind"]), "")
    if not values["kind"]:
        error("kind", "The kind is blank: write Must do or Should do (or M1, S1).")
    elif kind not in FindingKind.values:
        error("kind", "This kind is not matched to Must do, Should do or a notice.")
    values["kind"] = kind
    question = key_question_for(values["key_question"])
    if question is None:
        error("key_question", "Write Safe, Effective, Caring, Responsive or Well-led.")
    values["key_question"] = question or ""
    if not values["text"]:
        error("text", "The finding's text is blank.")
    for name in ("core_service", "regulation"):
        if len(values[name]) > FIELD_LENGTHS[name]:
            error(name, f"At most {FIELD_LENGTHS[name]} characters.")
    return values


def _changes(finding: Finding, values: dict[str, str]) -> dict[str, list[str]]:
    changes = {}
    for name, label in FINDING_FIELDS.items():
        if name == "ref":
            continue
        before, after = getattr(finding, name), values[name]
        if before != after:
            shown = dict(Finding._meta.get_field(name).flatchoices)
            changes[label] = [str(shown.get(before, before)), str(shown.get(after, after))]
    return changes


def findings_import(
    *,
    inspection: Inspection,
    table: FindingTable,
    mapping: ColumnMapping,
    dry_run: bool = True,
    progress: Progress = no_progress,
) -> FindingImportReport:
    """Preview (``dry_run``) or save the findings of ``table``; any error saves nothing.

    A reference the inspection already has updates that finding (its links to actions
    stay); findings not in the file are left as they are.
    """
    report = FindingImportReport(dry_run=dry_run)
    rows = _row_values(table, mapping, report, progress)
    if report.errors:
        report.errors.sort(key=lambda e: e.line)
        return report
    with transaction.atomic():
        existing = {
            f.ref: f for f in Finding.objects.select_for_update().filter(inspection=inspection)
        }
        report.rows = [_outcome(line, values, existing.get(values["ref"])) for line, values in rows]
        if dry_run:
            return report
        progress("Saving", 0, 0)
        try:
            with transaction.atomic():
                _findings_save(inspection=inspection, rows=report.rows, existing=existing)
        except IntegrityError:  # another import added the same reference just now
            report.errors.append(
                RowError(
                    0,
                    "",
                    "",
                    "Someone else added findings with these references while you were "
                    "importing; nothing was saved. Upload the file again to see a fresh preview.",
                )
            )
    return report


def _outcome(line: int, values: dict[str, str], finding: Finding | None) -> FindingRow:
    """What the row does: a new finding, an update of the one with its reference, or nothing."""
    if finding is None:
        return FindingRow(line, values["ref"], "new", values)
    changes = _changes(finding, values)
    return FindingRow(line, values["ref"], "update" if changes else "skip", values, changes)


def _findings_save(
    *, inspection: Inspection, rows: list[FindingRow], existing: dict[str, Finding]
) -> None:
    Finding.objects.bulk_create(
        Finding(inspection=inspection, **r.values) for r in rows if r.outcome == "new"
    )
    for r in rows:
        if r.outcome == "update":
            finding = existing[r.ref]
            for name, value in r.values.items():
                setattr(finding, name, value)
            finding.save()
