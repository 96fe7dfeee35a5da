"""The board report bench's programme (bench/programme.py) gives a plan its workstreams,
KPIs with two years of values and root causes, once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from actions.models import Finding, FindingKind
from bench import programme
from kpis import spc
from kpis.models import KpiValue
from programme.models import Cadence, RootCause, WorkstreamAction
from tests.factories import ActionFactory, InspectionFactory, UserFactory

pytestmark = pytest.mark.django_db

DEPARTMENTS = ["Maternity", "Surgery", "Medicine", "Critical care", "Outpatients"] * 2


@pytest.fixture
def bench_plan(plan):
    """A small plan shaped as bench/generate.py makes it: findings of five actions each."""
    for n in range(3):
        UserFactory(username=f"exec-{n}")
    leads = [UserFactory(username=f"lead{n:03d}") for n in range(12)]
    inspection = InspectionFactory()
    plan.inspection = inspection
    plan.save()
    for f in range(130):
        finding = Finding.objects.create(
            inspection=inspection, ref=f"F{f:03d}", kind=FindingKind.MUST, text="The trust must."
        )
        for a in range(2):
            action = ActionFactory(
                plan=plan,
                ref=f"A{f}-{a}",
                department=DEPARTMENTS[f % len(DEPARTMENTS)] + f" {f % 10}",
                action_lead=leads[(f + a) % len(leads)],
            )
            action.findings.add(finding)
    return plan


def test_the_programme_has_8_workstreams_150_kpis_of_24_months_and_root_causes(bench_plan):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/London"))):
        assert programme.ensure_programme(bench_plan) is True
        assert programme.ensure_programme(bench_plan) is False  # once
    workstreams = list(bench_plan.workstreams.order_by("position"))
    assert len(workstreams) == 8
    assert [w.cadence for w in workstreams].count(Cadence.MONTHLY) == 1
    assert all(w.executive.username.startswith("exec-") for w in workstreams)
    assert WorkstreamAction.objects.filter(action__plan=bench_plan).count() == 260
    assert programme.describe(bench_plan) == {
        "workstreams": 8,
        "actions_in_workstreams": 260,
        "kpis": 150,
        "kpi_values": 150 * 24,
        "root_causes": 120,
    }
    kpis = list(bench_plan.kpis.prefetch_related("workstreams"))
    assert all(len(k.workstreams.all()) == 1 for k in kpis)
    special = 0
    for kpi in kpis[:30]:
        values = KpiValue.objects.filter(kpi=kpi).order_by("date")
        assert values.last().date == dt.date(2026, 10, 31)
        chart = spc.xmr_chart(
            [(v.date, v.value) for v in values], direction=kpi.direction, target=kpi.target
        )
        special += any(p.rule for p in chart.points)
    assert special >= 10
    for root_cause in RootCause.objects.filter(plan=bench_plan).prefetch_related("actions"):
        answers = list(root_cause.actions.all())
        assert answers and all(
            a.findings.filter(pk=root_cause.finding_id).exists() for a in answers
        )
        assert {a.workstream_link.workstream_id for a in answers} == {root_cause.workstream_id}
