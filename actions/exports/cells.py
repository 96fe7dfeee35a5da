"""How a download writes a cell, shared by the plan's export and the audit export.

Dates as the trust writes them (DD/MM/YYYY); text through ``improvement.text``, so a cell
that a spreadsheet would run as a formula is kept as text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from improvement import text as typed

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
HEADER_FILL = "005EB8"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return typed.csv_cell(str(value))


def xlsx_value(value: Any) -> tuple[Any, bool]:
    """The value to write and whether its cell must be text, never a formula."""
    if isinstance(value, str):
        return typed.spreadsheet_text(value)
    return value, False
