"""The lead's weekly update in a real browser: htmx saves, the lock, the keyboard, axe.

Every locator is by role and accessible name, so these tests also prove the names that
people (and screen readers) use: "Username", "Password", "Sign in", "My actions",
"Status" with Red/Amber/Green/White, "Update", "On plan", "Save update", "Plan",
"Lock plan now" and "Sign out". Each action's card is a region named by its heading,
which starts with the action's ref.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from actions import services
from actions.models import ReportingPeriod, Status, WeeklyUpdate
from tests.factories import ActionFactory

from .conftest import LONDON
from .helpers import PASSWORD, describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THIS_DEADLINE = dt.datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)  # Wednesday 12:00
NEXT_DEADLINE = dt.datetime(2026, 12, 2, 12, 0, tzinfo=LONDON)
BLANK = "A blank update counts as not reviewed."


@pytest.fixture
def actions(plan, lead):
    """Three open actions led by "lead"; the tests update some and leave the others."""
    return {
        ref: ActionFactory(plan=plan, ref=ref, action_lead=lead, theme=theme)
        for ref, theme in [("T3", "Training"), ("R2", "Risk"), ("G11", "Governance")]
    }


def card(page: Page, ref: str):
    """One action's card: a region whose name (its heading) starts with the ref."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(ref)}\b"))


def open_my_actions(page: Page) -> None:
    page.get_by_role("link", name="My actions", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My actions")).to_be_visible()
    # The heading can show before the deferred scripts (htmx) have run: wait for "load".
    page.wait_for_load_state("load")


def open_plan(page: Page, plan) -> None:
    """The PMO follows "Plan" to the plan's page (through the list of plans if one shows)."""
    page.get_by_role("link", name="Plan", exact=True).click()
    expect(page).to_have_url(re.compile(r"/plans/(\d+/)?$"))
    if page.url.endswith("/plans/"):
        page.get_by_role("link", name=plan.name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=plan.name)).to_be_visible()
    expect(page.get_by_role("button", name="Lock plan now")).to_be_visible()


def mark_page(page: Page) -> None:
    """A value on window that survives only if the page is never reloaded."""
    page.evaluate("() => { window.__sameDocument = 'not reloaded' }")


def assert_same_page(page: Page) -> None:
    assert page.evaluate("() => window.__sameDocument") == "not reloaded", (
        "the page reloaded: the save did not happen in-page (is htmx loading?)"
    )


def save_on_plan(page: Page, ref: str) -> None:
    region = card(page, ref)
    region.get_by_role("button", name="On plan").click()
    expect(region.get_by_role("textbox", name="Update", exact=True)).to_have_value("On plan")
    with page.expect_response(re.compile(r"/actions/\d+/update/$")) as response:
        region.get_by_role("button", name="Save update").click()
    request = response.value.request
    assert request.method == "POST" and request.headers.get("hx-request") == "true"
    expect(region.get_by_role("status")).to_have_text("Update saved")


def test_lead_saves_on_plan_on_two_actions_without_reloading(page, frozen_now, actions):
    sign_in(page, "lead")
    open_my_actions(page)
    assert page.evaluate("() => typeof window.htmx") == "object", "htmx did not load"

    for ref in ("T3", "R2"):
        region = card(page, ref)
        expect(region.get_by_role("heading", name=re.compile(rf"^{ref}\b"))).to_be_visible()
        status = region.get_by_role("group", name="Status")
        for label in ("Red", "Amber", "Green", "White"):
            expect(status.get_by_role("radio", name=label, exact=True)).to_be_visible()
        expect(status.get_by_role("radio", name="Green", exact=True)).to_be_checked()
        expect(region.get_by_role("textbox", name="Update", exact=True)).to_be_empty()

    mark_page(page)
    save_on_plan(page, "T3")
    save_on_plan(page, "R2")
    assert_same_page(page)
    for ref in ("T3", "R2"):
        expect(card(page, ref).get_by_role("status")).to_have_text("Update saved")
    expect(card(page, "G11").get_by_text("Update saved")).to_have_count(0)
    expect(card(page, "T3").get_by_text("Updated", exact=True)).to_be_visible()

    updates = WeeklyUpdate.objects.select_related("action", "period")
    assert sorted(u.action.ref for u in updates) == ["R2", "T3"]
    assert {u.narrative for u in updates} == {"On plan"}
    assert {u.status for u in updates} == {Status.GREEN}
    assert {u.period.deadline for u in updates} == {THIS_DEADLINE}
    assert {u.author.username for u in updates} == {"lead"}


def test_save_after_the_pmo_locks_keeps_the_text_and_saves_it_to_the_next_period(
    page, new_context, frozen_now, actions, pmo
):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    expect(page.get_by_role("heading", name="Week ending Wed 25 Nov 2026")).to_be_visible()

    # The PMO, in their own browser, locks the plan early from the plan page.
    pmo_page = new_context().new_page()
    sign_in(pmo_page, "pmo")
    open_plan(pmo_page, actions["T3"].plan)
    pmo_page.get_by_role("textbox", name="Reason for locking early").fill(
        "Board paper due early this week"
    )
    pmo_page.get_by_role("button", name="Lock plan now").click()
    expect(pmo_page.get_by_role("status").filter(has_text="locked now")).to_be_visible()
    assert ReportingPeriod.objects.get(deadline=THIS_DEADLINE).is_locked

    # The lead's page still shows last period's form; what they type must not be lost.
    text = "Ward audits started; two of five wards done."
    region = card(page, "T3")
    region.get_by_role("radio", name="Amber", exact=True).check()
    region.get_by_role("textbox", name="Update", exact=True).fill(text)
    region.get_by_role("button", name="Save update").click()

    refusal = region.get_by_role("alert")
    expect(refusal).to_contain_text(
        re.compile(r"This period locked at Monday \d\d:\d\d; your update was not saved")
    )
    expect(region.get_by_role("textbox", name="Update", exact=True)).to_have_value(text)
    expect(region.get_by_role("radio", name="Amber", exact=True)).to_be_checked()
    assert not WeeklyUpdate.objects.exists()

    # One click saves the same text as the open (next) period's update.
    region.get_by_role("button", name="Save as next period's update").click()
    expect(region.get_by_role("status")).to_have_text("Update saved")
    expect(region.get_by_role("alert")).to_have_count(0)
    expect(region.get_by_text("Week ending Wed 2 Dec 2026")).to_be_visible()
    assert_same_page(page)

    update = WeeklyUpdate.objects.select_related("period", "action").get()
    assert (update.action.ref, update.narrative, update.status) == ("T3", text, Status.AMBER)
    assert update.period.deadline == NEXT_DEADLINE


def test_blank_update_is_refused_and_nothing_is_saved(page, frozen_now, actions):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    region = card(page, "T3")
    region.get_by_role("textbox", name="Update", exact=True).fill("   ")
    region.get_by_role("button", name="Save update").click()

    expect(region.get_by_role("alert")).to_contain_text(BLANK)
    box = region.get_by_role("textbox", name="Update", exact=True)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description(re.compile(re.escape(BLANK)))
    expect(region.get_by_text("Update saved")).to_have_count(0)
    assert_same_page(page)
    assert not WeeklyUpdate.objects.exists()

    # The error summary's link takes the keyboard straight to the box.
    region.get_by_role("link", name=BLANK).click()
    expect(box).to_be_focused()


def test_focus_moves_to_the_result_of_each_in_page_save(page, frozen_now, actions, pmo):
    """A screen reader user hears what happened: focus goes to the card's message.

    static/app.js does this on htmx:afterSwap; with hx-swap="outerHTML" the message is in
    the new card, not in ``event.detail.target`` (the old card, already removed).
    """
    sign_in(page, "lead")
    open_my_actions(page)

    save_on_plan(page, "T3")
    expect(card(page, "T3").get_by_role("status")).to_be_focused()

    card(page, "R2").get_by_role("button", name="Save update").click()
    expect(card(page, "R2").get_by_role("alert")).to_be_focused()

    services.plan_lock_now(plan=actions["G11"].plan, by=pmo, reason="Board paper due early")
    region = card(page, "G11")
    region.get_by_role("button", name="On plan").click()
    region.get_by_role("button", name="Save update").press("Enter")
    expect(region.get_by_role("alert")).to_contain_text("your update was not saved")
    expect(region.get_by_role("alert")).to_be_focused()


def _tab_until(page: Page, target, limit: int = 40) -> None:
    """Press Tab until ``target`` has focus; fail if it is never reached."""
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if handle.evaluate("el => el === document.activeElement"):
            return
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"Tab never reached {target}; focus is on {focused[:200]}")


def test_keyboard_only_lead_updates_an_action(page, frozen_now, actions):
    # Sign in with the keyboard: the lead lands on "My actions".
    page.goto("/accounts/login/")
    _tab_until(page, page.get_by_role("textbox", name="Username"))
    page.keyboard.type("lead")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="My actions")).to_be_visible()
    mark_page(page)
    region = card(page, "T3")
    status = region.get_by_role("group", name="Status")
    green = status.get_by_role("radio", name="Green", exact=True)
    white = status.get_by_role("radio", name="White", exact=True)
    on_plan = region.get_by_role("button", name="On plan")
    save = region.get_by_role("button", name="Save update")
    box = region.get_by_role("textbox", name="Update", exact=True)

    # Into the radio group (focus lands on the checked radio), arrow to White, Space selects.
    # (Not Amber: "On plan" alone is refused on an Amber or Red action.)
    _tab_until(page, green)
    page.keyboard.press("ArrowRight")
    expect(white).to_be_focused()
    page.keyboard.press("Space")
    expect(white).to_be_checked()

    # Tab on to "On plan" and press it with Space: the text is filled, focus goes to the box.
    _tab_until(page, on_plan, limit=5)
    page.keyboard.press("Space")
    expect(box).to_have_value("On plan")
    expect(box).to_be_focused()

    # Tab to "Save update" and press Enter.
    _tab_until(page, save, limit=5)
    page.keyboard.press("Enter")
    expect(region.get_by_role("status")).to_have_text("Update saved")
    assert_same_page(page)

    update = WeeklyUpdate.objects.get()
    assert (update.action.ref, update.status, update.narrative) == ("T3", Status.WHITE, "On plan")


def test_pages_have_no_serious_accessibility_violations(
    page, new_context, frozen_now, actions, pmo
):
    found: dict[str, list[dict]] = {}

    def check(name: str, on: Page) -> None:
        violations = run_axe(on)
        if violations:
            found[name] = violations

    page.goto("/accounts/login/")
    check("sign-in page", page)
    page.get_by_role("button", name="Sign in").click()  # empty form: the error state
    expect(page.get_by_role("alert")).to_be_visible()
    check("sign-in page with an error", page)

    sign_in(page, "lead")
    open_my_actions(page)
    check("My actions", page)
    save_on_plan(page, "T3")
    check("My actions after a save", page)
    card(page, "R2").get_by_role("button", name="Save update").click()
    expect(card(page, "R2").get_by_role("alert")).to_contain_text(BLANK)
    check("My actions after a refusal", page)

    card(page, "T3").get_by_role("link", name="T3").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^T3"))).to_be_visible()
    check("action page", page)
    page.get_by_role("link", name="Write this period's update").click()
    expect(card(page, "T3")).to_be_visible()
    check("update page", page)

    pmo_page = new_context().new_page()
    sign_in(pmo_page, "pmo")
    open_plan(pmo_page, actions["T3"].plan)
    check("plan page (PMO)", pmo_page)

    assert not found, "\n\n".join(
        f"{name}:\n{describe_violations(violations)}" for name, violations in found.items()
    )


def test_sign_out_signs_the_user_out(page, frozen_now, actions):
    sign_in(page, "lead")
    open_my_actions(page)
    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/my-actions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/my-actions/$"))
    expect(page.get_by_role("link", name="My actions")).to_have_count(0)
