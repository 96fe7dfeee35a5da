"""The second demo plan, modelled on seed 004 (Shrewsbury and Telford's QIP): five
improvement steering groups with their cadences and accountable executives, Must Do and
Should Do findings unpacked into root causes, and KPIs with 20 months of values that show
special causes. Seeded once for the module, in a transaction rolled back at its end."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from actions.models import Action, BaselineDate, FindingKind, HistoryEntry, Status
from demo.seed004 import PEOPLE, build_seed004
from kpis import spc
from kpis.selectors import kpi_summaries
from programme.models import Cadence, RootCause, WorkstreamAction

SEEDED_AT = dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/London"))
ISGS = ["Women's and Children's", "Unscheduled Care", "Scheduled Care", "Workforce", "Well-led"]


def seed(at: dt.datetime = SEEDED_AT):
    with time_machine.travel(at, tick=False), override_settings(DEBUG=True):
        return build_seed004()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def plan(seeded, db):
    return seeded[0]


@pytest.fixture
def people(seeded, db):
    return seeded[1]


def test_five_steering_groups_with_their_cadences_and_accountable_executives(plan, people):
    workstreams = list(plan.workstreams.order_by("position"))
    assert [w.name for w in workstreams] == ISGS
    assert [w.cadence for w in workstreams] == [Cadence.FORTNIGHTLY] * 4 + [Cadence.MONTHLY]
    for workstream in workstreams:
        assert workstream.executive.username in people
        assert workstream.executive.groups.filter(name="Executive lead").exists()
    # Every action sits in one steering group, and each group has some.
    actions = Action.objects.filter(plan=plan)
    assert 40 <= actions.count() <= 60
    assert WorkstreamAction.objects.filter(action__plan=plan).count() == actions.count()
    for workstream in workstreams:
        assert workstream.actions.count() >= 5, workstream


def test_actions_answer_must_do_and_should_do_findings_musts_first(plan):
    actions = Action.objects.filter(plan=plan).prefetch_related("findings", "exec_roles")
    kinds = Counter(a.kind for a in actions)
    assert set(kinds) == {FindingKind.MUST, FindingKind.SHOULD}
    assert kinds[FindingKind.MUST] > kinds[FindingKind.SHOULD]
    for action in actions:
        (finding,) = action.findings.all()
        assert finding.kind == action.kind and finding.key_question
        assert action.exec_roles.exists() and action.action_lead
    statuses = Counter(a.status for a in actions)
    assert {Status.RED, Status.AMBER, Status.GREEN, Status.BLUE, Status.WHITE} <= set(statuses)
    # Blue only as completed before the plan was brought in, never as an unrecorded jump.
    for action in actions.filter(status=Status.BLUE):
        assert action.history.filter(kind=HistoryEntry.Kind.CLOSED_BEFORE_IMPORT).exists()


def test_must_do_findings_are_unpacked_into_root_causes_with_actions_and_a_kpi(plan):
    root_causes = list(
        RootCause.objects.filter(plan=plan).select_related("finding", "kpi", "workstream")
    )
    assert len(root_causes) >= 12
    findings_unpacked = Counter(rc.finding.ref for rc in root_causes)
    assert max(findings_unpacked.values()) >= 2, "some findings have several root causes"
    for rc in root_causes:
        assert rc.finding.kind == FindingKind.MUST
        assert rc.ref.startswith(rc.finding.ref + ".")
        assert rc.owner and rc.due_date and rc.workstream
        actions = list(rc.actions.all())
        assert actions and all(a.findings.filter(pk=rc.finding_id).exists() for a in actions)
        # Due when its last action was due in the plan as agreed (the baseline): an approved
        # change request may have moved an action's end date since.
        agreed = dict(
            BaselineDate.objects.in_force(plan.pk)
            .filter(action__in=actions)
            .values_list("action_id", "end_date")
        )
        assert rc.due_date == max(agreed[a.pk] for a in actions)
        assert rc.kpi is not None
        assert rc.kpi.workstreams.filter(pk=rc.workstream_id).exists()


def test_kpis_have_20_months_of_values_with_special_causes_and_some_targets(plan):
    summaries = kpi_summaries(plan)
    assert len(summaries) >= 17
    assert all(len(s.values) >= 18 for s in summaries)
    assert all(s.kpi.workstreams.exists() for s in summaries)
    assert all(s.values[-1].date < SEEDED_AT.date() for s in summaries)
    rules = Counter()
    for summary in summaries:
        chart = spc.xmr_chart(
            [(v.date, v.value) for v in summary.values],
            direction=summary.kpi.direction,
            target=summary.kpi.target,
        )
        rules.update({p.rule.split(" (")[0] for p in chart.points if p.rule})
    assert rules["Above UCL"] + rules["Below LCL"] >= 1, "a point beyond the limits"
    assert rules["7 Point Trend"] >= 1, "a trend"
    assert rules["7 Points Above CL"] + rules["7 Points Below CL"] >= 1, "a shift"
    variation = Counter(s.variation.kind for s in summaries)
    assert variation["common-cause"] and variation["improvement-high"]
    assert any(k.startswith("concern") for k in variation) or any(
        p.type is spc.PointType.CONCERN for s in summaries for p in s.chart.points
    )
    with_target = [s for s in summaries if s.kpi.target is not None]
    assert 0 < len(with_target) < len(summaries)
    assert {s.assurance.kind for s in with_target} == {"pass", "fail", "hit-and-miss"}


def test_each_steering_group_has_a_high_level_kpi_beside_its_root_cause_kpis(plan):
    for workstream in plan.workstreams.all():
        refs = set(workstream.kpis.values_list("ref", flat=True))
        assert any(r.endswith("-K") for r in refs), workstream
        assert any(r.startswith("RC") for r in refs), workstream


def test_seeding_again_adds_nothing_and_the_people_sign_in(plan, people):
    counts = (Action.objects.count(), RootCause.objects.count(), plan.kpis.count())
    again, again_people = seed(SEEDED_AT + dt.timedelta(days=1))
    assert again == plan
    assert (Action.objects.count(), RootCause.objects.count(), plan.kpis.count()) == counts
    assert set(again_people) == set(PEOPLE)
    assert people["sath_pmo"].check_password("change-me-demo")


def test_its_people_read_it_on_the_pages(plan, people, client):
    """The PMO reads the plan and its KPIs; an ISG's executive lands on its actions; a lead
    who owns root cause KPIs sees them on the KPI list."""
    client.force_login(people["sath_pmo"])
    page = client.get(f"/plans/{plan.pk}/")
    assert page.status_code == 200 and "WC1" in page.content.decode()
    kpis = client.get(f"/plans/{plan.pk}/kpis/").content.decode()
    assert "Children streamed within 15 minutes of arrival" in kpis
    client.force_login(people["sath_coo"])
    accountable = client.get("/my-accountable-actions/").content.decode()
    assert "UC1" in accountable and "WC1" not in accountable
    client.force_login(people["sath_maternity"])
    own = client.get(f"/plans/{plan.pk}/kpis/")
    assert own.status_code == 200
    assert "CTGs with an hourly fresh eyes review" in own.content.decode()
    assert "ED patients admitted" not in own.content.decode()
