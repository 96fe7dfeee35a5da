"""The board report's as-at reads each action's newest narrative before the month's end, in
two queries: PostgreSQL's DISTINCT ON, or, on SQLite (the embedded default), the rows in
order with the first of each action kept. Both give the same rows."""

import datetime as dt

import pytest
from django.db import connection

from actions import services
from actions.models import Role, Status
from reporting.board.asat import plan_as_at
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .conftest import london


@pytest.fixture
def updated_plan(db):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 2, 2))
    first = ActionFactory(plan=plan, ref="A1", action_lead=lead, status=Status.GREEN)
    second = ActionFactory(plan=plan, ref="A2", action_lead=lead, status=Status.GREEN)
    ActionFactory(plan=plan, ref="A3", action_lead=lead, status=Status.GREEN)  # never updated
    for day, texts in (
        (9, {first: "Week one for A1.", second: "Week one for A2."}),
        (16, {first: "Week two for A1."}),
        (23, {first: "Week three for A1.", second: "Week three for A2."}),
    ):
        now = london(2026, 2, day, 10)
        period = services.period_current(plan=plan, now=now)
        for action, text in texts.items():
            action.refresh_from_db()
            services.update_submit(
                action=action,
                period=period,
                author=lead,
                status=Status.GREEN,
                narrative=text,
                now=now,
            )
    return plan


def narratives(plan, moment):
    return {row.ref: (row.narrative, row.narrative_at) for row in plan_as_at(plan, moment)}


def test_the_as_at_takes_each_actions_newest_narrative_before_the_moment(updated_plan):
    as_at = narratives(updated_plan, london(2026, 2, 20, 0))
    assert as_at["A1"] == ("Week two for A1.", london(2026, 2, 16, 10))
    assert as_at["A2"] == ("Week one for A2.", london(2026, 2, 9, 10))
    assert as_at["A3"] == ("", None)


def test_without_distinct_on_the_as_at_reads_the_same_narratives(updated_plan, monkeypatch):
    moments = [london(2026, 2, 20, 0), london(2026, 3, 1, 0)]
    with_distinct_on = [narratives(updated_plan, m) for m in moments]
    monkeypatch.setattr(connection.features, "can_distinct_on_fields", False)
    assert [narratives(updated_plan, m) for m in moments] == with_distinct_on
    assert with_distinct_on[1]["A2"][0] == "Week three for A2."
