"""The demo's baseline: a plan approved, one change approved, one waiting."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.models import BaselineDate, ChangeRequest, HistoryEntry, PlanEvent, Role
from demo.baseline import MOVE_BY, add_baseline_and_change_requests
from tests.factories import ActionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_baselines_the_plan_and_adds_an_approved_and_a_waiting_change(pmo, lead):
    plan = PlanFactory()
    don = UserFactory(username="don", roles=[Role.EXEC_LEAD])
    soon = ActionFactory(plan=plan, ref="S1", action_lead=lead, end_date=dt.date(2026, 3, 31))
    later = ActionFactory(plan=plan, ref="S2", action_lead=lead, end_date=dt.date(2026, 6, 30))
    ActionFactory(plan=plan, ref="S3", end_date=dt.date(2026, 1, 31))  # someone else's

    add_baseline_and_change_requests(plan, pmo=pmo, approver=don, lead=lead)

    assert BaselineDate.objects.filter(baseline__plan=plan).count() == 3
    assert PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.BASELINED).count() == 1
    approved = ChangeRequest.objects.get(state=ChangeRequest.State.APPROVED)
    waiting = ChangeRequest.objects.get(state=ChangeRequest.State.PENDING)
    assert (approved.action, approved.requested_by, approved.decided_by) == (soon, lead, don)
    assert (waiting.action, waiting.requested_by) == (later, lead)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.end_date == dt.date(2026, 3, 31) + MOVE_BY
    assert later.end_date == dt.date(2026, 6, 30)  # waiting: not moved
    assert soon.history.filter(kind=HistoryEntry.Kind.CHANGE_APPROVED).exists()
    assert BaselineDate.objects.get(action=soon).end_date == dt.date(2026, 3, 31)
    assert approved.requested_at < approved.decided_at < waiting.requested_at
