"""What the browser tests do again and again: sign in, run axe."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from playwright.sync_api import expect

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "change-me-demo"  # tests/factories.py UserFactory's password


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, by its accessible names, as a person would; then give
    the second factor the PMO, exec leads, reviewers and the board are asked for."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if "/account/two-factor/set-up/" in page.url:
        set_up_two_factor(page)
    elif "/account/two-factor/code/" in page.url:
        page.get_by_label("Security code").fill(authenticator_code(username))
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("navigation", name="Menu")).to_be_visible()


def totp_code(key: bytes, at: float | None = None) -> str:
    """The code an authenticator app shows for this key (RFC 6238: 30 s, 6 digits)."""
    from django_otp.oath import TOTP

    totp = TOTP(key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def set_up_two_factor(page) -> list[str]:
    """On the set-up page: type the key into the 'app', confirm its code, save the
    recovery codes. Returns the recovery codes."""
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Security code").fill(totp_code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    page.get_by_label("I have saved these recovery codes somewhere safe").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    return codes


def authenticator_code(username: str) -> str:
    """A code the user's authenticator accepts now: each step's code is accepted once, so
    after a sign-in in this step, the next step's (within the one step of tolerance)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    now = time.time()
    step_now = int((now - device.t0) // device.step)
    if step_now <= device.last_t:
        now += (device.last_t + 1 - step_now) * device.step
    return totp_code(device.bin_key, now)


HEADER_READY = """() => {
    const header = document.querySelector('[data-module="nhsuk-header"]');
    return !header || header.hasAttribute('data-nhsuk-header-init');
}"""


def wait_for_header(page) -> None:
    """Wait until NHS.UK's header script has folded the menu into "More" for this width.

    Until it has, the menu items overflow onto the grey page background at 390 px, which is
    not what anyone sees and fails the contrast check. The script is a module, so it runs after
    the page has parsed: after a form's redirect it can still be pending when a check starts.
    """
    page.wait_for_load_state("load")
    page.wait_for_function(HEADER_READY)
    # The header folds the menu in the frame after it initialises.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def page_width(page) -> int:
    """The page's width as laid out once the header has folded its menu."""
    wait_for_header(page)
    return page.evaluate("() => document.documentElement.scrollWidth")


def run_axe(page) -> list[dict]:
    """Run axe-core on the page as it stands; return the serious and critical violations."""
    wait_for_header(page)
    # Evaluated rather than added as a <script>: the Content Security Policy forbids inline
    # scripts, and what the browser tool runs is not the page's own script.
    page.evaluate(AXE.read_text())
    # Only violations are read: skipping the passes' details makes each run much faster.
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)
