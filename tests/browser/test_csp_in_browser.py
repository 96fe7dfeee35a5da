"""The Content Security Policy in a real browser: nothing on our pages is blocked by it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.factories import ActionFactory, PlanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_for_violations(browser_page) -> list[str]:
    found: list[str] = []
    browser_page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_no_page_breaks_the_content_security_policy(page, new_context, frozen_now):
    plan = PlanFactory(cycle_starts_on=frozen_now.date())
    lead = UserFactory(username="lead", roles=["Action lead"])
    ActionFactory(plan=plan, ref="T3", action_lead=lead)
    UserFactory(username="pmo", roles=["PMO"])
    violations = watch_for_violations(page)

    page.goto("/accounts/login/")
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    sign_in(page, "lead")
    page.goto("/my-actions/")
    page.get_by_role("button", name="On plan").click()
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text("Update saved")).to_be_visible()

    pmo_page = new_context().new_page()
    violations += watch_for_violations(pmo_page)
    sign_in(pmo_page, "pmo")
    pmo_page.goto("/automation/")
    expect(pmo_page.get_by_role("heading", name="Automation", exact=True)).to_be_visible()

    assert violations == []
