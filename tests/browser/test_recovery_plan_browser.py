"""A lead turns an action Red: the recovery plan fields appear and save with the update."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from actions.models import RecoveryPlan, Status
from tests.factories import ActionFactory

from .helpers import describe_violations, page_width, run_axe, sign_in
from .test_weekly_update import card, open_my_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_lead_chooses_red_fills_the_recovery_plan_and_saves(page, frozen_now, plan, lead, width):
    ActionFactory(plan=plan, ref="T3", action_lead=lead, theme="Training", status=Status.AMBER)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "lead")
    open_my_actions(page)
    region = card(page, "T3")
    recovery = region.get_by_role("group", name="If Red: recovery plan")
    expect(recovery).to_be_hidden()

    region.get_by_role("radio", name="Red", exact=True).check()
    expect(recovery).to_be_visible()
    region.get_by_role("textbox", name="Update", exact=True).fill("Trainer off sick; 40% done")
    region.get_by_role("button", name="Save update").click()
    expect(region.get_by_text("Say what will be done to recover T3").first).to_be_visible()
    expect(region.get_by_text("Give a date by when").first).to_be_visible()
    expect(region.get_by_text("Say who will do it").first).to_be_visible()
    assert not RecoveryPlan.objects.exists()

    region = card(page, "T3")
    region.get_by_label("What will be done to recover it").fill("Bank trainer booked")
    region.get_by_label("By when").fill("2026-12-18")
    region.get_by_label("Who will do it").fill("DoN with ward managers")
    region.get_by_role("button", name="Save update").click()
    expect(region.get_by_role("status")).to_have_text("Update saved")
    saved = RecoveryPlan.objects.get()
    assert (saved.what, saved.who) == ("Bank trainer booked", "DoN with ward managers")
    assert str(saved.by_when) == "2026-12-18"
    assert page_width(page) <= width
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
