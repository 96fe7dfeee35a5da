"""The demo plan's KPIs (seed 004: a KPI per root cause, high-level ones per key question),
each with a year of monthly values, so the KPI pages show every Making Data Count icon."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from actions.models import KeyQuestion, Plan
from kpis import services
from kpis.models import Direction

# ref, name, unit, direction, target, owner, key question, twelve monthly values (oldest first)
DEMO_KPIS = [
    (
        "K1",
        "Children streamed within 15 minutes of arrival in ED",
        "%",
        Direction.INCREASE,
        95,
        "lead",
        KeyQuestion.SAFE,
        [71, 74, 70, 73, 72, 75, 78, 81, 84, 86, 89, 92],
    ),
    (
        "K2",
        "Falls per 1,000 bed days",
        "",
        Direction.DECREASE,
        5,
        "lead2",
        KeyQuestion.SAFE,
        [6.1, 5.8, 6.4, 5.9, 6.2, 6.0, 6.6, 6.8, 6.9, 7.1, 7.4, 7.6],
    ),
    (
        "K3",
        "Patients screened for dementia within 72 hours",
        "%",
        Direction.INCREASE,
        90,
        "lead2",
        KeyQuestion.EFFECTIVE,
        [86, 91, 88, 93, 87, 90, 92, 89, 91, 88, 93, 90],
    ),
    (
        "K4",
        "Complaints answered within 25 working days",
        "%",
        Direction.INCREASE,
        60,
        "lead2",
        KeyQuestion.RESPONSIVE,
        [78, 81, 79, 83, 80, 82, 79, 84, 81, 80, 83, 82],
    ),
    (
        "K5",
        "Staff with an appraisal in the last 12 months",
        "%",
        Direction.INCREASE,
        90,
        "lead",
        KeyQuestion.WELL_LED,
        [72, 74, 71, 75, 73, 72, 74, 76, 73, 75, 74, 72],
    ),
]


def _month_ends(now: dt.datetime, count: int) -> list[dt.date]:
    """The last day of each of the ``count`` months before this one, oldest first."""
    day = timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)
    ends = []
    for _ in range(count):
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return list(reversed(ends))


def demo_kpis_seed(*, plan: Plan, users: dict, now: dt.datetime) -> None:
    """Add the demo KPIs and their values, entered by their owners."""
    for ref, name, unit, direction, target, owner, question, values in DEMO_KPIS:
        kpi = services.kpi_create(
            plan=plan,
            ref=ref,
            name=name,
            unit=unit,
            direction=direction,
            target=target,
            owner=users[owner],
            key_question=question,
        )
        for date, value in zip(_month_ends(now, len(values)), values, strict=True):
            services.kpi_value_record(kpi=kpi, date=date, value=value, by=users[owner], now=now)
