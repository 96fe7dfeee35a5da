"""Two-factor sign-in in a real browser, on a phone-sized screen."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.factories import UserFactory

from .conftest import MONDAY_MORNING
from .helpers import PASSWORD, describe_violations, page_width, run_axe, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pmo_sets_up_two_factor_sign_in_on_a_phone(new_context, live_server):
    with time_machine.travel(MONDAY_MORNING, tick=True) as clock:
        _set_up_on_a_phone(new_context, clock)


def _set_up_on_a_phone(new_context, clock):
    UserFactory(username="pmo", roles=["PMO"])
    page = new_context().new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto("/plans/")
    page.get_by_label("Username").fill("pmo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up/\?next=%2Fplans%2F$"))
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.locator("svg.app-qr")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] <= 390
    assert page_width(page) <= 390
    assert not run_axe(page), describe_violations(run_axe(page))
    # The menu does not open yet, and no other page does either.
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    page.goto("/my-actions/")
    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up/"))

    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Security code").fill("000000" if totp_code(key) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code did not match").first).to_be_visible()

    clock.shift(dt.timedelta(seconds=5))  # django-otp waits a second after a wrong code
    page.get_by_label("Security code").fill(totp_code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code")
    expect(codes).to_have_count(10)
    assert page_width(page) <= 390
    assert not run_axe(page), describe_violations(run_axe(page))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Save the recovery codes first").first).to_be_visible()
    page.get_by_label("I have saved these recovery codes somewhere safe").check()
    page.get_by_role("button", name="Continue").click()

    # The page the PMO last tried to open.
    expect(page).to_have_url(re.compile(r"/my-actions/$"))
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    expect(page.get_by_text("Two-factor sign-in is on").first).to_be_visible()
    assert blocked == []  # the QR code is drawn inline by us: nothing for the CSP to block
