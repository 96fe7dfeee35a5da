"""A new plan year and a download of the plan, in a real browser.

Locators are by role and accessible name: "Start new plan year", "Name of the new plan
year", "New theme for “Training”", "Continue", "Start the new plan year", and the
"Excel (.xlsx)" download on the plan page.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from actions import services
from actions.models import Action, CarryOver, Plan, Status
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def year_plan(db, lead):
    plan = PlanFactory(name="IQIP 2020/21", cycle_starts_on=dt.date(2026, 11, 16))
    ActionFactory(plan=plan, ref="T1", theme="Training", action_lead=lead, status=Status.RED)
    ActionFactory(plan=plan, ref="T2", theme="Training", action_lead=lead, status=Status.AMBER)
    ActionFactory(plan=plan, ref="G1", theme="Governance", action_lead=lead)
    ActionFactory(plan=plan, ref="G2", theme="Governance", action_lead=lead, status=Status.BLUE)
    return plan


def assert_accessible(page: Page) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


def test_pmo_starts_a_new_plan_year_and_the_old_plan_is_read_only(
    page, new_context, frozen_now, year_plan, lead
):
    UserFactory(username="pmo", roles=["PMO"])
    sign_in(page, "pmo")
    page.goto(f"/plans/{year_plan.pk}/")
    page.get_by_role("link", name="Start new plan year").click()

    expect(page.get_by_role("heading", level=1, name="Start a new plan year")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name of the new plan year").fill("IQIP 2021/22")
    page.get_by_label("Updates start on").fill("23/11/2026")
    page.get_by_label("New theme for “Training”").fill("Workforce")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check before starting IQIP 2021/22")
    carried = page.locator(".nhsuk-summary-list__row", has_text="Open actions carried over")
    expect(carried).to_contain_text("3")
    kept = page.locator(".nhsuk-summary-list__row", has_text="Closed actions kept")
    expect(kept).to_contain_text("1")
    expect(page.get_by_role("cell", name="Workforce")).to_be_visible()
    assert_accessible(page)
    assert not CarryOver.objects.exists()
    page.get_by_role("button", name="Start the new plan year").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "IQIP 2021/22 started from IQIP 2020/21"
    )
    expect(page.get_by_text("3 open actions carried over; 1 closed action kept")).to_be_visible()
    assert_accessible(page)
    new_plan = Plan.objects.get(name="IQIP 2021/22")
    assert sorted(new_plan.actions.values_list("ref", "theme")) == [
        ("G1", "Governance"),
        ("T1", "Workforce"),
        ("T2", "Workforce"),
    ]

    page.get_by_role("link", name="See IQIP 2020/21 (read-only)").click()
    expect(page.get_by_text("this plan is read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Lock plan now")).to_have_count(0)
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    assert_accessible(page)

    # The lead's My actions page offers the new plan's week for the carried actions.
    lead_tab = new_context().new_page()
    sign_in(lead_tab, "lead")
    lead_tab.goto("/my-actions/")
    expect(lead_tab.get_by_role("link", name="T1", exact=True)).to_be_visible()
    period = services.period_current_row(plan=new_plan)
    assert Action.objects.get(ref="T1").plan == new_plan
    expect(lead_tab.get_by_text(period.label).first).to_be_visible()


def test_a_reader_downloads_the_filtered_plan_as_excel(page, frozen_now, year_plan):
    UserFactory(username="board", roles=["Board member"])
    sign_in(page, "board")
    page.goto(f"/plans/{year_plan.pk}/?status=R&status=A")
    expect(page.get_by_text("the actions matching these filters")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (.xlsx)").click()

    assert download.value.suggested_filename == "iqip-202021-2026-11-23.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet.freeze_panes == "A2"
    rows = [r[:6] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[5]) for r in rows] == [("T1", "Red"), ("T2", "Amber")]
    assert sheet["F2"].fill.fgColor.rgb.endswith("DA291C")
