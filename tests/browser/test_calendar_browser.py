"""A lead makes a private calendar address on a phone and on a ward PC, and Outlook could
read it: the address the page shows answers with the lead's deadlines."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from actions.models import Role
from reporting.services import report_settings_ensure
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_lead_makes_a_calendar_address_and_it_serves_the_feed(page, frozen_now, width):
    plan = PlanFactory(name="CQC improvement plan 2026")
    report_settings_ensure(plan=plan)
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    ActionFactory(plan=plan, ref="T3", action_lead=lead)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "lead")
    page.get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", name="Your calendar")).to_be_visible()
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.get_by_label("Calendar address")
    expect(address).to_be_visible()
    assert page_width(page) <= width
    assert not (violations := run_axe(page)), describe_violations(violations)
    feed = page.request.get(address.input_value())
    assert feed.status == 200
    assert (
        "BEGIN:VCALENDAR" in feed.text()
        and "CQC improvement plan 2026 locks at 12:00" in feed.text()
    )
    page.get_by_role("button", name="Stop my calendar address").click()
    expect(page.get_by_text("Your calendar address no longer works.")).to_be_visible()
