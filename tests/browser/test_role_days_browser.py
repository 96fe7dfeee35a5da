"""Each role's day in a real browser: where each lands, and My actions for a busy lead.

A lead with 25 actions sees the 3 still to do first (links that jump to each card), the
22 already updated folded away, and still saves in place; an exec lead lands on their
accountable actions, a reviewer on the queue with the number waiting, the board on the
board reports. Each page is checked with axe at 390 px and 1280 px.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from actions import services
from actions.models import Role, Status, WeeklyUpdate
from evidence.models import ClosureRequest
from tests.factories import ActionFactory, ExecRoleFactory, UserFactory

from .conftest import LONDON
from .helpers import AXE, describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_WEEK = dt.datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)
WIDTHS = [390, 1280]
# Elements that stick out past the screen's right edge, but for the header's menu (its
# "More" menu is separate work) and a responsive table's head (clipped on a phone).
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => !e.closest('.nhsuk-header, .nhsuk-table-responsive thead'))
  .map(e => e.tagName + '.' + e.className)
  .slice(0, 8)"""


def assert_fits_and_accessible(page: Page, width: int) -> None:
    """axe finds nothing serious and nothing is wider than the screen.

    At 390 px the header's menu wraps out of the blue bar (its "More" menu is being made
    to work separately), so there axe checks the page below the menu; at 1280 px all of it.
    """
    page.set_viewport_size({"width": width, "height": 900})
    if width < 1000:
        violations = run_axe_below_menu(page)
    else:
        violations = run_axe(page)
    assert not violations, describe_violations(violations)
    wide = page.evaluate(TOO_WIDE, width)
    assert not wide, wide


def run_axe_below_menu(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run({exclude: [['.nhsuk-header__navigation']]},"
        " {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def page_height(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def card(page: Page, ref: str):
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(ref)}\b"))


@pytest.fixture
def busy_lead(plan, lead, frozen_now):
    """25 actions: 22 updated this week (A1 to A22), 3 not (A23 to A25); A23 has last
    week's update to carry forward."""
    period = services.period_current_row(plan=plan, now=frozen_now)
    last_week = services.period_for_deadline(plan=plan, deadline=LAST_WEEK)
    actions = {}
    for n in range(1, 26):
        action = ActionFactory(
            plan=plan,
            ref=f"A{n}",
            action_lead=lead,
            theme="Training",
            requirement="The Trust must ensure that all staff complete mandatory training "
            "in safeguarding, infection control and basic life support, and that compliance "
            "is monitored monthly by each division's governance meeting.",
        )
        actions[action.ref] = action
        if n <= 22:
            services.update_submit(
                action=action,
                period=period,
                author=lead,
                status="G",
                narrative="On plan",
                now=frozen_now,
            )
    WeeklyUpdate.objects.create(
        action=actions["A23"],
        period=last_week,
        status=Status.AMBER,
        narrative="Two wards left to audit; both booked for next week.",
        author=lead,
        submitted_at=LAST_WEEK - dt.timedelta(days=1),
    )
    return actions


def test_busy_lead_sees_the_three_to_do_first_and_the_rest_folded(page, busy_lead):
    sign_in(page, "lead")
    expect(page.get_by_role("heading", level=1, name="My actions")).to_be_visible()
    page.wait_for_load_state("load")
    page.set_viewport_size({"width": 1280, "height": 900})

    todo = page.get_by_role("list", name=re.compile("^Not yet updated"))
    expect(todo.get_by_role("link")).to_have_text(["Update A23", "Update A24", "Update A25"])
    expect(page.get_by_text("3 not yet updated:")).to_be_visible()
    expect(page.get_by_role("heading", name="Already updated (22)")).to_be_visible()

    folded = page_height(page)
    page.evaluate("() => document.querySelectorAll('details.app-done').forEach(d => d.open = true)")
    unfolded = page_height(page)
    page.evaluate(
        "() => document.querySelectorAll('details.app-done').forEach(d => d.open = false)"
    )
    print(f"My actions, 25 actions at 1280 px: {folded} px folded, {unfolded} px unfolded")
    assert folded < unfolded * 0.4, (folded, unfolded)

    # The to-do links jump to each card.
    todo.get_by_role("link", name="Update A25").click()
    expect(page).to_have_url(re.compile(rf"#card-{busy_lead['A25'].pk}$"))
    expect(card(page, "A25")).to_be_in_viewport()

    # "Same as last week" carries last week's position into the form.
    a23 = card(page, "A23")
    a23.get_by_role("button", name="Same as last week").click()
    expect(a23.get_by_role("textbox", name="Update", exact=True)).to_have_value(
        "Two wards left to audit; both booked for next week."
    )
    expect(a23.get_by_role("radio", name="Amber", exact=True)).to_be_checked()

    # Saving still happens in place, and the to-do list follows.
    page.evaluate("() => { window.__sameDocument = 'not reloaded' }")
    with page.expect_response(re.compile(r"/actions/\d+/update/$")):
        a23.get_by_role("button", name="Save update").click()
    expect(a23.get_by_role("status")).to_have_text("Update saved")
    expect(todo.get_by_role("link")).to_have_text(["Update A24", "Update A25"])
    assert page.evaluate("() => window.__sameDocument") == "not reloaded"
    saved = WeeklyUpdate.objects.get(action=busy_lead["A23"], period__deadline__gt=LAST_WEEK)
    assert (saved.status, saved.narrative) == (
        Status.AMBER,
        "Two wards left to audit; both booked for next week.",
    )

    for width in WIDTHS:
        assert_fits_and_accessible(page, width)


def test_busy_lead_filters_to_what_is_left_by_a_plain_link(page, busy_lead):
    sign_in(page, "lead")
    page.get_by_role("link", name="Show only the actions not yet updated").click()

    expect(page).to_have_url(re.compile(r"\?show=todo$"))
    expect(page.get_by_role("region", name=re.compile(r"^A\d+\b"))).to_have_count(3)
    expect(page.get_by_role("link", name="Show all 25 actions")).to_be_visible()
    for width in WIDTHS:
        assert_fits_and_accessible(page, width)


def test_exec_lead_lands_on_their_accountable_actions(page, plan, frozen_now):
    exec_lead = UserFactory(
        username="exec", first_name="Eve", last_name="Exec", roles=[Role.EXEC_LEAD]
    )
    don = ExecRoleFactory(code="DoN", holder=exec_lead)
    ann = UserFactory(username="ann", first_name="Ann", last_name="Able")
    for ref, status, end in [
        ("D1", Status.GREEN, dt.date(2026, 12, 31)),
        ("D2", Status.RED, dt.date(2026, 12, 31)),
        ("D3", Status.AMBER, dt.date(2026, 10, 1)),
    ]:
        ActionFactory(
            plan=plan, ref=ref, status=status, end_date=end, action_lead=ann
        ).exec_roles.set([don])

    sign_in(page, "exec")
    page.goto("/")

    expect(page.get_by_role("heading", level=1, name="My accountable actions")).to_be_visible()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link").first).to_have_text("My accountable actions")
    expect(menu.get_by_role("link", name="My actions", exact=True)).to_have_count(0)
    expect(page.get_by_text("Past end date")).to_be_visible()
    expect(page.get_by_text("Ann Able: D1, D2, D3")).to_be_visible()
    for width in WIDTHS:
        assert_fits_and_accessible(page, width)


def test_reviewer_lands_on_the_queue_with_the_number_waiting(page, plan, lead, frozen_now):
    UserFactory(username="reviewer", roles=[Role.REVIEWER])
    for ref in ("T1", "T2"):
        ClosureRequest.objects.create(
            action=ActionFactory(plan=plan, ref=ref, action_lead=lead),
            summary="Done; register attached.",
            requested_by=lead,
            requested_at=frozen_now,
            previous_status=Status.GREEN,
        )

    sign_in(page, "reviewer")
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/review/$"))
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link").first).to_have_accessible_name(
        re.compile(r"^Review queue \(2\s+waiting\s*\)$")
    )
    for width in WIDTHS:
        assert_fits_and_accessible(page, width)


def test_board_member_lands_on_the_board_reports(page, plan, board, frozen_now):
    sign_in(page, "board")
    page.goto("/")

    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/board-reports/$"))
    expect(page.get_by_role("heading", level=1, name="Board highlight reports")).to_be_visible()
    expect(page.get_by_role("button", name="Lock plan now")).to_have_count(0)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="My actions", exact=True)).to_have_count(0)
    expect(menu.get_by_role("link").first).to_have_text("Board reports")
    for width in WIDTHS:
        assert_fits_and_accessible(page, width)
