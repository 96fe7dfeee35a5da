"""The plan as the PMO filtered it, downloaded as Excel (.xlsx) or CSV.

The first ten columns are the importer's own (``importer.COLUMN_NAMES``), then those the apps
above add through ``hooks.plan_columns`` (the workstream), written the way
it reads them, so a downloaded file uploaded to the same plan changes nothing. The
columns after them (the latest update, findings, the lead's name) are for reading; the
importer passes over them.

Every text cell goes through ``improvement.text`` (``cells.py``): control and invisible
format characters come out first, then a cell that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``, also after spaces, or a tab or carriage return first) is kept
as text: in Excel the cell is typed as text with a quote prefix; in CSV the text gets a
leading apostrophe, which the importer takes off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from improvement.people import display_name

from .. import services
from ..filters import SORTS, ActionFilter
from ..importer import COLUMN_NAMES, KindWidget, plan_columns_of
from ..models import Action, Plan, Status, WeeklyUpdate
from .cells import DATE_FORMAT, DATETIME_FORMAT, HEADER_FILL, csv_cell, xlsx_value

# RAGB fills, in NHS identity colours, with a text colour that reads on each.
STATUS_FILLS = {
    Status.RED: ("DA291C", "FFFFFF"),
    Status.AMBER: ("FFB81C", "000000"),
    Status.GREEN: ("009639", "FFFFFF"),
    Status.BLUE: ("005EB8", "FFFFFF"),
    Status.WHITE: ("FFFFFF", "000000"),
}
WIDE = 60  # the widest column, wrapped: requirement and narrative
NARROW = 8
# The rows are one named Excel table: Power Query (Power BI, Excel's Get Data) refreshes it
# by this name. The table carries its own filter buttons.
TABLE_NAME = "ImprovementPlan"


@dataclass(frozen=True)
class Column:
    header: str
    width: int | None = None  # None: fitted to the longest value, up to WIDE
    wrap: bool = False
    status: bool = False  # filled in its RAGB colour


IMPORTED = ("ref", "theme", "department", "kind", "requirement", "status")
IMPORTED += ("exec_roles", "action_lead", "start_date", "end_date")
COLUMNS = [
    Column(COLUMN_NAMES["ref"]),
    Column(COLUMN_NAMES["theme"]),
    Column(COLUMN_NAMES["department"]),
    Column(COLUMN_NAMES["kind"]),
    Column(COLUMN_NAMES["requirement"], width=WIDE, wrap=True),
    Column(COLUMN_NAMES["status"], width=10, status=True),
    Column(COLUMN_NAMES["exec_roles"]),
    Column(COLUMN_NAMES["action_lead"]),
    Column(COLUMN_NAMES["start_date"], width=12),
    Column(COLUMN_NAMES["end_date"], width=12),
    Column("Action lead name"),
    Column("Findings answered"),
    Column("Latest update for"),
    Column("Latest update RAGB", width=10, status=True),
    Column("Latest update narrative", width=WIDE, wrap=True),
    Column("Latest update by"),
    Column("Latest update saved", width=17),
]


def columns_for(plan: Plan) -> tuple[list[Column], list]:
    """The export's columns for this plan, and the columns of the apps above among them.

    Those (the workstream, when the plan has workstreams) follow the importer's own ten,
    so that they too come back unchanged when the file is imported again.
    """
    extra = plan_columns_of(plan)
    imported = len(IMPORTED)
    return COLUMNS[:imported] + [Column(c.header) for c in extra] + COLUMNS[imported:], extra


def filtered_actions(*, plan: Plan, params: QueryDict) -> QuerySet:
    """The plan page's actions for ``params``: the same filters, search and sort."""
    actions = plan.actions.all().for_listing().prefetch_related("findings")
    if params.get("updated"):  # the "This period" filter reads the open period's updates
        actions = actions.with_update_state(services.period_current(plan=plan))
    filtered = ActionFilter(params or None, queryset=actions, plan=plan).qs
    sort = params.get("sort", "")
    key = SORTS.get(sort.lstrip("-"))
    if key:
        return filtered.order_by(f"{'-' if sort.startswith('-') else ''}{key}", "id")
    return filtered.order_by("id")


def _importable_name(user) -> str:
    """The name as the importer looks it up: first word, then the rest."""
    first, last = (user.first_name or "").strip(), " ".join((user.last_name or "").split())
    return f"{first} {last}" if first and last and len(first.split()) == 1 else ""


def lead_labels(leads: list) -> dict[int, str]:
    """Each lead as the Action lead cell writes them: their name if the importer finds only
    them by it, else their email, else their username. One query for all of them."""
    candidates: dict[int, list[str]] = {}
    for lead in leads:
        found = [_importable_name(lead), (lead.email or "").strip(), lead.get_username()]
        candidates[lead.pk] = [c for c in found if c]
    words = {c.lower() for cs in candidates.values() for c in cs}
    firsts = {c.split()[0].lower() for cs in candidates.values() for c in cs if " " in c}
    users = list(
        get_user_model()
        .objects.annotate(u=Lower("username"), e=Lower("email"), f=Lower("first_name"))
        .filter(Q(u__in=words) | Q(e__in=words) | Q(f__in=firsts))
        .values_list("pk", "u", "e", "f", "last_name")
    )

    def matches(text: str) -> set[int]:
        text = text.lower()
        parts = text.split()
        found = set()
        for pk, username, email, first, last in users:
            by_name = len(parts) > 1 and first == parts[0] and last.lower() == " ".join(parts[1:])
            if username == text or email == text or by_name:
                found.add(pk)
        return found

    labels = {}
    for pk, texts in candidates.items():
        labels[pk] = next((t for t in texts if matches(t) == {pk}), texts[-1] if texts else "")
    return labels


def _latest_updates(actions: list[Action]) -> dict[int, WeeklyUpdate]:
    """Each action's newest update (by its period's deadline), in one query."""
    newest = WeeklyUpdate.objects.filter(action=OuterRef("pk")).order_by("-period__deadline", "-id")
    ids = (
        Action.objects.filter(pk__in=[a.pk for a in actions])
        .annotate(latest=Subquery(newest.values("pk")[:1]))
        .exclude(latest=None)
        .values_list("latest", flat=True)
    )
    return {
        u.action_id: u
        for u in WeeklyUpdate.objects.filter(pk__in=Subquery(ids)).select_related(
            "period__plan", "author"
        )
    }


def export_rows(*, plan: Plan, params: QueryDict, extra: list | None = None) -> list[list[Any]]:
    """One row per action, in ``columns_for`` order, with dates as dates; ``extra`` are the
    columns of the apps above (read from the hooks if not given)."""
    extra = plan_columns_of(plan) if extra is None else extra
    actions = list(filtered_actions(plan=plan, params=params))
    latest = _latest_updates(actions)
    leads = {a.action_lead_id: a.action_lead for a in actions if a.action_lead_id}
    labels = lead_labels(list(leads.values()))
    kind = KindWidget()
    rows = []
    for action in actions:
        update = latest.get(action.pk)
        saved = timezone.localtime(update.submitted_at, plan.tz) if update else None
        rows.append(
            [
                action.ref,
                action.theme,
                action.department,
                kind.render(action.kind),
                action.requirement,
                Status(action.status).label,
                action.exec_lead_label,
                labels.get(action.action_lead_id, ""),
                action.start_date,
                action.end_date,
                *(column.values.get(action.pk, "") for column in extra),
                display_name(action.action_lead),
                ", ".join(f.ref for f in action.findings.all()),
                update.period.label if update else "",
                Status(update.status).label if update else "",
                update.narrative if update else "",
                display_name(update.author) if update else "",
                saved.replace(tzinfo=None) if saved else None,
            ]
        )
    return rows


def export_filename(plan: Plan, extension: str) -> str:
    return f"{slugify(plan.name) or 'plan'}-{timezone.localdate():%Y-%m-%d}.{extension}"


# CSV -----------------------------------------------------------------------------------


def plan_csv(*, plan: Plan, params: QueryDict) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the pound signs and dashes right."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns, extra = columns_for(plan)
    writer.writerow([c.header for c in columns])
    for row in export_rows(plan=plan, params=params, extra=extra):
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


# Excel ---------------------------------------------------------------------------------


def _width(column: Column, values: list[Any]) -> int:
    if column.width:
        return column.width
    longest = max(
        [len(column.header), *(len(str(v)) for v in values if v not in (None, ""))],
    )
    return max(NARROW, min(longest + 2, WIDE))


def plan_xlsx(*, plan: Plan, params: QueryDict) -> bytes:
    """One sheet: a named table with a frozen header row; RAGB cells in their colours."""
    columns, extra = columns_for(plan)
    rows = export_rows(plan=plan, params=params, extra=extra)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Actions"
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    thin = Side(style="thin", color="AEB7BD")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    fills = {
        label: (PatternFill("solid", fgColor=fill), Font(bold=True, color=text))
        for status, (fill, text) in STATUS_FILLS.items()
        for label in [Status(status).label]
    }
    wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    for r, row in enumerate(rows, start=2):
        for col, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            written, as_text = xlsx_value(value)
            cell = sheet.cell(row=r, column=col, value=written)
            if as_text:
                cell.data_type = "s"  # text, never a formula
                cell.quotePrefix = True
            if isinstance(value, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            cell.alignment = wrap if column.wrap else top
            cell.border = border
            if column.status and value in fills:
                cell.fill, cell.font = fills[value]
    for col, column in enumerate(columns, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = _width(column, [row[col - 1] for row in rows])
    sheet.freeze_panes = "A2"
    # Excel refuses a table of a header alone: an empty export keeps one blank row.
    last_row = max(len(rows), 1) + 1
    table = Table(displayName=TABLE_NAME, ref=f"A1:{get_column_letter(len(columns))}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)
    sheet.sheet_view.zoomScale = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
