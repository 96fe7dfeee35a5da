"""The board report's document made ready for a template: its charts drawn, dates shown.

Used by the PDF and the dashboard alike, so both show the same charts and tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.safestring import mark_safe

from actions.table1 import StatusTable

from . import charts
from .workstreams import present_programme

STATUS_CLASS = {"R": "red", "A": "amber", "G": "green", "B": "blue", "W": "white"}


def _date(value: str | None) -> str:
    """'2019-05-07' -> '7 May 2019'."""
    if not value:
        return ""
    day = dt.date.fromisoformat(value[:10])
    return f"{day.day} {day:%B %Y}"


def _chart(chart: charts.Chart) -> dict[str, Any]:
    return {
        "title": chart.title,
        # Safe: matplotlib's SVG escapes every text it draws (a test types markup into a name).
        "image": mark_safe(chart.image),  # noqa: S308  # nosec B703 B308
        "headers": chart.headers,
        "rows": chart.rows,
    }


def _status_counts(breakdown: dict[str, Any]) -> dict[str, list[int]]:
    return {
        column["label"]: [row["counts"][i] for row in breakdown["rows"]]
        for i, column in enumerate(breakdown["columns"])
    }


def _rows_with_classes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "css": STATUS_CLASS.get(row.get("status", ""), "white")} for row in rows]


def _cells(breakdown: dict[str, Any]) -> list[dict[str, Any]]:
    """Each row's counts paired with their column (for the RAGB tables)."""
    return [
        {
            **row,
            "cells": [
                {"count": n, "label": col["label"], "css": STATUS_CLASS[col["code"]]}
                for n, col in zip(row["counts"], breakdown["columns"], strict=True)
            ],
        }
        for row in breakdown["rows"]
    ]


def present_board(document: dict[str, Any], *, image_format: str = charts.IMAGE_FORMAT) -> dict:
    """The template's view of ``document``; charts drawn in ``image_format`` (svg or png)."""
    month = document["month"]["label"]
    trajectory = document["trajectory"]
    status = document["status_by_kind"]
    by_question = document["by_key_question"]
    by_department = document["by_department"]
    trajectory_charts = [
        _chart(
            charts.trajectory_chart(
                title=f"Progress against trajectory: all actions, to {month}",
                months=trajectory["months"],
                planned=trajectory["overall"]["planned_pct"],
                actual=trajectory["overall"]["actual_pct"],
                forecast=trajectory["overall"].get("forecast_pct"),
                image_format=image_format,
            )
        )
    ]
    for kind in trajectory["by_kind"]:
        trajectory_charts.append(
            _chart(
                charts.trajectory_chart(
                    title=f"Progress against trajectory: {kind['label'].lower()} actions",
                    months=trajectory["months"],
                    planned=kind["planned_pct"],
                    actual=kind["actual_pct"],
                    forecast=kind.get("forecast_pct"),
                    image_format=image_format,
                )
            )
        )
    cover = document["cover"]
    return {
        "doc": document,
        "plan": document["plan"],
        "month": month,
        "as_at": document["as_at"]["label"],
        "cover": {
            **cover,
            "meeting_date_label": _date(cover.get("meeting_date")),
            "written_on_label": _date(cover.get("written_on")),
        },
        "status_table": StatusTable.from_document(status),
        "status_chart": _chart(
            charts.status_bar_chart(
                title=f"Status of actions by finding kind, {month}",
                categories=[row["name"] for row in status["rows"]],
                counts=_status_counts(status),
                category_label="Finding kind",
                image_format=image_format,
            )
        ),
        "off_track": [
            {**row, "narrative_date_label": _date(row["narrative_date"])}
            for row in _rows_with_classes(document["off_track"])
        ],
        "trajectory": trajectory,
        "trajectory_charts": trajectory_charts,
        "by_key_question": {**by_question, "rows": _cells(by_question)},
        "key_question_chart": _chart(
            charts.status_bar_chart(
                title=f"Progress by CQC key question, {month}",
                categories=[row["label"] for row in by_question["rows"]],
                counts=_status_counts(by_question),
                category_label="Key question",
                image_format=image_format,
            )
        ),
        "by_department": {**by_department, "rows": _cells(by_department)},
        "department_chart": _chart(
            charts.status_bar_chart(
                title=f"Progress by department or division, {month}",
                categories=[row["label"] for row in by_department["rows"]],
                counts=_status_counts(by_department),
                category_label="Department",
                image_format=image_format,
            )
        ),
        "assurance": document["assurance"],
        "notices": document.get("notices"),  # reports stored before notices have none
        "compliance": document["compliance"],
        "appendix": {
            **document["appendix"],
            "rows": _rows_with_classes(document["appendix"]["rows"]),
            "ragb_key": _rows_with_classes(
                [{**k, "status": k["code"]} for k in document["appendix"]["ragb_key"]]
            ),
        },
        "totals": document["totals"],
        "plan_changes": [
            {**row, "approved_on_label": _date(row["approved_on"])}
            for row in document.get("plan_changes", {}).get("approved", [])
        ],
        "programme": present_programme(document.get("programme")),
    }
