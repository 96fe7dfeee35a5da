"""The plan's record for internal audit and the CQC: history, plan events (baselines taken
among them), sign-offs and change requests for a date range, as CSV (one file) or Excel
(one sheet per source).

Rows read like the action page: field labels and display values from ``actions.history``,
and the name recorded when the change was made. Every cell goes through the plan
download's guard (``actions.exports.cells``), so a narrative typed as a formula stays text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from actions import history as recorded
from actions.exports import cells
from actions.models import ChangeRequest, HistoryEntry, Plan, PlanEvent
from evidence.models import SignOff

HEADERS = [
    "When (UK time)",
    "When (UTC)",
    "Plan",
    "Action ref",
    "What",
    "Field",
    "Before",
    "After",
    "Who",
    "Note",
]
WIDTHS = [17, 22, 24, 10, 28, 20, 40, 40, 22, 50]
WRAPPED = {"Before", "After", "Note"}
SHEETS = ("History", "Plan events", "Sign-offs", "Change requests")
# What a change request's decision reads as: the same words as the action's history.
DECIDED = {
    ChangeRequest.State.APPROVED: HistoryEntry.Kind.CHANGE_APPROVED.label,
    ChangeRequest.State.REFUSED: HistoryEntry.Kind.CHANGE_REFUSED.label,
    ChangeRequest.State.WITHDRAWN: HistoryEntry.Kind.CHANGE_WITHDRAWN.label,
}


@dataclass(frozen=True)
class AuditRange:
    """From the start of ``start`` to the end of ``end``, both days in the plan's time zone."""

    plan: Plan
    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = self.plan.tz
        since = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        until = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return since, until


def _name(user: Any) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def _when(plan: Plan, at: dt.datetime) -> list[Any]:
    """The local time (a plain date-time, as spreadsheets hold them) and ISO 8601 UTC."""
    local = timezone.localtime(at, plan.tz).replace(tzinfo=None)
    utc = at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return [local, utc]


def audit_rows(audit: AuditRange) -> dict[str, list[list[Any]]]:
    """Each sheet's rows in ``HEADERS`` order, oldest first: four queries in all."""
    plan = audit.plan
    since, until = audit.bounds()
    history = (
        HistoryEntry.objects.filter(action__plan=plan, at__gte=since, at__lt=until)
        .select_related("action")
        .order_by("at", "id")
    )
    rows: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    for entry in history:
        start = [*_when(plan, entry.at), plan.name, entry.action.ref, entry.get_kind_display()]
        # History keeps the name recorded at the time: a renamed user reads as they were.
        who = entry.actor_name or "System"
        changes = entry.shown_changes or [None]
        for change in changes:
            shown = [change.label, change.before, change.after] if change else ["", "", ""]
            rows["History"].append([*start, *shown, who, entry.note])
    events = (
        PlanEvent.objects.filter(plan=plan, at__gte=since, at__lt=until)
        .select_related("actor", "period")
        .order_by("at", "id")
    )
    for event in events:
        if event.period:
            event.period.plan = plan  # the label reads the plan's cadence and time zone
        period = event.period.label if event.period else ""
        rows["Plan events"].append(
            [
                *_when(plan, event.at),
                plan.name,
                "",
                event.get_kind_display(),
                "period" if period else "",
                "",
                period,
                _name(event.actor),
                event.detail,
            ]
        )
    sign_offs = (
        SignOff.objects.filter(
            closure__action__plan=plan, decided_at__gte=since, decided_at__lt=until
        )
        .select_related("closure__action", "decided_by")
        .order_by("decided_at", "id")
    )
    for sign_off in sign_offs:
        rows["Sign-offs"].append(
            [
                *_when(plan, sign_off.decided_at),
                plan.name,
                sign_off.closure.action.ref,
                "Closure sign-off",
                "decision",
                "",
                sign_off.get_decision_display(),
                _name(sign_off.decided_by),
                sign_off.reason,
            ]
        )
    rows["Change requests"] = _change_request_rows(plan, since, until)
    return rows


def _proposed(request: ChangeRequest) -> recorded.ShownChange:
    """The change asked for, labelled and shown as the action's history shows the change."""
    if request.kind == ChangeRequest.Kind.END_DATE:
        pair = recorded.change(request.current_end_date, request.proposed_end_date)
        return recorded.shown({recorded.END_DATE: pair})[0]
    pair = recorded.change(request.current_requirement, request.proposed_requirement)
    return recorded.shown({recorded.REQUIREMENT: pair})[0]


def _change_request_rows(plan: Plan, since: dt.datetime, until: dt.datetime) -> list[list[Any]]:
    """A row when each change request was raised and one when it was decided (approved,
    refused or withdrawn), for those of the range: who, the change from and to, the reason
    and the decision note. One query."""
    requests = (
        ChangeRequest.objects.filter(action__plan=plan)
        .filter(
            Q(requested_at__gte=since, requested_at__lt=until)
            | Q(decided_at__gte=since, decided_at__lt=until)
        )
        .select_related("action")
    )
    found: list[tuple[dt.datetime, int, int, list[Any]]] = []
    for request in requests:
        change = _proposed(request)
        start = [plan.name, request.action.ref]
        shown = [change.label, change.before, change.after]
        if since <= request.requested_at < until:
            found.append(
                (
                    request.requested_at,
                    request.pk,
                    0,
                    [
                        *_when(plan, request.requested_at),
                        *start,
                        HistoryEntry.Kind.CHANGE_REQUESTED.label,
                        *shown,
                        request.requested_by_name or "System",
                        f"Reason: {request.reason}",
                    ],
                )
            )
        decided = request.decided_at
        if decided is not None and request.state in DECIDED and since <= decided < until:
            note = f"Reason given: {request.reason}"
            if request.decision_note:
                note = f"Decision: {request.decision_note} {note}"
            found.append(
                (
                    decided,
                    request.pk,
                    1,
                    [
                        *_when(plan, decided),
                        *start,
                        DECIDED[ChangeRequest.State(request.state)],
                        *shown,
                        request.decided_by_name or "System",
                        note,
                    ],
                )
            )
    found.sort(key=lambda item: item[:3])
    return [row for *_order, row in found]


def audit_filename(audit: AuditRange, extension: str) -> str:
    name = slugify(audit.plan.name) or "plan"
    return f"{name}-audit-{audit.start:%Y-%m-%d}-to-{audit.end:%Y-%m-%d}.{extension}"


def audit_csv(audit: AuditRange) -> bytes:
    """One file, a Source column first, oldest first; UTF-8 with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Source", *HEADERS])
    merged = [
        (row[0], order, name, row)
        for order, (name, rows) in enumerate(audit_rows(audit).items())
        for row in rows
    ]
    merged.sort(key=lambda item: (item[0], item[1]))
    for _, _, name, row in merged:
        writer.writerow([name, *(cells.csv_cell(v) for v in row)])
    return out.getvalue().encode("utf-8-sig")


def audit_xlsx(audit: AuditRange) -> bytes:
    """A sheet per source, each with a frozen header row and set column widths."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=cells.HEADER_FILL)
    wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    for name, rows in audit_rows(audit).items():
        sheet = book.create_sheet(name)
        for col, header in enumerate(HEADERS, start=1):
            cell = sheet.cell(row=1, column=col, value=header)
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            sheet.column_dimensions[get_column_letter(col)].width = WIDTHS[col - 1]
        for r, row in enumerate(rows, start=2):
            for col, value in enumerate(row, start=1):
                written, as_text = cells.xlsx_value(value)
                cell = sheet.cell(row=r, column=col, value=written)
                if as_text:
                    cell.data_type = "s"  # text, never a formula
                    cell.quotePrefix = True
                if isinstance(value, dt.datetime):
                    cell.number_format = cells.DATETIME_FORMAT
                cell.alignment = wrap if HEADERS[col - 1] in WRAPPED else top
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
