"""KPIs in a real browser: the board reads the list and a chart on a phone and a desktop;
the KPI's owner enters a value from My actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from actions.models import KeyQuestion, Role
from kpis.models import Direction, Kpi, KpiValue
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VALUES = [60, 62, 58, 61, 59, 63, 60, 64, 70, 72, 75]


@pytest.fixture
def plan(frozen_now):
    plan = PlanFactory(name="CQC improvement plan 2026")
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    ActionFactory(plan=plan, ref="T3", action_lead=lead)
    streamed = Kpi.objects.create(
        plan=plan,
        ref="K1",
        name="Children streamed within 15 minutes of arrival",
        unit="%",
        direction=Direction.INCREASE,
        target=95,
        owner=lead,
        key_question=KeyQuestion.SAFE,
    )
    for month, value in zip(range(1, 12), VALUES, strict=True):
        KpiValue.objects.create(
            kpi=streamed, date=dt.date(2026, month, 20), value=value, entered_at=timezone.now()
        )
    Kpi.objects.create(
        plan=plan,
        name="Cost $ per bed day",
        unit="£",
        direction=Direction.DECREASE,
        key_question=KeyQuestion.WELL_LED,
    )
    return plan


def _fits(page, width: int) -> None:
    assert page_width(page) <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_the_board_reads_the_kpi_list_and_a_kpis_chart(page, plan, width):
    UserFactory(username="board", roles=[Role.BOARD])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "board")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="KPIs", exact=True).click()

    expect(page.get_by_role("heading", level=1, name="KPIs")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Safe")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Well-led")).to_be_visible()
    expect(page.get_by_text("Special cause variation: improvement (higher values)")).to_be_visible()
    expect(page.get_by_text("The target will consistently be missed")).to_be_visible()
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_role("link", name="K1 Children streamed within 15 minutes of arrival").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Children streamed within 15 minutes of arrival"
    )
    chart = page.get_by_role("img", name="Children streamed within 15 minutes of arrival: XmR")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= width
    expect(page.get_by_role("table", name="Values")).to_contain_text("Nov 2026")
    expect(page.get_by_role("button", name="Save value")).to_have_count(0)
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)


def test_the_owner_enters_a_value_from_my_actions(page, plan):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "lead")
    expect(page.get_by_role("heading", name="Your KPIs")).to_be_visible()
    page.get_by_role("link", name="K1 Children streamed within 15 minutes of arrival").click()

    page.get_by_label("Date", exact=True).fill("23/11/2026")
    page.get_by_label("Value", exact=True).fill("81")
    page.get_by_role("button", name="Save value").click()

    expect(page.get_by_text("Saved 81% for 23/11/2026.")).to_be_visible()
    expect(page.get_by_role("table", name="Values")).to_contain_text("81%")
    _fits(page, 390)
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_label("Date", exact=True).fill("24/11/2026")
    page.get_by_label("Value", exact=True).fill("82")
    page.get_by_role("button", name="Save value").click()
    expect(page.get_by_role("alert")).to_contain_text("is in the future")
    assert not (violations := run_axe(page)), describe_violations(violations)


def test_the_pmo_adds_a_kpi_and_imports_its_values(page, plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    UserFactory(username="pmo", roles=[Role.PMO])
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/kpis/")
    page.get_by_role("link", name="Add a KPI").click()
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_label("Name").fill("Falls per 1,000 bed days")
    page.get_by_label("Ref.").fill("K2")
    page.get_by_label("CQC key question").select_option(label="Safe")
    page.get_by_label("Lower is better").check()
    page.get_by_label("Target").fill("4")
    page.get_by_role("button", name="Add the KPI").click()
    expect(page.get_by_text("KPI “Falls per 1,000 bed days” added.")).to_be_visible()

    page.goto(f"/plans/{plan.pk}/kpis/import/")
    page.get_by_label("KPI values file").set_input_files(
        {
            "name": "falls.csv",
            "mimeType": "text/csv",
            "buffer": b"KPI ref,Date,Value\nK2,30/09/2026,5.1\nK2,31/10/2026,4.4\n",
        }
    )
    page.get_by_role("button", name="Preview import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the values before saving")
    assert not (violations := run_axe(page)), describe_violations(violations)
    page.get_by_role("button", name="Confirm import").click()

    expect(page.get_by_text("2 new, 0 replaced, 0 unchanged")).to_be_visible()
    assert list(KpiValue.objects.filter(kpi__ref="K2").values_list("value", flat=True)) == [
        5.1,
        4.4,
    ]
