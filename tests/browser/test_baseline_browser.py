"""Change control in a browser: a lead asks to move an end date, an exec lead approves it.

Every page on the way (the request form, the request, the list, the baseline) passes axe
and fits a 390 px phone without sideways scrolling.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from actions import baseline
from actions.models import ChangeRequest, Role
from tests.factories import ActionFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page, width: int) -> None:
    assert page_width(page) <= width
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


@pytest.mark.parametrize("width", [390, 1280])
def test_lead_asks_to_move_an_end_date_and_the_exec_lead_approves(
    new_context, frozen_now, plan, lead, pmo, width
):
    UserFactory(username="don", roles=[Role.EXEC_LEAD])
    action = ActionFactory(
        plan=plan, ref="T3", action_lead=lead, theme="Training", end_date=dt.date(2026, 11, 30)
    )
    baseline.baseline_take(plan=plan, by=pmo, reason="Approved by the ECIB on 2 February")

    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "lead")
    page.goto(f"/actions/{action.pk}/")
    page.get_by_role("link", name="Ask to change the end date or scope").click()
    expect(page.get_by_role("heading", name="Ask to change T3")).to_be_visible()
    page.get_by_role("button", name="Ask for the change").click()
    expect(page.get_by_text("Say why the plan should change.").first).to_be_visible()
    checked(page, width)
    page.get_by_label("Proposed end date").fill("31/03/2027")
    page.get_by_label("Why the plan should change").fill("The e-learning platform is late")
    page.get_by_role("button", name="Ask for the change").click()
    expect(page.get_by_role("heading", name="Change request: T3")).to_be_visible()
    expect(page.get_by_text("Waiting for a decision", exact=True)).to_be_visible()
    checked(page, width)

    exec_page = new_context().new_page()
    exec_page.set_viewport_size({"width": width, "height": 900})
    sign_in(exec_page, "don")
    exec_page.goto(f"/plans/{plan.pk}/changes/")
    expect(exec_page.get_by_role("heading", name="Change requests", exact=True)).to_be_visible()
    checked(exec_page, width)
    exec_page.get_by_role("link", name="T3: End date 30/11/2026 to 31/03/2027").click()
    exec_page.get_by_role("radio", name="Refuse the change").check()
    exec_page.get_by_role("button", name="Record the decision").click()
    expect(exec_page.get_by_text("Give the reason for refusing.").first).to_be_visible()
    checked(exec_page, width)
    exec_page.get_by_role("radio", name="Approve the change").check()
    exec_page.get_by_label("Decision note").fill("Agreed at the ECIB")
    exec_page.get_by_role("button", name="Record the decision").click()
    expect(exec_page.get_by_text("Change approved: T3 now reads as proposed.")).to_be_visible()
    checked(exec_page, width)

    action.refresh_from_db()
    assert action.end_date == dt.date(2027, 3, 31)
    assert ChangeRequest.objects.get().state == ChangeRequest.State.APPROVED

    exec_page.goto(f"/plans/{plan.pk}/baseline/")
    expect(exec_page.get_by_text("End date changed since the baseline")).to_be_visible()
    checked(exec_page, width)


@pytest.mark.parametrize("width", [390, 1280])
def test_pmo_approves_the_plan_and_sets_its_baseline(new_context, frozen_now, plan, pmo, width):
    ActionFactory(plan=plan, ref="T3", end_date=dt.date(2026, 11, 30))
    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/baseline/")
    checked(page, width)
    page.get_by_label("Reason").fill("Approved by the ECIB on 2 February")
    page.get_by_role("button", name="Approve plan and set baseline").click()
    expect(page.get_by_text("Plan approved and baselined")).to_be_visible()
    expect(page.get_by_role("button", name="Re-baseline the plan")).to_be_visible()
    checked(page, width)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_board_dashboard_shows_the_forecast_and_the_months_changes(
    new_context, frozen_now, plan, lead, pmo, board, width
):
    action = ActionFactory(plan=plan, ref="T3", action_lead=lead, end_date=dt.date(2026, 11, 30))
    ActionFactory(plan=plan, ref="T4", action_lead=lead, end_date=dt.date(2027, 1, 31))
    baseline.baseline_take(plan=plan, by=pmo, reason="Approved by the ECIB")
    [request] = baseline.change_request_raise(
        action=action, by=lead, reason="Platform late", proposed_end_date=dt.date(2027, 3, 31)
    )
    baseline.change_request_approve(request=request, by=pmo)

    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "board")
    page.goto(f"/plans/{plan.pk}/board-dashboard/")
    expect(
        page.get_by_role("heading", name="Changes to the plan approved in November 2026")
    ).to_be_visible()
    expect(page.get_by_text("End date 30 November 2026 → 31 March 2027")).to_be_visible()
    checked(page, width)
