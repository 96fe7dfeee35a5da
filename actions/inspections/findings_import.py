"""A new inspection report: its ratings, its findings imported from the trust's own
spreadsheet, and each finding mapped onto the open actions of a plan (seed 001).

Writes are the ``*_save``/``*_import``/``*_link``/``*_raise`` functions, each in one
transaction; the reads the pages share (the ratings grid, the comparison of two
inspections, the mapping summary) follow them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from .. import services
from ..importer import (
    ImportFileError,
    ImportTally,
    KindWidget,
    Progress,
    RowError,
    no_progress,
    read_cells,
)
from ..models import (
    Action,
    Finding,
    FindingColumnMapping,
    FindingKind,
    Inspection,
    InspectionRating,
    KeyQuestion,
    Plan,
    RaisedAction,
    Rating,
    Status,
)

# Ratings ----------------------------------------------------------------------------------

OVERALL = ""  # the key question of an overall rating, and the core service of the trust's row
RATING_COLUMNS: list[tuple[str, str]] = [(OVERALL, "Overall"), *KeyQuestion.choices]
MAX_SERVICE_LENGTH = InspectionRating._meta.get_field("core_service").max_length or 100


def tidy_service(name: str) -> str:
    """A core service as typed, with runs of spaces made one."""
    return re.sub(r"\s+", " ", name or "").strip()


def inspection_ratings_save(*, inspection: Inspection, grid: Mapping[tuple[str, str], str]) -> int:
    """Replace the inspection's ratings with ``grid``: {(core service, key question): rating}.

    A blank core service is the trust; a blank key question is the overall rating. Cells
    left out are removed. Returns how many cells the inspection now has.
    """
    valid_questions = {OVERALL, *KeyQuestion.values}
    cells: dict[tuple[str, str], tuple[str, str, str]] = {}
    errors = []
    for (service, question), rating in grid.items():
        service = tidy_service(service)
        if question not in valid_questions:
            errors.append(f"“{question}” is not a CQC key question.")
        elif rating not in Rating.values:
            errors.append(f"“{rating}” is not a CQC rating.")
        elif len(service) > MAX_SERVICE_LENGTH:
            errors.append(f"The core service name “{service[:40]}…” is too long.")
        elif (service.lower(), question) in cells:
            errors.append(f"{service or 'The trust'} is rated twice for the same question.")
        else:
            cells[(service.lower(), question)] = (service, question, rating)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Inspection.objects.select_for_update().get(pk=inspection.pk)
        InspectionRating.objects.filter(inspection=inspection).delete()
        InspectionRating.objects.bulk_create(
            InspectionRating(inspection=inspection, core_service=s, key_question=q, rating=r)
            for s, q, r in cells.values()
        )
    return len(cells)


@dataclass
class RatingsRow:
    core_service: str  # "" for the trust
    ratings: dict[str, str]  # key question ("" overall) → rating value

    @property
    def label(self) -> str:
        return self.core_service or "Trust overall"


def ratings_grid(inspection: Inspection) -> list[RatingsRow]:
    """The inspection's ratings as the report prints them: the trust first, then services."""
    rows: dict[str, RatingsRow] = {"": RatingsRow("", {})}
    for cell in inspection.ratings.all():
        rows.setdefault(cell.core_service, RatingsRow(cell.core_service, {}))
        rows[cell.core_service].ratings[cell.key_question] = cell.rating
    return list(rows.values())


@dataclass
class CountRow:
    label: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def percent_change(self) -> str:
        """'down 82.5%' as the board paper reads it; blank when there is nothing to compare."""
        return percent_change(self.before, self.after)


def percent_change(before: int, after: int) -> str:
    if before == 0:
        return "" if after == 0 else "new"
    if after == before:
        return "no change"
    percent = (after - before) * 100 / before
    return f"{'up' if percent > 0 else 'down'} {abs(percent):.1f}%"


@dataclass
class CompareCell:
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def before_label(self) -> str:
        return Rating(self.before).label if self.before else "-"

    @property
    def after_label(self) -> str:
        return Rating(self.after).label if self.after else "-"


@dataclass
class CompareRow:
    label: str
    cells: list[CompareCell]


@dataclass
class Comparison:
    before: Inspection
    after: Inspection
    rating_counts: list[CountRow]
    finding_totals: list[CountRow]
    rows: list[CompareRow]

    @property
    def rated_before(self) -> int:
        return sum(r.before for r in self.rating_counts)

    @property
    def rated_after(self) -> int:
        return sum(r.after for r in self.rating_counts)


def inspections_compare(*, before: Inspection, after: Inspection) -> Comparison:
    """Side by side: counts of each rating, must/should totals, and every rated cell."""
    cells = {
        inspection.pk: {
            (c.core_service.lower(), c.key_question): c for c in inspection.ratings.all()
        }
        for inspection in (before, after)
    }
    counted = {pk: Counter(c.rating for c in grid.values()) for pk, grid in cells.items()}
    rating_counts = [
        CountRow(label, counted[before.pk][value], counted[after.pk][value])
        for value, label in Rating.choices
    ]
    kinds = {
        inspection.pk: Counter(inspection.findings.values_list("kind", flat=True))
        for inspection in (before, after)
    }
    finding_totals = [
        CountRow(label, kinds[before.pk][value], kinds[after.pk][value])
        for value, label in FindingKind.choices
        if kinds[before.pk][value]
        or kinds[after.pk][value]
        or value in (FindingKind.MUST, FindingKind.SHOULD)
    ]
    finding_totals.append(
        CountRow(
            "Must do and should do",
            kinds[before.pk][FindingKind.MUST] + kinds[before.pk][FindingKind.SHOULD],
            kinds[after.pk][FindingKind.MUST] + kinds[after.pk][FindingKind.SHOULD],
        )
    )
    services_seen: dict[str, str] = {"": "Trust overall"}
    for inspection in (before, after):  # the later report's spelling wins
        for key, _question in cells[inspection.pk]:
            if key:
                services_seen[key] = cells[inspection.pk][(key, _question)].core_service
    rows = []
    for key, label in services_seen.items():
        row = CompareRow(
            label,
            [
                CompareCell(
                    getattr(cells[before.pk].get((key, q)), "rating", ""),
                    getattr(cells[after.pk].get((key, q)), "rating", ""),
                )
                for q, _ in RATING_COLUMNS
            ],
        )
        if key == "" or any(c.before or c.after for c in row.cells):
            rows.append(row)
    return Comparison(before, after, rating_counts, finding_totals, rows)


# Findings import --------------------------------------------------------------------------

MAX_HEADER_SEARCH_ROWS = 20
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


def norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().rstrip(":").lower()


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
    top = cells[:MAX_HEADER_SEARCH_ROWS]
    wanted = {norm(h) for h in known_headers if h}
    index = None
    if 0 < header_line <= len(top):
        index = header_line - 1
    elif wanted:
        index = next((i for i, r in enumerate(top) if wanted <= {norm(c) for c in r}), None)
    if index is None:
        index = next((i for i, r in enumerate(top) if sum(1 for c in r if c) >= 2), None)
    if index is None:
        raise ImportFileError(
            "No header row found in the first 20 rows: the file needs a row of column "
            "headings, such as “Action No.”, “Core Service” and “CQC Finding”."
        )
    headers = cells[index]
    while headers and not headers[-1]:
        headers.pop()
    headers = [h or f"Column {_letter(i)}" for i, h in enumerate(headers)]
    rows = [
        (line, row + [""] * (len(headers) - len(row)))
        for line, row in enumerate(cells[index + 1 :], start=index + 2)
        if any(row)
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
        values = {name: raw.get(name, "") for name in FINDING_FIELDS}

        def error(name: str, message: str, line: int = line, raw: dict = raw) -> None:
            report.errors.append(RowError(line, header[name], raw.get(name, ""), message))

        ref = values["ref"]
        if not ref:
            error("ref", "Every finding needs a reference; this one is blank.")
        elif len(ref) > FIELD_LENGTHS["ref"]:
            error("ref", f"A reference has at most {FIELD_LENGTHS['ref']} characters.")
        elif ref.lower() in seen:
            error("ref", f"This reference is also on row {seen[ref.lower()]}.")
        else:
            seen[ref.lower()] = line
        pattern = kind_pattern(values["kind"])
        kind = mapping.kind_values.get(pattern, "")
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
        rows.append((line, values))
    return rows


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
        for line, values in rows:
            finding = existing.get(values["ref"])
            if finding is None:
                report.rows.append(FindingRow(line, values["ref"], "new", values))
                continue
            changes = _changes(finding, values)
            outcome = "update" if changes else "skip"
            report.rows.append(FindingRow(line, values["ref"], outcome, values, changes))
        if dry_run:
            return report
        progress("Saving", 0, 0)
        try:
            with transaction.atomic():
                Finding.objects.bulk_create(
                    Finding(inspection=inspection, **r.values)
                    for r in report.rows
                    if r.outcome == "new"
                )
                for r in report.rows:
                    if r.outcome == "update":
                        finding = existing[r.ref]
                        for name, value in r.values.items():
                            setattr(finding, name, value)
                        finding.save()
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


# Mapping findings onto open actions -------------------------------------------------------


def finding_link(
    *,
    finding: Finding,
    action: Action,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> Action:
    """Record that ``action`` already answers ``finding``; on the action's history."""
    if not action.is_open:
        raise ValidationError(
            f"{action.ref} is complete (Blue): raise a new action for this finding instead."
        )
    current = list(action.findings.all())
    if finding in current:
        return action
    return services.action_edit(
        action=action,
        by=by,
        base_version=None,
        findings=[*current, finding],
        note=f"Answers finding {finding.ref} of {finding.inspection}",
        now=now,
    )


def finding_unlink(
    *,
    finding: Finding,
    action: Action,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> Action:
    current = list(action.findings.all())
    if finding not in current:
        return action
    return services.action_edit(
        action=action,
        by=by,
        base_version=None,
        findings=[f for f in current if f.pk != finding.pk],
        note=f"No longer answers finding {finding.ref} of {finding.inspection}",
        now=now,
    )


def finding_action_raise(
    *,
    finding: Finding,
    plan: Plan,
    by: AbstractBaseUser | None,
    findings: Iterable[Finding] = (),
    now: dt.datetime | None = None,
    **fields: Any,
) -> Action:
    """A new action in ``plan`` answering ``finding``, recorded as raised from it."""
    now = now or timezone.now()
    answers = [finding, *(f for f in findings if f.pk != finding.pk)]
    with transaction.atomic():
        action = services.action_create(plan=plan, by=by, findings=answers, now=now, **fields)
        RaisedAction.objects.create(finding=finding, action=action, raised_by=by, raised_at=now)
    return action


def raise_initial(*, finding: Finding, plan: Plan) -> dict[str, Any]:
    """The new action's form, filled from the finding: the PMO checks it and saves."""
    ref = finding.ref
    if Action.objects.filter(plan=plan, ref=ref).exists():
        year = finding.inspection.published_on.year if finding.inspection.published_on else ""
        ref = f"{finding.ref}/{year}" if year else f"{finding.ref}-new"
    return {
        "ref": ref[: FIELD_LENGTHS["ref"]],
        "department": finding.core_service,
        "kind": finding.kind,
        "requirement": finding.text,
        "findings": [finding],
        "status": Status.WHITE,
    }


EXISTING = "existing"
NEW = "new"
UNMAPPED = "unmapped"
NO_THEME = "No theme"


@dataclass
class FindingMapRow:
    """One finding on the mapping page: the plan's actions it is linked to, and suggestions."""

    finding: Finding
    linked: list[Action]
    raised_here: set[int]  # linked actions raised from this inspection's findings
    suggestions: list[Any] = field(default_factory=list)  # suggest.Suggestion

    @property
    def category(self) -> str:
        if any(a.is_open and a.pk not in self.raised_here for a in self.linked):
            return EXISTING
        if any(a.pk in self.raised_here for a in self.linked):
            return NEW
        return UNMAPPED

    @property
    def theme(self) -> str:
        pool = (
            [a for a in self.linked if a.is_open and a.pk not in self.raised_here]
            if self.category == EXISTING
            else [a for a in self.linked if a.pk in self.raised_here]
        )
        return next((a.theme for a in pool if a.theme), NO_THEME)

    @property
    def linked_ids(self) -> set[int]:
        return {a.pk for a in self.linked}


def mapping_rows(
    *, inspection: Inspection, plan: Plan, finding_ids: Sequence[int] | None = None
) -> list[FindingMapRow]:
    """The inspection's findings with the plan's actions linked to each (three queries)."""
    findings = inspection.findings.prefetch_related(
        Prefetch(
            "actions",
            queryset=Action.objects.filter(plan=plan)
            .select_related("raised_from__finding")
            .order_by("ref", "id"),
            to_attr="plan_actions",
        )
    )
    if finding_ids is not None:
        findings = findings.filter(pk__in=finding_ids)
    findings = sorted(findings, key=finding_order)
    rows = []
    for finding in findings:
        raised_here = set()
        for action in finding.plan_actions:
            raised = getattr(action, "raised_from", None)
            if raised is not None and raised.finding.inspection_id == inspection.pk:
                raised_here.add(action.pk)
        rows.append(FindingMapRow(finding, finding.plan_actions, raised_here))
    return rows


KIND_ORDER = [
    FindingKind.SECTION_31,
    FindingKind.SECTION_29A,
    FindingKind.REGULATORY,
    FindingKind.MUST,
    FindingKind.SHOULD,
]


def finding_order(finding: Finding) -> tuple:
    """Notices, then musts, then shoulds, as reports list them; S2 before S10."""
    natural = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", finding.ref)
        if part
    )
    return (KIND_ORDER.index(FindingKind(finding.kind)), natural, finding.pk)


def open_actions(plan: Plan) -> list[Action]:
    return list(plan.actions.open().order_by("ref", "id"))


def suggestions_attach(rows: list[FindingMapRow], actions: Sequence[Action]) -> str:
    """Fill each row's suggestions in one call to the engine; an explanation if it cannot."""
    from . import suggestions as suggest

    if not rows:
        return ""
    try:
        ranked = suggest.suggestions_for(
            texts=[row.finding.text for row in rows], actions=actions, top=3
        )
    except suggest.ModelMissing as error:
        return str(error)
    for row, suggestions in zip(rows, ranked, strict=True):
        row.suggestions = suggestions
    return ""


@dataclass
class MappingSummary:
    total: int
    existing: int
    new: int
    unmapped: int
    existing_by_theme: list[tuple[str, int]]
    new_by_theme: list[tuple[str, int]]

    @property
    def need_new(self) -> int:
        return self.new + self.unmapped

    @property
    def sentence(self) -> str:
        """Seed 001's way of putting it: "19 of 36 … are currently captured … as open actions"."""
        if not self.total:
            return "This inspection has no findings yet."
        return (
            f"Of the {self.total} finding{'s' if self.total != 1 else ''}, {self.existing} "
            f"{'is' if self.existing == 1 else 'are'} answered by open actions already in the "
            f"plan and {self.need_new} need{'s' if self.need_new == 1 else ''} new actions "
            f"({self.new} raised so far, {self.unmapped} still to map)."
        )


def mapping_summary(rows: Sequence[FindingMapRow]) -> MappingSummary:
    by_theme: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if row.category != UNMAPPED:
            by_theme[row.category][row.theme] += 1
    counts = Counter(row.category for row in rows)

    def ordered(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0] == NO_THEME, item[0]))

    return MappingSummary(
        total=len(rows),
        existing=counts[EXISTING],
        new=counts[NEW],
        unmapped=counts[UNMAPPED],
        existing_by_theme=ordered(by_theme[EXISTING]),
        new_by_theme=ordered(by_theme[NEW]),
    )
