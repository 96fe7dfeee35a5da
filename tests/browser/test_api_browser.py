"""The API's documentation runs under the strict Content Security Policy from our own static
files, and the PMO makes and revokes a token on a phone and on a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from actions.models import Role
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .conftest import OFF_SITE
from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_load_under_the_csp_and_try_a_request(page, frozen_now):
    plan = PlanFactory(name="CQC improvement plan 2026")
    ActionFactory(plan=plan, ref="T3")
    UserFactory(username="pmo", roles=[Role.PMO])
    sign_in(page, "pmo")
    # A page of its own, so only the docs' requests are watched (not the font NHS.UK's
    # stylesheet asks for on the page after sign-in).
    page = page.context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if message.type == "error" else None,
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Improvement plan API")).to_be_visible()
    operation = page.locator("#operations-Improvement_plans-integrations_api_plan_list")
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table")
    expect(live.locator("tbody td.response-col_status")).to_have_text("200")
    expect(live).to_contain_text("CQC improvement plan 2026")

    assert console == []
    assert [url for url in requested if OFF_SITE.match(url)] == [], "nothing from outside"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_pmo_makes_and_revokes_a_token(page, frozen_now, width):
    UserFactory(username="pmo", roles=[Role.PMO])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "pmo")
    page.goto("/api-tokens/")
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()

    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the token a name")
    page.get_by_label("What will use the token?").fill("Power BI quality dashboard")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("API token")
    expect(secret).to_have_value(re.compile(r"^ipt_[\w-]{40,}$"))
    expect(page.get_by_role("cell", name="Power BI quality dashboard", exact=True)).to_be_visible()
    # Measured once the page has loaded: the header script folds the menu under "More".
    page.wait_for_load_state("load")
    assert page_width(page) <= width
    assert not (violations := run_axe(page)), describe_violations(violations)

    response = page.request.get(
        "/api/v1/plans", headers={"Authorization": f"Bearer {secret.input_value()}"}
    )
    assert response.status == 200

    page.get_by_role("link", name="Revoke Power BI quality dashboard").click()
    expect(page.get_by_role("heading", name="Revoke this API token?")).to_be_visible()
    # Measured once the page has loaded: the header script folds the menu under "More".
    page.wait_for_load_state("load")
    assert page_width(page) <= width
    assert not (violations := run_axe(page)), describe_violations(violations)
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("no longer works")).to_be_visible()
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
