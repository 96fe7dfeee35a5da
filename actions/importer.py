"""Import a plan from the trust's own spreadsheet (.xlsx or .csv), all or nothing.

Spreadsheets arrive as trusts keep them: a title row and blank rows above the header,
headers such as "Ref.", "Must do / should do", "RAGB", "Exec lead"; dates as ``30/06/19``,
``30.09.19`` or real spreadsheet dates; two exec leads as ``DOps/MD`` or ``DOps DWOD``.
django-import-export does the row loop, the diff and the rollback; each row is saved
through ``actions.services`` so history and rules hold as for any other change.

Blue is not the importer's to give: only the first import into an empty plan (a legacy
plan brought in) may bring actions in Blue, recorded as closed before this plan was
imported. Later, a row that would make an action Blue or take it out of Blue is an error.
Files are read within ``IMPORT_MAX_ROWS`` by ``IMPORT_MAX_COLUMNS`` whatever they claim.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import tablib
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from import_export import fields as ie_fields
from import_export import resources, widgets

from improvement import text as typed

from . import hooks, services
from .models import (
    Action,
    BaselineDate,
    ExecRole,
    Finding,
    FindingKind,
    Plan,
    PlanEvent,
    Status,
)

MAX_HEADER_SEARCH_ROWS = 20
# The preview warns loudly when an import moves this many end dates earlier, or more than
# this share of the actions the file matches: a plan's deadlines quietly pulled in.
EARLIER_END_DATES_WARN_COUNT = 5
EARLIER_END_DATES_WARN_SHARE = 0.10
BLUE_ONLY_BY_SIGN_OFF = "an action becomes Blue only when its closure is signed off"

# Canonical field → the ways trusts write its header (compared after norm()).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "ref.", "ref no", "reference", "action ref", "action no", "action no.", "no."),
    "theme": ("theme", "workstream", "improvement group"),
    "department": ("dept", "department", "core service", "division", "service", "directorate"),
    "kind": (
        "must do / should do",
        "must do/should do",
        "must / should",
        "must/should",
        "must or should",
        "finding kind",
        "kind",
        "type",
        "category",
    ),
    "requirement": (
        "requirement and actions",
        "requirement",
        "requirements",
        "action",
        "actions",
        "cqc finding",
        "finding",
        "description",
    ),
    "status": ("ragb", "rag", "ragb status", "rag status", "status", "rag rating"),
    "exec_roles": ("exec lead", "exec leads", "executive lead", "executive leads", "exec"),
    "action_lead": ("action lead", "lead", "action owner", "owner"),
    "start_date": ("start date", "start", "date started"),
    "end_date": ("end date", "end", "due date", "target date", "completion date", "due"),
}
REQUIRED = ("ref", "kind", "requirement")
COLUMN_NAMES = {
    "ref": "Ref.",
    "theme": "Theme",
    "department": "Dept",
    "kind": "Must do / should do",
    "requirement": "Requirement and actions",
    "status": "RAGB",
    "exec_roles": "Exec lead",
    "action_lead": "Action lead",
    "start_date": "Start date",
    "end_date": "End date",
}


def norm(text: Any) -> str:
    """A cell as headings and codes are compared: spaces made one, no colon after, lower case."""
    return re.sub(r"\s+", " ", str(text or "")).strip().rstrip(":").lower()


_ALIAS_LOOKUP = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong type, no header, missing columns."""


@dataclass
class RowError:
    line: int  # the row number the PMO sees in their spreadsheet
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.line}"
        if self.column:
            where += f", column “{self.column}”"
        if self.value:
            where += f", value “{self.value}”"
        return f"{where}: {self.message}"


@dataclass
class RowOutcome:
    line: int
    ref: str
    outcome: str  # "new", "update", "skip"
    changes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class EndDateMove:
    line: int
    ref: str
    before: dt.date
    after: dt.date


@dataclass
class ImportTally:
    """What an import did or would do, row by row: the plan's and the findings' alike."""

    rows: list = field(default_factory=list)  # each with an ``outcome``: new, update, skip
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("new")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("skip")

    def summary(self) -> str:
        return f"{self.created} new, {self.updated} changed, {self.unchanged} unchanged"


@dataclass
class ImportReport(ImportTally):
    rows: list[RowOutcome] = field(default_factory=list)
    new_exec_roles: list[str] = field(default_factory=list)
    header_line: int = 0
    earlier_end_dates: list[EndDateMove] = field(default_factory=list)

    @property
    def matched(self) -> int:
        """Rows that match an action already in the plan."""
        return self.updated + self.unchanged

    @property
    def warn_earlier_end_dates(self) -> bool:
        moved = len(self.earlier_end_dates)
        return moved >= EARLIER_END_DATES_WARN_COUNT or (
            moved > 0 and moved > EARLIER_END_DATES_WARN_SHARE * self.matched
        )

    def summary(self) -> str:
        return (
            super().summary()
            + (f"; new exec roles: {', '.join(self.new_exec_roles)}" if self.new_exec_roles else "")
            + (
                f"; {len(self.earlier_end_dates)} end date"
                f"{'s' if len(self.earlier_end_dates) != 1 else ''} earlier"
                if self.earlier_end_dates
                else ""
            )
        )


# What the worker reports as it goes: (step, rows done, rows in all), e.g. ("Reading the
# file", 1200, 4000). Called often; the receiver decides how often to pass it on.
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    pass


def report_as_json(report: ImportTally) -> dict[str, Any]:
    """A preview or outcome as JSON, kept on the import job between requests."""
    return json.loads(json.dumps(dataclasses.asdict(report), cls=DjangoJSONEncoder))


def plan_report_from_json(data: dict[str, Any]) -> ImportReport:
    return ImportReport(
        rows=[RowOutcome(**r) for r in data["rows"]],
        errors=[RowError(**e) for e in data["errors"]],
        dry_run=data["dry_run"],
        new_exec_roles=data["new_exec_roles"],
        header_line=data["header_line"],
        earlier_end_dates=[
            EndDateMove(
                line=m["line"],
                ref=m["ref"],
                before=dt.date.fromisoformat(m["before"]),
                after=dt.date.fromisoformat(m["after"]),
            )
            for m in data["earlier_end_dates"]
        ],
    )


# Reading the file ----------------------------------------------------------------------


def read_cells(data: bytes, filename: str, *, what: str = "the plan") -> list[list[Any]]:
    """The cells of a .csv or .xlsx file (its first sheet); ``what`` names it in errors.

    Rows are streamed and kept only up to ``IMPORT_MAX_ROWS`` by ``IMPORT_MAX_COLUMNS``:
    a file with anything past either is refused, whatever size its sheet claims to be.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - cp1252 decodes almost anything
            raise ImportFileError("The CSV file's text encoding is not readable; save it as UTF-8.")
        if "\x00" in text:
            raise ImportFileError(f"This is not a CSV text file. Upload {what} as .xlsx or .csv.")
        # No control or invisible characters come in; exports/plan_export.py guards a formula
        # in a CSV with a leading apostrophe: taken off again.
        return [[typed.csv_uncell(typed.clean(c)) for c in r] for r in _bounded(_csv_rows(text))]
    if suffix == ".xlsx":
        _check_unpacked_size(data)
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a bad file
            raise ImportFileError(
                "This file is not a readable Excel workbook (.xlsx). "
                "Open it in Excel and save it again as .xlsx, or save it as .csv."
            ) from error
        try:
            # Bounded by the caps, never by the sheet's own <dimension>, which may claim
            # A1:XFD1048576. One column and a margin of rows past the caps are read so that
            # a plan just over them is refused (see _bounded); further out is not read.
            rows = book.worksheets[0].iter_rows(
                max_row=settings.IMPORT_MAX_ROWS + XLSX_ROWS_CHECKED_PAST_CAP,
                max_col=settings.IMPORT_MAX_COLUMNS + 1,
                values_only=True,
            )
            return [
                [typed.clean(c) if isinstance(c, str) else c for c in r] for r in _bounded(rows)
            ]
        except ImportFileError:
            raise
        except Exception as error:  # a sheet that breaks partway through
            raise ImportFileError(
                "This workbook's first sheet could not be read to the end. "
                "Open it in Excel and save it again as .xlsx, or save it as .csv."
            ) from error
        finally:
            book.close()
    raise ImportFileError(
        f"“{filename}” is not a spreadsheet we can read. Upload {what} as .xlsx or .csv."
    )


# Rows read past the row cap of an .xlsx to find data that is over it; beyond these the
# sheet is not read at all, so a far-away row costs nothing.
XLSX_ROWS_CHECKED_PAST_CAP = 1_000


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook that unpacks to far more than any plan (a "zip bomb")."""
    limit = settings.IMPORT_MAX_XLSX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: openpyxl says it is not a readable workbook
    if unpacked > limit:
        raise ImportFileError(
            f"This workbook unpacks to more than {limit // (1024 * 1024):,} MB, far more than "
            "a plan needs. Copy just the plan's rows into a new workbook, or save it as .csv."
        )


def _csv_rows(text: str):
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise ImportFileError(
                    f"Row {reader.line_num} has a cell longer than "
                    f"{csv.field_size_limit():,} characters, more than any plan or finding "
                    "needs. Check the file is the right one, and shorten that cell."
                ) from error
            raise ImportFileError(
                f"Row {reader.line_num} of the CSV file cannot be read ({error}). "
                "Open it in Excel and save it again as CSV, or upload it as .xlsx."
            ) from error
        yield row


def _bounded(rows) -> list[list[Any]]:
    """Rows up to the last filled one, refused past the row and column caps."""
    max_rows, max_columns = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS
    kept: list[list[Any]] = []
    blanks = 0
    for number, row in enumerate(rows, start=1):
        if _is_blank(row):
            blanks += 1
            continue
        if number > max_rows:
            raise ImportFileError(
                f"The file has more than {max_rows:,} rows, more than any plan needs. "
                "Check it is the right file; if it is, delete the rows below the plan "
                "(or split it) and upload it again."
            )
        if len(row) > max_columns and not _is_blank(row[max_columns:]):
            raise ImportFileError(
                f"The file has more than {max_columns:,} columns (row {number} has something "
                f"in column {max_columns + 1:,} or beyond). Delete the columns to the right "
                "of the plan and upload it again."
            )
        kept.extend([] for _ in range(blanks))
        blanks = 0
        kept.append(list(row[:max_columns]))
    return kept


def _same_text(before: Any, after: Any) -> bool:
    """Text that differs only in spacing, line endings or characters that show nothing
    (what an export takes out) is the same text."""
    return " ".join(typed.clean(str(before or "")).split()) == " ".join(
        typed.clean(str(after or "")).split()
    )


def _is_blank(row: list[Any]) -> bool:
    return all(c is None or str(c).strip() == "" for c in row)


# Finding the header row ------------------------------------------------------------------
# Trusts put titles, notes and blank rows above their headings: every import looks for the
# header among the first rows, the same way.


def header_row_find(
    cells: Sequence[Sequence[Any]], *tests: Callable[[Sequence[Any]], bool], needs: str
) -> int:
    """The index of the header row among the first ``MAX_HEADER_SEARCH_ROWS`` rows.

    The first row that passes the first test; failing that, the first that passes the
    second, and so on. When none does, the error ends with ``needs``: what the header holds.
    """
    top = cells[:MAX_HEADER_SEARCH_ROWS]
    for test in tests:
        for index, row in enumerate(top):
            if test(row):
                return index
    raise ImportFileError(f"No header row found in the first {MAX_HEADER_SEARCH_ROWS} rows{needs}")


def rows_under_header(cells: Sequence[list[Any]], index: int) -> list[tuple[int, list[Any]]]:
    """The rows under the header at ``index``, numbered as the spreadsheet numbers them;
    blank rows left out."""
    return [
        (line, row)
        for line, row in enumerate(cells[index + 1 :], start=index + 2)
        if not _is_blank(row)
    ]


def _plan_columns(
    row: Sequence[Any], extra: Sequence[hooks.PlanColumn] = ()
) -> dict[str, tuple[int, str]]:
    """The plan's fields a row heads: {field: (column, header as written)}.

    The ``extra`` columns of the apps above come first: a plan with workstreams reads a
    "Workstream" heading as its workstream, not (as a plan without reads it) its theme.
    """
    lookup = {**_ALIAS_LOOKUP, **{norm(a): c.key for c in extra for a in (c.header, *c.aliases)}}
    found: dict[str, tuple[int, str]] = {}
    for col, value in enumerate(row):
        name = lookup.get(norm(value))
        if name and name not in found:
            found[name] = (col, str(value).strip())
    return found


def _heads_a_plan(row: Sequence[Any], extra: Sequence[hooks.PlanColumn] = ()) -> bool:
    found = _plan_columns(row, extra)
    return "ref" in found and len(found) >= 3


def plan_columns_of(plan: Plan) -> list[hooks.PlanColumn]:
    """The columns the apps above add to this plan's spreadsheet (the workstream)."""
    return [column for columns in hooks.plan_columns.values() for column in columns(plan=plan)]


def read_plan_table(
    data: bytes, filename: str, extra: Sequence[hooks.PlanColumn] = ()
) -> tuple[int, dict[str, str], list[tuple]]:
    """Find the header row and return (header line, {field: header as written}, rows)."""
    cells = read_cells(data, filename)
    index = header_row_find(
        cells,
        lambda row: _heads_a_plan(row, extra),
        needs=". The plan needs columns such as “Ref.”, “Theme”, “Must do / should do”, "
        "“Requirement and actions”, “RAGB”, “Exec lead”, “Start date” and “End date”.",
    )
    found = _plan_columns(cells[index], extra)
    missing = [COLUMN_NAMES[r] for r in REQUIRED if r not in found]
    if missing:
        raise ImportFileError(
            f"The header on row {index + 1} has no column for {', '.join(missing)}."
        )
    rows = [
        (line, {n: values[c] if c < len(values) else None for n, (c, _) in found.items()})
        for line, values in rows_under_header(cells, index)
    ]
    return index + 1, {n: header for n, (_c, header) in found.items()}, rows


# Widgets: one cell each ----------------------------------------------------------------


class TrustDateWidget(widgets.Widget):
    FORMATS = ("%d/%m/%y", "%d/%m/%Y", "%d.%m.%y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y", "%d-%m-%y")

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        if re.fullmatch(r"\d{5}(\.0)?", text):  # a spreadsheet serial date kept as text
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError("Not a date we can read. Write it as DD/MM/YY, e.g. 30/06/19.")

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%y") if value else ""


class KindWidget(widgets.Widget):
    WORDS = {
        FindingKind.MUST: ("must do", "must", "m"),
        FindingKind.SHOULD: ("should do", "should", "s"),
        FindingKind.REGULATORY: (
            "regulatory",
            "regulatory requirement",
            "regulatory requirement notice",
            "requirement notice",
            "regulatory action",
        ),
        FindingKind.SECTION_29A: (
            "section 29a",
            "s29a",
            "warning notice",
            "section 29a warning notice",
        ),
        FindingKind.SECTION_31: ("section 31", "s31", "condition", "section 31 condition"),
    }
    LOOKUP = {w: k.value for k, words in WORDS.items() for w in words}

    def clean(self, value, row=None, **kwargs):
        kind = self.LOOKUP.get(norm(value))
        if not kind:
            raise ValueError(
                "Write Must do, Should do, Regulatory, Section 29A or Section 31."
                if str(value or "").strip()
                else "This column must not be blank: write Must do or Should do."
            )
        return kind

    def render(self, value, obj=None, **kwargs):
        return FindingKind(value).label if value else ""


class StatusWidget(widgets.Widget):
    LOOKUP = {
        **{s.value.lower(): s.value for s in Status},
        **{s.label.lower(): s.value for s in Status},
        "complete": Status.BLUE.value,
        "completed": Status.BLUE.value,
        "": Status.WHITE.value,
    }

    def clean(self, value, row=None, **kwargs):
        status = self.LOOKUP.get(norm(value))
        if status is None:
            raise ValueError("Write R, A, G, B or W (Red, Amber, Green, Blue or White).")
        return status

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return re.sub(r"[ \t]+", " ", typed.clean(str(value or ""))).strip()


def split_exec_codes(value: Any) -> list[str]:
    """``DOps/MD``, ``DOps DWOD``, ``CE, DoN``, ``DoN & MD`` → codes, in order."""
    return [c for c in re.split(r"\s*(?:/|,|&|\band\b|\s)\s*", str(value or "").strip()) if c]


# The resource --------------------------------------------------------------------------


class PlanResource(resources.ModelResource):
    ref = ie_fields.Field(attribute="ref", column_name="ref", widget=TextWidget())
    theme = ie_fields.Field(attribute="theme", column_name="theme", widget=TextWidget())
    department = ie_fields.Field(
        attribute="department", column_name="department", widget=TextWidget()
    )
    kind = ie_fields.Field(attribute="kind", column_name="kind", widget=KindWidget())
    requirement = ie_fields.Field(
        attribute="requirement", column_name="requirement", widget=TextWidget()
    )
    status = ie_fields.Field(attribute="status", column_name="status", widget=StatusWidget())
    start_date = ie_fields.Field(
        attribute="start_date", column_name="start_date", widget=TrustDateWidget()
    )
    end_date = ie_fields.Field(
        attribute="end_date", column_name="end_date", widget=TrustDateWidget()
    )

    class Meta:
        model = Action
        import_id_fields = ("ref",)
        fields = (
            "ref",
            "theme",
            "department",
            "kind",
            "requirement",
            "status",
            "start_date",
            "end_date",
        )
        skip_unchanged = True
        skip_diff = True
        clean_model_instances = True

    def __init__(
        self,
        *,
        plan: Plan,
        by,
        report: ImportReport,
        lines: list[int],
        now,
        filename: str,
        progress: Progress = no_progress,
        step: str = "Reading the file",
        extra: Sequence[hooks.PlanColumn] = (),
    ):
        super().__init__()
        self.plan = plan
        # The columns of the apps above (the workstream), by their key in a row.
        self.extra = {column.key: column for column in extra}
        self.progress = progress
        self.step = step
        self.filename = filename
        # Each action's status before this import: Blue may not be made or unmade by it.
        self.statuses = dict(Action.objects.filter(plan=plan).values_list("pk", "status"))
        # Only the first import into an empty plan (a legacy plan brought in) may bring
        # actions in Blue: they were closed before the plan was imported.
        self.first_import = not self.statuses
        # The end date and scope of each action in the plan's baseline: an import may not
        # change them, only an approved change request does.
        self.baselined = {
            pk: (end, scope)
            for pk, end, scope in Action.objects.filter(
                plan=plan, baseline_dates__in=BaselineDate.objects.in_force(plan.pk)
            ).values_list("pk", "end_date", "requirement")
        }
        self.by = by
        self.report = report
        self.lines = lines
        self.now = now
        self.role_cache = {r.code.lower(): r for r in ExecRole.objects.all()}
        self.pending: dict[int, dict[str, Any]] = {}

    def get_queryset(self):
        return Action.objects.filter(plan=self.plan)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        self.progress(self.step, kwargs["row_number"], len(self.lines))
        return result

    def init_instance(self, row=None):
        return Action(plan=self.plan)

    # Cells with no model attribute of their own ---------------------------------------

    def _exec_roles(self, row) -> list[ExecRole] | None:
        if "exec_roles" not in row:
            return None
        roles = []
        for code in split_exec_codes(row["exec_roles"]):
            role = self.role_cache.get(code.lower())
            if role is None:
                role = ExecRole.objects.create(code=code)
                self.role_cache[code.lower()] = role
                self.report.new_exec_roles.append(code)
            roles.append(role)
        return roles

    def _action_lead(self, row):
        text = str(row.get("action_lead") or "").strip()
        if not text:
            return None
        user_model = get_user_model()
        parts = text.split()
        name_match = (
            Q(first_name__iexact=parts[0], last_name__iexact=" ".join(parts[1:]))
            if len(parts) > 1
            else Q(pk__in=[])
        )
        matches = list(
            user_model.objects.filter(
                Q(username__iexact=text) | Q(email__iexact=text) | name_match
            )[:2]
        )
        if len(matches) != 1:
            raise ValueError(
                "No single user has this username, email or name. "
                "Add them first, or leave the cell blank and assign the lead in the app."
            )
        return matches[0]

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except Exception as error:  # ValidationError from the cells above
            errors.update(getattr(error, "error_dict", {}))
        extra: dict[str, Any] = {}
        try:
            extra["action_lead"] = self._action_lead(row)
        except ValueError as error:
            errors["action_lead"] = [str(error)]
        extra["exec_roles"] = self._exec_roles(row)
        for key, column in self.extra.items():
            text = TextWidget().clean(row.get(key)) if key in row else ""
            if not text:
                continue  # blank: the action keeps what it has
            try:
                extra[key] = column.clean(text)
            except ValueError as error:
                errors[key] = [str(error)]
        self.pending[id(instance)] = extra
        if "status" in row and "status" not in errors:
            refused = self._blue_refused(instance)
            if refused:
                errors["status"] = [refused]
        for name, refused in self._baseline_refused(instance, row).items():
            errors.setdefault(name, []).append(refused)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)

    def _baseline_refused(self, instance: Action, row) -> dict[str, str]:
        """Why this row may not move a baselined action's end date or change its scope."""
        held = self.baselined.get(instance.pk) if instance.pk else None
        if held is None:
            return {}
        end, scope = held
        refused = {}
        if "end_date" in row and instance.end_date != end:
            refused["end_date"] = (
                f"{instance.ref} is in the plan's baseline: its end date changes only through "
                "an approved change request (raise one from the action's page). Write "
                f"{end:%d/%m/%Y} in the file as the plan has it."
                if end
                else f"{instance.ref} is in the plan's baseline: its end date changes only "
                "through an approved change request (raise one from the action's page)."
            )
        if "requirement" in row and not _same_text(instance.requirement, scope):
            refused["requirement"] = (
                f"{instance.ref} is in the plan's baseline: its scope (requirement and actions) "
                "changes only through an approved change request (raise one from the action's "
                "page). Keep the text the plan has."
            )
        return refused

    def _blue_refused(self, instance: Action) -> str:
        """Why this row may not make the action Blue or take it out of Blue, if it may not."""
        before = self.statuses.get(instance.pk) if instance.pk else None
        after = instance.status
        if before is None:
            if after == Status.BLUE and not self.first_import:
                return (
                    f"{instance.ref} is new: {BLUE_ONLY_BY_SIGN_OFF}. Import it with the status "
                    "it has now (R, A, G or W) and request its closure from the action's page. "
                    "(Only the first import into an empty plan brings actions in Blue, as "
                    "closed before the plan was imported.)"
                )
            return ""
        if before != Status.BLUE and after == Status.BLUE:
            return (
                f"{instance.ref} is {Status(before).label} in the plan: {BLUE_ONLY_BY_SIGN_OFF}. "
                f"Write {before} in the file as the plan has it, and request closure from "
                "the action's page."
            )
        if before == Status.BLUE and after != Status.BLUE:
            return (
                f"{instance.ref} is Blue (complete) in the plan: an import cannot change that, "
                f"because {BLUE_ONLY_BY_SIGN_OFF}. To change it, re-open it from the action's "
                "page (with a reason), then import the file again; or write B in the file."
            )
        return ""

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        current = Action.objects.prefetch_related("exec_roles").get(pk=instance.pk)
        return not self._changes(current, instance)

    def _changes(self, current: Action, incoming: Action) -> dict[str, list[str]]:
        changes: dict[str, list[str]] = {}
        for name in self._meta.fields:
            before, after = getattr(current, name), getattr(incoming, name)
            if name not in self._imported_columns:
                continue
            widget = self.fields[name].widget
            if isinstance(widget, TextWidget) and _same_text(before, after):
                continue
            if before != after:
                changes[COLUMN_NAMES[name]] = [
                    widget.render(before) if not isinstance(widget, TextWidget) else before,
                    widget.render(after) if not isinstance(widget, TextWidget) else after,
                ]
        extra = self.pending.get(id(incoming), {})
        roles = extra.get("exec_roles")
        if roles is not None and {r.pk for r in current.exec_roles.all()} != {r.pk for r in roles}:
            changes["Exec lead"] = [current.exec_lead_label, "/".join(r.code for r in roles)]
        lead = extra.get("action_lead")
        if lead is not None and current.action_lead_id != lead.pk:
            changes["Action lead"] = [str(current.action_lead or ""), str(lead)]
        for key, column in self.extra.items():
            value, before = extra.get(key), column.values.get(current.pk, "")
            if value is not None and value != before:
                changes[column.header] = [before, value]
        return changes

    def _save_extra(self, action: Action, extra: dict[str, Any]) -> None:
        """Each column of the apps above whose value this row changes, through their service."""
        for key, column in self.extra.items():
            value = extra.get(key)
            if value is not None and value != column.values.get(action.pk, ""):
                column.save(action=action, value=value, by=self.by, now=self.now)

    def before_import(self, dataset, **kwargs):
        self._imported_columns = set(dataset.headers)

    def save_instance(self, instance, is_create, row, **kwargs):
        line = self.lines[kwargs["row_number"] - 1]
        extra = self.pending.pop(id(instance), {})
        values = {name: getattr(instance, name) for name in self._meta.fields if name in row}
        if extra.get("action_lead") is not None:
            values["action_lead"] = extra["action_lead"]
        if is_create:
            findings = self._findings_for(values)
            closed = values.get("status") == Status.BLUE and self.first_import
            created = services.action_create(
                plan=self.plan,
                by=self.by,
                exec_roles=extra.get("exec_roles") or [],
                findings=findings,
                closed_before_import=(
                    f"Blue in {self.filename}, the plan's first import: closed before this "
                    "plan was imported. No closure request, evidence or sign-off is recorded "
                    "here."
                    if closed
                    else ""
                ),
                now=self.now,
                **values,
            )
            instance.pk = created.pk
            self._save_extra(created, extra)
            self.report.rows.append(RowOutcome(line=line, ref=created.ref, outcome="new"))
        else:
            current = Action.objects.prefetch_related("exec_roles").get(pk=instance.pk)
            text = {n for n, f in self.fields.items() if isinstance(f.widget, TextWidget)}
            values = {
                n: v
                for n, v in values.items()
                if n not in text or not _same_text(getattr(current, n), v)
            }
            self.pending[id(instance)] = extra
            changes = self._changes(current, instance)
            self.pending.pop(id(instance), None)
            services.action_import_edit(
                action=current,
                by=self.by,
                exec_roles=extra.get("exec_roles"),
                now=self.now,
                **values,
            )
            self._save_extra(current, extra)
            end = values.get("end_date")
            if current.end_date and end and end < current.end_date:
                self.report.earlier_end_dates.append(
                    EndDateMove(line=line, ref=current.ref, before=current.end_date, after=end)
                )
            self.report.rows.append(
                RowOutcome(line=line, ref=current.ref, outcome="update", changes=changes)
            )

    def save_m2m(self, instance, row, **kwargs):
        """Exec leads and findings were saved by the service with the row."""

    def after_import_row(self, row, row_result, **kwargs):
        if row_result.import_type == row_result.IMPORT_TYPE_SKIP:
            line = self.lines[kwargs["row_number"] - 1]
            self.report.rows.append(RowOutcome(line=line, ref=str(row.get("ref")), outcome="skip"))
            self.pending.clear()

    def _findings_for(self, values: dict[str, Any]) -> list[Finding]:
        """The finding a new action answers: the inspection's finding of the same ref."""
        inspection = self.plan.inspection
        if inspection is None:
            return []
        regulation = re.search(r"Regulations? [\d][\w ()&,]*", values.get("requirement", ""))
        finding, _ = Finding.objects.get_or_create(
            inspection=inspection,
            ref=values["ref"],
            defaults={
                "kind": values["kind"],
                "core_service": values.get("department", ""),
                "text": values.get("requirement", ""),
                "regulation": regulation.group(0).strip() if regulation else "",
            },
        )
        return [finding]


def plan_import(
    *,
    plan: Plan,
    data: bytes,
    filename: str,
    by=None,
    dry_run: bool = True,
    now=None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Preview (``dry_run``) or apply a plan file. Any error: nothing is saved.

    ``progress`` hears each row as it is checked, then (applying) as it is saved.
    """
    now = now or timezone.now()
    progress("Reading the file", 0, 0)
    report = ImportReport(dry_run=dry_run)
    try:
        services.plan_ensure_writable(plan)
    except services.PlanReadOnly as error:
        report.errors.append(RowError(line=0, column="", value="", message=error.message))
        return report
    try:
        extra = plan_columns_of(plan)
        header_line, headers, rows = read_plan_table(data, filename, extra)
    except ImportFileError as error:
        report.errors.append(RowError(line=0, column="", value="", message=str(error)))
        return report
    report.header_line = header_line

    report.errors.extend(_ref_errors(rows, headers))
    if report.errors:
        return report

    dataset = tablib.Dataset(headers=list(headers))
    for _line, values in rows:
        dataset.append([values[n] for n in headers])
    lines = [line for line, _ in rows]

    def resource(step: str) -> PlanResource:
        return PlanResource(
            plan=plan,
            by=by,
            report=report,
            lines=lines,
            now=now,
            filename=filename,
            progress=progress,
            step=step,
            extra=extra,
        )

    with transaction.atomic():
        # One import of a plan at a time: whether it is the plan's first import (which may
        # bring Blue actions in) is decided under this lock.
        list(Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk"))
        result = resource("Reading the file" if dry_run else "Checking the file again").import_data(
            dataset, dry_run=True, use_transactions=True, raise_errors=False
        )
        report.errors.extend(_result_errors(result, dataset=dataset, headers=headers, lines=lines))
        report.rows.sort(key=lambda r: r.line)
        report.errors.sort(key=lambda e: e.line)
        report.earlier_end_dates.sort(key=lambda m: m.line)
        if report.ok and not dry_run:
            # The preview ran inside import_data's own rolled-back transaction; apply for real.
            report.rows.clear()
            report.new_exec_roles.clear()
            report.earlier_end_dates.clear()
            resource("Saving").import_data(
                dataset,
                dry_run=False,
                use_transactions=True,
                raise_errors=True,
                rollback_on_validation_errors=True,
            )
            report.rows.sort(key=lambda r: r.line)
            PlanEvent.objects.create(
                plan=plan,
                actor=by,
                at=now,
                kind=PlanEvent.Kind.IMPORTED,
                detail=f"{filename}: {report.summary()}",
            )
    report.dry_run = dry_run
    return report


def _ref_errors(rows: list, headers: dict[str, str]) -> list[RowError]:
    """Every row needs a Ref., and no two the same (case aside)."""
    errors = []
    seen: dict[str, int] = {}
    for line, values in rows:
        ref = str(values.get("ref") or "").strip()
        if not ref:
            errors.append(
                RowError(line, headers["ref"], "", "Every action needs a Ref.; this one is blank.")
            )
        elif ref.lower() in seen:
            errors.append(
                RowError(
                    line, headers["ref"], ref, f"This Ref. is also on row {seen[ref.lower()]}."
                )
            )
        else:
            seen[ref.lower()] = line
    return errors


def _result_errors(
    result, *, dataset: tablib.Dataset, headers: dict[str, str], lines: list[int]
) -> list[RowError]:
    """The checking run's refusals, each on its line and column with the value given."""
    names = list(headers)
    errors = []
    for invalid in result.invalid_rows:
        line = lines[invalid.number - 1]
        for attribute, messages in invalid.error_dict.items():
            column = headers.get(attribute, "")
            value = (
                dataset[invalid.number - 1][names.index(attribute)] if attribute in names else ""
            )
            for message in messages:
                errors.append(
                    RowError(line, column, "" if value is None else str(value), _tidy(message))
                )
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(RowError(lines[number - 1], "", "", f"Could not be saved: {error.error}"))
    return errors


def _tidy(message: str) -> str:
    return message.replace("Constraint “", "Rule “")
