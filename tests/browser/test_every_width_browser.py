"""Every screen at a phone's width (390 px) and a desktop's (1280 px), for every role.

The demo plan (33 actions with weeks of updates, locks, exception reports, assurance
meetings and sign-offs behind it) is loaded, then each role's pages are found the way a
person finds them: from the menu, then the links on those pages. One page per kind of page
(per URL name) is opened, so a plan's 33 action pages cost one visit. On each: the page must
not scroll sideways (wide tables scroll inside their own region) and axe finds nothing
serious. The PMO's menu at 390 px folds what does not fit under a "More" button.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from demo.seed import demo_seed

from .helpers import describe_violations, page_width, run_axe, sign_in, wait_for_header

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ROLES = ["lead", "pmo", "exec", "reviewer", "board"]
# Not pages: files, feeds, the sign-out, the admin site, and pages that change something
# just by being opened (none should, but they are not what this test is about).
NOT_PAGES = {
    "logout",
    "admin",
    "calendar_feed",
    "evidence_download",
    "exception_report_pdf",
    "board_report_pdf",
    "public_plan_pdf",
}
NOT_PAGE_SUFFIXES = ("_pdf", "_download", "_export", "_xlsx", "_csv", "_status")
# The findings mapping page runs the suggestions model over every finding and action.
SLOW_PAGE_MS = 60_000


@pytest.fixture
def demo(frozen_now, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    with override_settings(DEBUG=True):
        return demo_seed(history=True, now=frozen_now)


def page_name(path: str) -> str | None:
    """The URL's name if it is a page this test opens, else None."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.url_name or ""
    if match.app_name == "admin" or name in NOT_PAGES or name.endswith(NOT_PAGE_SUFFIXES):
        return None
    # The API: JSON, and its Swagger UI docs (tests/browser/test_api_browser.py checks those).
    if path.startswith("/api/"):
        return None
    return name


def links_on(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or not parts.path:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def overflow(page) -> int:
    return page_width(page)


def crawl(page, origin: str, *, depth: int = 2) -> dict[str, str]:
    """URL name -> the first URL of that name reachable from the menu within ``depth``."""
    seen: dict[str, str] = {}
    frontier = ["/"]
    for _ in range(depth + 1):
        next_frontier = []
        for url in frontier:
            page.goto(url, timeout=SLOW_PAGE_MS)
            for link in links_on(page, origin):
                name = page_name(urlsplit(link).path)
                if name and name not in seen:
                    seen[name] = link
                    next_frontier.append(link)
        frontier = next_frontier
    return seen


@pytest.mark.parametrize("username", ROLES)
def test_no_page_scrolls_sideways_on_a_phone_and_none_fails_axe(
    new_context, live_server, demo, username
):
    context = new_context()
    page = context.new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, username)
    pages = crawl(page, live_server.url)
    assert len(pages) >= 3, pages  # the crawl found the role's pages, not just the home page

    too_wide: list[str] = []
    problems: list[str] = []
    for name, url in sorted(pages.items()):
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            page.goto(url, timeout=SLOW_PAGE_MS)
            width = overflow(page)
            if width > viewport["width"]:
                too_wide.append(f"{url} ({name}) is {width} px wide at {viewport['width']} px")
        page.set_viewport_size(PHONE)
        violations = run_axe(page)
        if violations:
            problems.append(f"{url} ({name}) at 390 px:\n{describe_violations(violations)}")
    assert not too_wide, "\n".join(too_wide)
    assert not problems, "\n\n".join(problems)


def test_the_pmo_menu_folds_under_more_on_a_phone(page, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, "pmo")
    menu = page.get_by_role("navigation", name="Menu")
    more = menu.get_by_role("button", name="More")
    expect(more).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "false")
    assert overflow(page) <= PHONE["width"]
    # The PMO's last item (the menu puts each role's own work first).
    changes = menu.get_by_role("link", name="Change requests")
    expect(changes).to_be_hidden()

    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(changes).to_be_visible()
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    changes.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change requests")
    wait_for_header(page)

    # At a desktop's width the PMO's daily pages have room; the last item stays under More.
    page.set_viewport_size(DESKTOP)
    wait_for_header(page)
    for name in ("Plan", "Review queue", "Exception reports", "Board reports", "People"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    assert overflow(page) <= DESKTOP["width"]


def test_the_api_tokens_are_opened_from_the_automation_page(page, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, "pmo")
    page.goto("/automation/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("API tokens")
    assert overflow(page) <= PHONE["width"]


def test_the_plan_table_scrolls_in_its_own_region_with_its_first_column_in_view(page, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, "pmo")
    page.goto(f"/plans/{demo.pk}/")
    region = page.get_by_role("region", name="Actions", exact=True)
    expect(region).to_be_visible()
    widths = region.evaluate("e => [e.clientWidth, e.scrollWidth]")
    assert widths[0] < PHONE["width"] < widths[1]  # the table is wider than the phone

    region.focus()  # the keyboard can reach it, and the arrow keys scroll it
    expect(region).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    region.evaluate("e => { e.scrollLeft = e.scrollWidth }")  # all the way to the right
    first_header = region.get_by_role("columnheader").first
    left = first_header.evaluate("e => e.getBoundingClientRect().left")
    region_left = region.evaluate("e => e.getBoundingClientRect().left")
    assert abs(left - region_left) < 2  # the first column stayed where it was
    assert overflow(page) <= PHONE["width"]


def test_pages_load_nothing_from_outside_the_site(new_context, live_server, demo):
    """Trust networks block other sites: no font, script or image is asked for elsewhere."""
    context = new_context()
    requested: list[tuple[str, str]] = []
    context.on("request", lambda request: requested.append((request.frame.url, request.url)))
    page = context.new_page()
    page.goto("/accounts/login/")
    sign_in(page, "pmo")
    plan = demo
    for url in [
        "/my-actions/",
        f"/plans/{plan.pk}/",
        "/exception-reports/",
        "/inspections/",
        "/meetings/",
        f"/plans/{plan.pk}/board-dashboard/",
    ]:
        page.goto(url)
        page.wait_for_load_state("networkidle")

    origin = live_server.url
    assert len(requested) > 10
    elsewhere = sorted(
        {
            f"{on} asked for {url}"
            for on, url in requested
            if not url.startswith((origin + "/", "data:"))
        }
    )
    assert elsewhere == []
