"""The PMO's people pages in a real browser, on a phone and on a desktop screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from actions.models import ExecRole
from improvement.models import PeopleChange
from tests.factories import ExecRoleFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, width: int) -> None:
    """Nothing wider than the screen, and nothing serious for axe."""
    # Measured once the page has loaded: the header script folds the menu under "More".
    page.wait_for_load_state("load")
    assert page_width(page) <= width, page.url
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


@pytest.mark.parametrize("width", [390, 1280])
def test_pmo_adds_a_person_gives_a_role_and_an_exec_role_and_deactivates_a_leaver(
    page, frozen_now, pmo, width
):
    UserFactory(username="sam", first_name="Sam", last_name="Leaver", roles=["Action lead"])
    ExecRoleFactory(code="DWOD", title="Director of Workforce and OD")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "pmo")

    if width >= 1000:
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    else:
        page.goto("/people/")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    _check(page, width)

    # Add a person: no password is set here.
    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    _check(page, width)
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Work email address").fill("grace.okafor@nhs.net")
    page.get_by_label("Username").fill("grace.okafor")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Grace Okafor is added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Grace Okafor")).to_be_visible()

    # Give them the Action lead role.
    page.get_by_role("link", name="Change roles").click()
    _check(page, width)
    page.get_by_label(re.compile(r"^Action lead")).check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_text("Roles saved: Grace Okafor given Action lead.")).to_be_visible()
    expect(page.get_by_role("cell", name="Role given: Action lead")).to_be_visible()

    # Make them the holder of DWOD.
    page.goto("/exec-roles/")
    _check(page, width)
    page.get_by_role("link", name="Change DWOD").click()
    page.get_by_label("Who holds it").select_option(label="Grace Okafor")
    _check(page, width)
    page.get_by_role("button", name="Save DWOD").click()
    expect(page.get_by_text("DWOD saved: held by Grace Okafor.")).to_be_visible()
    page.get_by_role("link", name="Grace Okafor").click()
    expect(page.get_by_role("cell", name="Executive role holder changed: DWOD")).to_be_visible()
    _check(page, width)

    # Deactivate someone who left.
    page.goto("/people/")
    page.get_by_label("Name, email or username").fill("leaver")
    page.get_by_role("button", name="Show people").click()
    page.get_by_role("link", name="Sam Leaver").click()
    page.get_by_role("link", name="Deactivate Sam Leaver").click()
    _check(page, width)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Sam Leaver is deactivated")).to_be_visible()
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    _check(page, width)

    assert ExecRole.objects.get(code="DWOD").holder.username == "grace.okafor"
    assert PeopleChange.objects.filter(
        person__username="sam", kind=PeopleChange.Kind.DEACTIVATED, by=pmo
    ).exists()
