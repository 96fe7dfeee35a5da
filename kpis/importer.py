"""The PMO imports KPI values from a spreadsheet (.xlsx or .csv): preview, then all or nothing.

Columns: the KPI (its ref or its name), the date and the value; a header row names them.
Cells are read by ``actions.importer.read_cells`` (streamed, within its row and column
caps), the header row found by ``actions.importer.header_row_find`` as the plan's is, and
the cells parsed as ``kpis.series`` parses a series. Every row goes through
``services.kpi_value_record``, so a value for a date that already has one replaces it and
the replaced value is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.importer import ImportFileError, header_row_find, norm, read_cells
from actions.models import Plan
from actions.services import PlanReadOnly

from . import services
from .charts import format_number
from .models import Kpi, KpiValue
from .series import parse_date, parse_value

HEADERS = {
    "ref": {"kpi ref", "kpi ref.", "ref", "ref.", "kpi reference", "reference"},
    "name": {"kpi", "kpi name", "name", "indicator", "measure"},
    "date": {"date", "period", "period end", "month", "week ending", "date measured"},
    "value": {"value", "result", "kpi value"},
}


@dataclass(frozen=True)
class ImportRow:
    line: int
    kpi: Kpi
    date: dt.date
    value: float
    current: float | None  # the value recorded for that date now, if any

    @property
    def outcome(self) -> str:
        if self.current is None:
            return "New"
        if self.current == self.value:
            return "Unchanged"
        return f"Replaces {format_number(self.current)}"


@dataclass
class KpiImport:
    filename: str
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, prefix: str) -> int:
        return sum(1 for r in self.rows if r.outcome.startswith(prefix))

    def summary(self) -> str:
        return (
            f"{self.count('New')} new, {self.count('Replaces')} replaced, "
            f"{self.count('Unchanged')} unchanged"
        )


def _columns(row: list[Any]) -> dict[str, int]:
    """The KPI import's fields a row heads: {field: column}."""
    columns: dict[str, int] = {}
    for col, cell in enumerate(row):
        for name, aliases in HEADERS.items():
            if norm(cell) in aliases and name not in columns:
                columns[name] = col
    return columns


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]]:
    index = header_row_find(
        cells,
        lambda row: {"date", "value"} <= _columns(row).keys(),
        needs=". The first rows must name the columns “KPI ref” (or “KPI name”), “Date” "
        "and “Value”.",
    )
    columns = _columns(cells[index])
    if "ref" not in columns and "name" not in columns:
        raise ImportFileError(
            f"Row {index + 1} names the date and value columns but not the KPI: add a "
            "column “KPI ref” or “KPI name”."
        )
    return index, columns


def _date(cell: Any) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    return parse_date(str(cell or ""))


def _value(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    return parse_value(str(cell or ""))


def _cell(row: list[Any], col: int | None) -> Any:
    return row[col] if col is not None and col < len(row) else None


def _shown(cell: Any) -> str:
    return str(cell if cell is not None else "").strip()[:40]


def read_import(*, plan: Plan, data: bytes, filename: str, now: dt.datetime | None = None):
    """What the file would record, row by row, with every problem found (nothing saved)."""
    report = KpiImport(filename)
    if plan.is_closed:
        report.errors.append(str(PlanReadOnly(plan).message))
        return report
    try:
        cells = read_cells(data, filename, what="the KPI values")
        header, columns = _find_header(cells)
    except ImportFileError as error:
        report.errors.append(str(error))
        return report
    kpis = list(Kpi.objects.in_plan(plan))
    by_ref = {k.ref.strip().lower(): k for k in kpis if k.ref.strip()}
    by_name = {k.name.strip().lower(): k for k in kpis}
    current = {
        (v.kpi_id, v.date): v.value for v in KpiValue.objects.filter(kpi__plan=plan).only(
            "kpi_id", "date", "value"
        )
    }  # fmt: skip
    seen: dict[tuple[int, dt.date], int] = {}
    for index, row in enumerate(cells[header + 1 :], start=header + 2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        ref, name = _cell(row, columns.get("ref")), _cell(row, columns.get("name"))
        kpi = by_ref.get(_shown(ref).lower()) or by_name.get(_shown(name).lower())
        date_cell, value_cell = _cell(row, columns["date"]), _cell(row, columns["value"])
        date, value = _date(date_cell), _value(value_cell)
        problems = _kpi_problems(kpi, ref, name)
        problems += _date_problems(date, date_cell, plan=plan, now=now)
        if value is None:
            problems.append(f"“{_shown(value_cell)}” is not a number")
        if kpi is not None and date is not None:
            earlier = seen.setdefault((kpi.pk, date), index)
            if earlier != index:
                problems.append(f"row {earlier} already gives {kpi} a value for {date:%d/%m/%Y}")
        if problems:
            report.errors.append(f"Row {index}: " + "; ".join(problems) + ".")
            continue
        report.rows.append(ImportRow(index, kpi, date, value, current.get((kpi.pk, date))))
    if not report.rows and not report.errors:
        report.errors.append("The file has a header row but no values under it.")
    return report


def _kpi_problems(kpi: Kpi | None, ref: Any, name: Any) -> list[str]:
    if kpi is not None:
        return []
    which = " / ".join(x for x in (_shown(ref), _shown(name)) if x) or "(blank)"
    return [
        f"no KPI “{which}” in this plan; use a KPI's ref or its name exactly as the "
        "KPI list shows it"
    ]


def _date_problems(
    date: dt.date | None, cell: Any, *, plan: Plan, now: dt.datetime | None
) -> list[str]:
    if date is None:
        return [f"“{_shown(cell)}” is not a date (write it as 30/04/2026)"]
    try:
        services.check_date(plan=plan, date=date, now=now)
    except ValidationError as error:
        return [" ".join(error.messages).rstrip(".")]
    return []


def kpi_values_import(
    *, plan: Plan, data: bytes, filename: str, by, now: dt.datetime | None = None
) -> KpiImport:
    """Record every value of the file, or none of them if any row has a problem."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)  # closed meanwhile?
        report = read_import(plan=plan, data=data, filename=filename, now=now)
        if not report.ok:
            return report
        for row in report.rows:
            services.kpi_value_record(
                kpi=row.kpi, date=row.date, value=row.value, by=by, now=now, source=filename
            )
    return report
