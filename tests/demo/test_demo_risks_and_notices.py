"""The demo's risks and Section 31 notice: linked, themed and counted as seed 003 counts them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from demo.risks_and_notices import add_risks_and_notices
from programme import notices, risks
from programme.models import Notice, Risk
from tests.factories import ActionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/London")), tick=False
    ):
        yield


def test_the_demo_adds_baf_and_register_risks_and_a_section_31_notice(db):
    plan = PlanFactory()
    pmo = UserFactory(username="pmo", roles=["PMO"])
    actions = [ActionFactory(plan=plan, ref=f"M{n}") for n in range(1, 5)]

    add_risks_and_notices(plan, pmo=pmo)
    add_risks_and_notices(plan, pmo=pmo)  # again: nothing is duplicated

    assert Risk.objects.filter(plan=plan, kind="baf").count() == 2
    assert Risk.objects.filter(plan=plan).count() == 6
    table = risks.alignment_table(plan)
    assert (table.total.identified, table.total.needs_update, table.total.not_on_register) == (
        4,
        1,
        2,
    )
    assert all(r.actions.exists() for r in Risk.objects.filter(plan=plan))
    notice = Notice.objects.get(plan=plan)
    assert notice.kind == "section_31"
    [block] = notices.conditions_report(plan)
    assert [line.condition.number for line in block.lines] == [1, 2, 3]
    assert [line.overdue for line in block.lines] == [True, False, False]
    assert [[a.ref for a in line.actions] for line in block.lines] == [["M1"], ["M2"], ["M3"]]
    assert actions[0].notice_conditions.count() == 1


def test_the_demo_copes_with_a_plan_without_actions(db):
    plan = PlanFactory()

    add_risks_and_notices(plan, pmo=UserFactory(username="pmo"))

    assert Risk.objects.filter(plan=plan).count() == 6
    assert Notice.objects.get(plan=plan).conditions.count() == 3
