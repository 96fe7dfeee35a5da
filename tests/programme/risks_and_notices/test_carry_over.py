"""A new plan year takes the plan's risks and notices along, linked to the open actions."""

import datetime as dt

import pytest

from actions.carry_over import plan_year as carryover
from actions.models import Status
from programme import notices, risks
from programme.models import Notice, NoticeKind, Risk, RiskKind
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db


def test_risks_and_notices_go_on_into_the_new_plan_year_with_the_open_actions(plan, pmo):
    open_action = ActionFactory(plan=plan, ref="M1", status=Status.AMBER)
    closed = ActionFactory(plan=plan, ref="M2", status=Status.BLUE)
    baf = risks.risk_create(
        plan=plan, kind=RiskKind.BAF, reference="BAF 1", title="Quality", score=20
    )
    risks.risk_links_set(risk=baf, actions=[open_action, closed])
    notice = notices.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference="Maternity")
    condition = notices.condition_create(notice=notice, text="CTG training")
    notices.condition_links_set(condition=condition, actions=[open_action, closed])

    carryover.plan_carry_over(
        plan=plan, name="IQIP 2027/28", by=pmo, cycle_starts_on=dt.date(2026, 12, 2)
    )

    new_plan = plan.next_years.get()
    copy = Risk.objects.get(plan=new_plan)
    assert (copy.reference, copy.score) == ("BAF 1", 20)
    assert [a.ref for a in copy.actions.all()] == ["M1"]
    [new_notice] = Notice.objects.filter(plan=new_plan)
    [new_condition] = new_notice.conditions.all()
    assert (new_condition.number, new_condition.text) == (1, "CTG training")
    assert [a.ref for a in new_condition.actions.all()] == ["M1"]
    # The old plan's records stay as they were.
    assert sorted(a.ref for a in Risk.objects.get(plan=plan).actions.all()) == ["M1", "M2"]
