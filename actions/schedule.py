"""A plan's deadlines, computed from its settings in local time (mind the clock change).

Pure functions of the plan's fields and an instant: no database access.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Plan

UTC = dt.UTC


def _local_deadline(plan: Plan, day: dt.date) -> dt.datetime:
    """The deadline on ``day`` in the plan's zone, as an aware UTC instant."""
    local = dt.datetime.combine(day, plan.deadline_time, tzinfo=plan.tz)
    return local.astimezone(UTC)


def _monthly_day(plan: Plan, year: int, month: int) -> dt.date:
    weekday = plan.deadline_weekday
    days = [
        d
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]
    index = plan.month_week - 1 if plan.month_week > 0 else -1
    return dt.date(year, month, days[index])


def _deadline_days_from(plan: Plan, start: dt.date) -> Iterator[dt.date]:
    """Every deadline day on or after ``start``, in order, forever."""
    from .models import Plan as PlanModel

    if plan.cadence == PlanModel.Cadence.MONTHLY:
        year, month = start.year, start.month
        while True:
            day = _monthly_day(plan, year, month)
            if day >= start:
                yield day
            month += 1
            if month > 12:
                year, month = year + 1, 1
    step = 14 if plan.cadence == PlanModel.Cadence.FORTNIGHTLY else 7
    # The first deadline weekday on or after the cycle start anchors the sequence.
    anchor = plan.cycle_starts_on + dt.timedelta(
        days=(plan.deadline_weekday - plan.cycle_starts_on.weekday()) % 7
    )
    if start <= anchor:
        day = anchor
    else:
        periods = -(-(start - anchor).days // step)  # ceiling division
        day = anchor + dt.timedelta(days=periods * step)
    while True:
        yield day
        day += dt.timedelta(days=step)


def deadlines_after(plan: Plan, instant: dt.datetime) -> Iterator[dt.datetime]:
    """The plan's deadlines strictly after ``instant`` and not before its cycle start."""
    local_day = instant.astimezone(plan.tz).date()
    start = max(local_day - dt.timedelta(days=1), plan.cycle_starts_on)
    for day in _deadline_days_from(plan, start):
        deadline = _local_deadline(plan, day)
        if deadline > instant:
            yield deadline


def next_deadline_after(plan: Plan, instant: dt.datetime) -> dt.datetime:
    return next(deadlines_after(plan, instant))


def deadlines_between(plan: Plan, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Deadlines in (after, until]: the periods that have ended since ``after``."""
    found = []
    for deadline in deadlines_after(plan, after):
        if deadline > until:
            break
        found.append(deadline)
    return found


def first_deadline(plan: Plan) -> dt.datetime:
    """The deadline that ends the plan's first period: the first on or after its cycle start."""
    # Not "the first after midnight": a 00:00 deadline on the start day is the first one.
    return _local_deadline(plan, next(_deadline_days_from(plan, plan.cycle_starts_on)))
