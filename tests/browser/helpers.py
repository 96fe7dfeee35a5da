"""What the browser tests do again and again: sign in, run axe."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "change-me-demo"  # tests/factories.py UserFactory's password


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, by its accessible names, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def run_axe(page) -> list[dict]:
    """Run axe-core on the page as it stands; return the serious and critical violations."""
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
