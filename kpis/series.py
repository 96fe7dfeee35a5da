"""Reading a KPI's dated values from a CSV file with the columns date,value."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

MAX_ROWS = 10_000
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m")


class SeriesError(ValueError):
    """A file that cannot be read as a series, with every problem found, by row."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_value(text: str) -> float | None:
    text = text.strip().replace(",", "")
    if text.endswith("%"):
        text = text[:-1]
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_series_csv(data: bytes | str) -> list[tuple[dt.date, float]]:
    """The (date, value) rows of a CSV with a header row naming `date` and `value`."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        raise SeriesError([f"The file is not a readable CSV ({error})."]) from error
    if "date" not in header or "value" not in header:
        raise SeriesError(["The first row must name the columns date and value."])
    date_col, value_col = header.index("date"), header.index("value")
    series, problems = [], []
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if number > MAX_ROWS + 1:
                raise SeriesError([f"The file has more than {MAX_ROWS:,} rows."])
            cells = row + [""] * (max(date_col, value_col) + 1 - len(row))
            date, value = parse_date(cells[date_col]), parse_value(cells[value_col])
            if date is None:
                problems.append(
                    f"Row {number}: '{cells[date_col][:40]}' is not a date (use 2025-04-30)."
                )
            if value is None:
                problems.append(f"Row {number}: '{cells[value_col][:40]}' is not a number.")
            if date is not None and value is not None:
                series.append((date, value))
    except csv.Error as error:
        raise SeriesError([f"The file is not a readable CSV ({error})."]) from error
    if problems:
        raise SeriesError(problems)
    if not series:
        raise SeriesError(["The file has no values."])
    return series
