"""A weekly update that cannot be saved in-page keeps the lead's text and says why.

The session ends, the browser's cookies are cleared, the network drops, the PMO hands the
action to someone else: each time the typed text and status stay in the form, a message
beside Save says what happened and what to do, and (where it can) Save works again.
"""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from actions.models import Status, WeeklyUpdate
from tests.factories import ActionFactory

from .helpers import describe_violations, page_width, run_axe, sign_in
from .test_weekly_update import assert_same_page, card, mark_page, open_my_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Ward audits started; two of five wards done. Matron to chase the rest."
SIGNED_OUT = "You have been signed out, so this update was not saved."
UPDATE_URL = re.compile(r"/actions/\d+/update/$")


@pytest.fixture
def t3(plan, lead):
    return ActionFactory(plan=plan, ref="T3", action_lead=lead, theme="Training")


def type_update(page: Page) -> None:
    region = card(page, "T3")
    region.get_by_role("radio", name="Amber", exact=True).check()
    region.get_by_role("textbox", name="Update", exact=True).fill(TEXT)


def press_save(page: Page, status: int | None = None) -> None:
    region = card(page, "T3")
    if status is None:
        region.get_by_role("button", name="Save update").click()
        return
    with page.expect_response(UPDATE_URL) as response:
        region.get_by_role("button", name="Save update").click()
    assert response.value.status == status


def assert_text_kept(page: Page) -> None:
    region = card(page, "T3")
    expect(region.get_by_role("textbox", name="Update", exact=True)).to_have_value(TEXT)
    expect(region.get_by_role("radio", name="Amber", exact=True)).to_be_checked()
    expect(region.get_by_text("Update saved")).to_have_count(0)
    assert_same_page(page)
    assert not WeeklyUpdate.objects.exists()


def sign_in_again_in_a_new_tab(page: Page) -> None:
    """Follow the message's link: the sign-in page opens in a new tab of the same browser."""
    link = card(page, "T3").get_by_role("link", name="Sign in again in a new tab")
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.get_by_label("Username").fill("lead")
    tab.get_by_label("Password").fill("change-me-demo")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
    tab.close()


def assert_saved_now(page: Page) -> None:
    press_save(page, status=200)
    region = card(page, "T3")
    expect(region.get_by_role("status")).to_have_text("Update saved")
    expect(region.get_by_role("alert")).to_have_count(0)
    assert_same_page(page)
    update = WeeklyUpdate.objects.get()
    assert (update.narrative, update.status, update.author.username) == (
        TEXT,
        Status.AMBER,
        "lead",
    )


def end_the_session_on_the_server(page: Page) -> None:
    """What the idle timeout does: the session is gone, the browser still sends its cookie."""
    session_key = next(
        c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).delete()


def test_session_ended_keeps_the_text_says_sign_in_again_then_saves(page, frozen_now, t3):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    type_update(page)

    end_the_session_on_the_server(page)
    press_save(page, status=401)

    alert = card(page, "T3").get_by_role("alert")
    expect(alert).to_contain_text(SIGNED_OUT)
    expect(alert).to_contain_text("Sign in again in a new tab, then press Save again.")
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)  # no sign-in page
    assert_text_kept(page)

    # Signing in again gives a new CSRF token; the page sends it without a reload.
    sign_in_again_in_a_new_tab(page)
    assert_saved_now(page)


def test_cookies_cleared_keeps_the_text_and_saves_after_signing_in_again(page, frozen_now, t3):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    type_update(page)

    page.context.clear_cookies()  # no session and no CSRF cookie: the CSRF check refuses
    press_save(page, status=401)

    expect(card(page, "T3").get_by_role("alert")).to_contain_text(SIGNED_OUT)
    assert_text_kept(page)

    sign_in_again_in_a_new_tab(page)
    assert_saved_now(page)


def test_network_failure_keeps_the_text_and_save_works_when_it_is_back(page, frozen_now, t3):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    type_update(page)

    page.route(UPDATE_URL, lambda route: route.abort("internetdisconnected"))
    press_save(page)

    expect(card(page, "T3").get_by_role("alert")).to_contain_text(
        "The server could not be reached, so this update was not saved."
    )
    assert_text_kept(page)

    page.unroute(UPDATE_URL)
    assert_saved_now(page)


def test_action_given_to_another_lead_keeps_the_text_and_says_not_allowed(
    page, frozen_now, t3, other_lead
):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    type_update(page)

    t3.action_lead = other_lead
    t3.save(update_fields=["action_lead"])
    press_save(page, status=403)

    expect(card(page, "T3").get_by_role("alert")).to_contain_text(
        "You are not allowed to make this change, so this update was not saved."
    )
    assert_text_kept(page)


def test_out_of_date_page_says_reload(page, frozen_now, t3):
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    type_update(page)

    # A token the server no longer accepts (as a page served from a cache would carry).
    def stale_token(route):
        body = re.sub(
            r"csrfmiddlewaretoken=[^&]*", "csrfmiddlewaretoken=" + "z" * 32, route.request.post_data
        )
        route.continue_(post_data=body, headers={**route.request.headers, "x-csrftoken": "z" * 32})

    page.route(UPDATE_URL, stale_token)
    press_save(page, status=403)

    expect(card(page, "T3").get_by_role("alert")).to_contain_text(
        "The page was out of date, so this update was not saved."
    )
    assert_text_kept(page)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_message_fits_phones_and_desktops_and_passes_axe(page, frozen_now, t3, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "lead")
    open_my_actions(page)
    mark_page(page)
    type_update(page)

    end_the_session_on_the_server(page)
    press_save(page, status=401)

    alert = card(page, "T3").get_by_role("alert")
    expect(alert).to_be_visible()
    box = alert.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page_width(page) <= width
    save = card(page, "T3").get_by_role("button", name="Save update")
    assert abs(save.bounding_box()["y"] - box["y"]) < 200  # beside the Save button
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    assert_text_kept(page)
