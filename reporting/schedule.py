"""When a report is issued and when reminders go, in the plan's time zone (mind the clock change).

Pure functions of the plan's fields, the settings and instants: no database access.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from actions import schedule as plan_schedule

if TYPE_CHECKING:
    from actions.models import Plan

UTC = dt.UTC
# Longer than any period (a month has at most five weeks): where to look for the one before.
LONGEST_PERIOD = dt.timedelta(days=40)


def _at(plan: Plan, day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=plan.tz).astimezone(UTC)


def issue_deadline(plan: Plan, *, weekday: int, time: dt.time, after: dt.datetime) -> dt.datetime:
    """The first ``weekday`` at ``time`` (plan's zone) after the period's deadline ``after``."""
    day = after.astimezone(plan.tz).date()
    for offset in range(8):
        candidate_day = day + dt.timedelta(days=offset)
        if candidate_day.weekday() != weekday:
            continue
        candidate = _at(plan, candidate_day, time)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a weekday recurs within eight days")  # pragma: no cover


def reminder_time(plan: Plan, *, weekday: int, time: dt.time, deadline: dt.datetime) -> dt.datetime:
    """The last ``weekday`` at ``time`` (plan's zone) before the period's ``deadline``."""
    day = deadline.astimezone(plan.tz).date()
    for offset in range(8):
        candidate_day = day - dt.timedelta(days=offset)
        if candidate_day.weekday() != weekday:
            continue
        candidate = _at(plan, candidate_day, time)
        if candidate < deadline:
            return candidate
    raise AssertionError("unreachable: a weekday recurs within eight days")  # pragma: no cover


def period_start(plan: Plan, deadline: dt.datetime) -> dt.datetime:
    """When the period ending at ``deadline`` opened: the deadline before it, or the cycle start."""
    before = plan_schedule.deadlines_between(
        plan, deadline - LONGEST_PERIOD, deadline - dt.timedelta(microseconds=1)
    )
    if before:
        return before[-1]
    return dt.datetime.combine(plan.cycle_starts_on, dt.time(0), tzinfo=plan.tz).astimezone(UTC)
