"""A plan's deadlines, computed in UK time: Wednesday 12:00 by default, or the plan's own beat.

These are pure functions of the plan's fields: the plans here are never saved.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions import schedule
from actions.models import Plan

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def weekly_plan(**fields) -> Plan:
    return Plan(name="Weekly", cycle_starts_on=dt.date(2026, 1, 1), **fields)


# The default: Wednesday 12:00 Europe/London --------------------------------------------


def test_default_deadline_is_wednesday_1200_local():
    plan = weekly_plan()
    deadline = schedule.next_deadline_after(plan, london(2026, 1, 12, 9, 0))
    assert deadline.astimezone(LONDON) == london(2026, 1, 14, 12, 0)
    assert plan.deadline_label == "Wednesday 12:00"


def test_deadline_is_1200z_in_gmt_week():
    deadline = schedule.next_deadline_after(weekly_plan(), london(2026, 1, 12, 9, 0))
    assert deadline == utc(2026, 1, 14, 12, 0)


def test_deadline_is_1100z_in_bst_week():
    deadline = schedule.next_deadline_after(weekly_plan(), london(2026, 6, 15, 9, 0))
    assert deadline == utc(2026, 6, 17, 11, 0)


def test_deadline_moves_to_1100z_in_week_after_spring_clock_change():
    """The clocks go forward on Sunday 29 March 2026: 25 March is GMT, 1 April is BST."""
    plan = weekly_plan()
    before, after = schedule.deadlines_between(
        plan, london(2026, 3, 24, 12, 0), london(2026, 4, 1, 12, 0)
    )
    assert before == utc(2026, 3, 25, 12, 0)
    assert after == utc(2026, 4, 1, 11, 0)


def test_deadline_moves_to_1200z_in_week_after_autumn_clock_change():
    """The clocks go back on Sunday 25 October 2026: 21 October is BST, 28 October is GMT."""
    plan = weekly_plan()
    before, after = schedule.deadlines_between(
        plan, london(2026, 10, 20, 12, 0), london(2026, 10, 28, 12, 0)
    )
    assert before == utc(2026, 10, 21, 11, 0)
    assert after == utc(2026, 10, 28, 12, 0)


def test_deadlines_are_strictly_after_the_instant():
    """At 12:00:00 the week's deadline has passed: the next one is a week later."""
    plan = weekly_plan()
    at_deadline = london(2026, 6, 17, 12, 0)
    just_before = at_deadline - dt.timedelta(microseconds=1)
    assert schedule.next_deadline_after(plan, just_before) == utc(2026, 6, 17, 11, 0)
    assert schedule.next_deadline_after(plan, at_deadline) == utc(2026, 6, 24, 11, 0)


def test_deadlines_between_counts_periods_ended_while_worker_was_down():
    plan = weekly_plan()
    ended = schedule.deadlines_between(plan, london(2026, 1, 8, 9, 0), london(2026, 1, 29, 9, 0))
    assert ended == [utc(2026, 1, 14, 12), utc(2026, 1, 21, 12), utc(2026, 1, 28, 12)]


def test_deadlines_between_includes_a_deadline_equal_to_until():
    plan = weekly_plan()
    ended = schedule.deadlines_between(plan, london(2026, 1, 8, 9, 0), london(2026, 1, 14, 12, 0))
    assert ended == [utc(2026, 1, 14, 12)]


def test_no_deadline_before_cycle_start():
    """A plan starting on Thursday 1 January 2026 first locks on Wednesday 7 January."""
    plan = weekly_plan()
    assert schedule.next_deadline_after(plan, london(2025, 12, 1, 9, 0)) == utc(2026, 1, 7, 12)
    assert schedule.first_deadline(plan) == utc(2026, 1, 7, 12)


def test_first_deadline_is_on_cycle_start_day_when_that_is_a_deadline_day():
    plan = weekly_plan()
    plan.cycle_starts_on = dt.date(2026, 1, 14)  # a Wednesday
    assert schedule.first_deadline(plan) == utc(2026, 1, 14, 12)


def test_first_deadline_at_midnight_on_cycle_start_day_is_that_midnight():
    """'The first period ends on the first deadline on or after this day', even at 00:00."""
    plan = weekly_plan(deadline_time=dt.time(0, 0))
    plan.cycle_starts_on = dt.date(2026, 1, 14)  # a Wednesday
    assert schedule.first_deadline(plan) == utc(2026, 1, 14, 0, 0)
    assert schedule.first_deadline(plan) == schedule.next_deadline_after(
        plan, london(2026, 1, 13, 9, 0)
    )


# Other weekdays and times --------------------------------------------------------------


def test_friday_1700_plan_ends_periods_on_friday_at_1700_local():
    plan = weekly_plan(deadline_weekday=Plan.Weekday.FRIDAY, deadline_time=dt.time(17, 0))
    assert schedule.next_deadline_after(plan, london(2026, 1, 14, 12, 0)) == utc(2026, 1, 16, 17)
    assert schedule.next_deadline_after(plan, london(2026, 6, 17, 12, 0)) == utc(2026, 6, 19, 16)
    assert plan.deadline_label == "Friday 17:00"


def test_friday_plan_has_no_wednesday_deadline():
    plan = weekly_plan(deadline_weekday=Plan.Weekday.FRIDAY, deadline_time=dt.time(17, 0))
    week = schedule.deadlines_between(plan, london(2026, 1, 10, 0, 0), london(2026, 1, 24, 0, 0))
    assert [d.astimezone(LONDON).strftime("%a %H:%M") for d in week] == [
        "Fri 17:00",
        "Fri 17:00",
    ]


# Fortnightly ---------------------------------------------------------------------------


def test_fortnightly_periods_are_14_days_apart_from_cycle_start():
    """Starting Monday 5 January 2026: Wednesdays 7 Jan, 21 Jan, 4 Feb, never 14 or 28 Jan."""
    plan = Plan(
        name="Sprints", cadence=Plan.Cadence.FORTNIGHTLY, cycle_starts_on=dt.date(2026, 1, 5)
    )
    deadlines = schedule.deadlines_between(
        plan, london(2026, 1, 1, 0, 0), london(2026, 2, 28, 0, 0)
    )
    assert deadlines == [
        utc(2026, 1, 7, 12),
        utc(2026, 1, 21, 12),
        utc(2026, 2, 4, 12),
        utc(2026, 2, 18, 12),
    ]


def test_fortnightly_next_deadline_skips_the_off_week():
    plan = Plan(
        name="Sprints", cadence=Plan.Cadence.FORTNIGHTLY, cycle_starts_on=dt.date(2026, 1, 5)
    )
    assert schedule.next_deadline_after(plan, london(2026, 1, 14, 12, 0)) == utc(2026, 1, 21, 12)
    assert schedule.next_deadline_after(plan, london(2026, 1, 21, 12, 0)) == utc(2026, 2, 4, 12)


def test_fortnightly_counts_across_the_clock_change():
    """25 Mar (GMT) and 8 Apr (BST) are a fortnight apart in local time, not in UTC hours."""
    plan = Plan(
        name="Sprints", cadence=Plan.Cadence.FORTNIGHTLY, cycle_starts_on=dt.date(2026, 1, 14)
    )
    deadlines = schedule.deadlines_between(
        plan, london(2026, 3, 20, 0, 0), london(2026, 4, 10, 0, 0)
    )
    assert deadlines == [utc(2026, 3, 25, 12), utc(2026, 4, 8, 11)]


# Monthly -------------------------------------------------------------------------------


def test_monthly_plan_locks_on_last_wednesday_of_each_month():
    plan = Plan(name="Well-led", cadence=Plan.Cadence.MONTHLY, cycle_starts_on=dt.date(2026, 1, 1))
    deadlines = schedule.deadlines_between(
        plan, london(2026, 1, 1, 0, 0), london(2026, 5, 31, 0, 0)
    )
    assert deadlines == [
        utc(2026, 1, 28, 12),
        utc(2026, 2, 25, 12),
        utc(2026, 3, 25, 12),
        utc(2026, 4, 29, 11),  # BST
        utc(2026, 5, 27, 11),
    ]


def test_monthly_plan_handles_a_month_with_five_wednesdays():
    """September 2026 has five Wednesdays; the last is the 30th, not the fourth (23rd)."""
    plan = Plan(name="Well-led", cadence=Plan.Cadence.MONTHLY, cycle_starts_on=dt.date(2026, 1, 1))
    assert schedule.next_deadline_after(plan, london(2026, 9, 1, 0, 0)) == utc(2026, 9, 30, 11)


def test_monthly_plan_on_second_wednesday():
    plan = Plan(
        name="Task and finish",
        cadence=Plan.Cadence.MONTHLY,
        month_week=Plan.MonthWeek.SECOND,
        cycle_starts_on=dt.date(2026, 1, 1),
    )
    deadlines = schedule.deadlines_between(
        plan, london(2026, 1, 1, 0, 0), london(2026, 3, 31, 0, 0)
    )
    assert deadlines == [utc(2026, 1, 14, 12), utc(2026, 2, 11, 12), utc(2026, 3, 11, 12)]


def test_monthly_next_deadline_after_this_months_deadline_is_next_month():
    plan = Plan(name="Well-led", cadence=Plan.Cadence.MONTHLY, cycle_starts_on=dt.date(2026, 1, 1))
    assert schedule.next_deadline_after(plan, london(2026, 1, 28, 12, 0)) == utc(2026, 2, 25, 12)
    assert schedule.next_deadline_after(plan, london(2026, 12, 30, 12, 0)) == utc(2027, 1, 27, 12)


@pytest.mark.parametrize(
    "cadence",
    [Plan.Cadence.WEEKLY, Plan.Cadence.FORTNIGHTLY, Plan.Cadence.MONTHLY],
)
def test_every_cadence_first_deadline_matches_the_first_deadline_after_cycle_start(cadence):
    plan = Plan(name="Any", cadence=cadence, cycle_starts_on=dt.date(2026, 2, 3))
    first = schedule.first_deadline(plan)
    assert first == schedule.next_deadline_after(plan, london(2026, 1, 1, 0, 0))
    assert first.astimezone(LONDON).date() >= plan.cycle_starts_on
