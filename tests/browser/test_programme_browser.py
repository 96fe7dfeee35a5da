"""The programme in a real browser: the board reads a workstream's page and its KPI chart on
a phone and a desktop; the workstream's executive writes the month's narrative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from actions.models import Finding, FindingKind, Inspection, KeyQuestion, Role, Status
from kpis.models import Direction, Kpi, KpiValue
from programme.models import RootCause, Workstream, WorkstreamAction
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe, sign_in, wait_for_header

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VALUES = [60, 62, 58, 61, 59, 63, 60, 64, 70, 72, 75]


@pytest.fixture
def workstream(frozen_now):
    inspection = Inspection.objects.create(provider="Example NHS Trust")
    plan = PlanFactory(name="Quality improvement plan", inspection=inspection)
    executive = UserFactory(username="exec", roles=[Role.EXEC_LEAD])
    ws = Workstream.objects.create(
        plan=plan, name="Women's and Children's", executive=executive, position=1
    )
    actions = []
    for ref, status, end in [
        ("WC1", Status.BLUE, dt.date(2026, 9, 30)),
        ("WC2", Status.RED, dt.date(2026, 10, 31)),
        ("WC3", Status.GREEN, dt.date(2027, 3, 31)),
    ]:
        action = ActionFactory(plan=plan, ref=ref, status=status, end_date=end)
        WorkstreamAction.objects.create(workstream=ws, action=action)
        actions.append(action)
    kpi = Kpi.objects.create(
        plan=plan,
        ref="K1",
        name="Children streamed within 15 minutes of arrival",
        unit="%",
        direction=Direction.INCREASE,
        target=95,
        key_question=KeyQuestion.SAFE,
    )
    for month, value in zip(range(1, 12), VALUES, strict=True):
        KpiValue.objects.create(
            kpi=kpi, date=dt.date(2026, month, 20), value=value, entered_at=timezone.now()
        )
    ws.kpis.add(kpi)
    finding = Finding.objects.create(
        inspection=inspection, ref="M1", kind=FindingKind.MUST, text="Children must be seen."
    )
    rc = RootCause.objects.create(
        plan=plan,
        finding=finding,
        ref="M1.1",
        description="Not enough paediatric nurses in ED at night.",
        workstream=ws,
        due_date=dt.date(2026, 10, 31),
        kpi=kpi,
    )
    rc.actions.set(actions[:1])
    return ws


def _fits(page, width: int) -> None:
    wait_for_header(page)  # until the header folds its menu into "More", it overflows
    assert page_width(page) <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_the_board_reads_a_workstream_and_its_kpi_chart(page, workstream, width):
    UserFactory(username="board", roles=[Role.BOARD])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "board")
    page.goto(f"/plans/{workstream.plan_id}/workstreams/")
    expect(page.get_by_role("heading", level=1, name="Workstreams")).to_be_visible()
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_role("link", name="Women's and Children's").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Women's and Children's")
    expect(
        page.get_by_text("50% of planned trajectory; 1 closed against a target of 2")
    ).to_be_visible()
    chart = page.get_by_role("img", name="Children streamed within 15 minutes of arrival: XmR")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= width
    expect(page.get_by_text("Special cause variation: improvement (higher values)")).to_be_visible()
    page.get_by_text("The chart's data as a table").click()
    expect(
        page.get_by_role("table", name="Children streamed within 15 minutes of arrival: values")
    ).to_contain_text("Nov 2026")
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)


def test_the_executive_writes_the_months_narrative(page, workstream):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "exec")
    page.goto(f"/workstreams/{workstream.pk}/")
    page.get_by_role("link", name="Write the November 2026 narrative").click()
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_label("Progress since last month").fill("Children now streamed on arrival.")
    page.get_by_label("Key risks and concerns").fill("Night vacancies.")
    page.get_by_role("button", name="Save the narrative").click()

    expect(page.get_by_text("Narrative for November 2026 saved.")).to_be_visible()
    expect(page.get_by_text("Children now streamed on arrival.")).to_be_visible()
    _fits(page, 390)
    assert not (violations := run_axe(page)), describe_violations(violations)


def test_the_pmo_reads_root_causes_and_the_dashboards_programme_pages(page, workstream):
    UserFactory(username="pmo", roles=[Role.PMO])
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "pmo")
    page.goto(f"/plans/{workstream.plan_id}/root-causes/")
    expect(
        page.get_by_text("1 Must do root cause completed, 100% of the forecast trajectory")
    ).to_be_visible()
    _fits(page, 390)
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.goto(f"/plans/{workstream.plan_id}/board-dashboard/")
    expect(page.get_by_role("heading", name="Workstream: Women's and Children's")).to_be_visible()
    expect(
        page.get_by_role("img", name="Children streamed within 15 minutes of arrival: XmR")
    ).to_be_visible()
    _fits(page, 390)
    assert not (violations := run_axe(page)), describe_violations(violations)
