"""Real-browser fixtures: Playwright's Python API driving Debian's Chromium.

Playwright's own browser download cannot work here, so Chromium is launched from
``/usr/bin/chromium``. The Django server is pytest-django's ``live_server``: it runs in a
thread of this process and serves static files through django.contrib.staticfiles, so
htmx and app.js load as they do in production, and ``time_machine`` moves its clock too.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect, sync_playwright

# Playwright's sync API runs an asyncio loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LONDON = ZoneInfo("Europe/London")
# Monday 10:00, two days before the plan's Wednesday 12:00 lock: the week is open.
MONDAY_MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
OFF_SITE = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")
# Browser steps and expect() wait at most this long (ms). A page answers in well under a
# second; the margin is for a busy CI machine.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    """Without Chromium, say so once per test rather than erroring inside Playwright."""
    if shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_instance():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def _static_root(django_test_environment):
    """WhiteNoise warns about a missing STATIC_ROOT; the live server serves from the finders."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def browser(_static_root, playwright_instance):
    """One Chromium for the whole run; each test gets fresh contexts (cookies, storage)."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def frozen_now():
    """Monday 23 Nov 2026 10:00 UK time, ticking: the server thread sees the same clock."""
    with time_machine.travel(MONDAY_MORNING, tick=True):
        yield MONDAY_MORNING


@pytest.fixture
def new_context(browser, live_server):
    """Open a fresh browser context (another person's browser) against the live server.

    The test fails if any page in it throws a JavaScript error, the server answers 5xx,
    or a static file (htmx, app.js, the CSS) fails to load.
    """
    contexts = []
    problems: list[str] = []

    def on_response(response):
        if response.status >= 500 or ("/static/" in response.url and response.status >= 400):
            problems.append(f"{response.status} {response.request.method} {response.url}")

    def make():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        # Nothing should ask for another site (test_every_width_browser checks it); should
        # anything, it is refused at once rather than stalling the page on a DNS lookup.
        context.route(OFF_SITE, lambda route: route.abort())
        context.on("weberror", lambda error: problems.append(f"JavaScript error: {error.error}"))
        context.on("response", on_response)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_context):
    """The first person's page (usually the action lead's)."""
    return new_context().new_page()
