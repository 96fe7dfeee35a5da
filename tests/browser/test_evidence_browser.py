"""Blue means proven, in a real browser: evidence, closure request, sign-off in the queue.

Every locator is by role and accessible name, so this also proves the names people use:
"Add evidence", "File", "Description", "Upload", "Summary", "Request closure",
"Review queue", "I have reviewed the evidence", "Approve", "Decline", "Reason", and on
the action "Blue" and "Signed off by" with the reviewer's name.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from actions.models import Role, Status
from evidence.models import ClosureRequest, Evidence, SignOff
from tests.evidence import samples
from tests.evidence.db import signoffs_cleared  # noqa: F401 - a fixture
from tests.factories import ActionFactory, UserFactory

from .helpers import describe_violations, run_axe, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("signoffs_cleared"),
]


@pytest.fixture
def evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence-store"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def t3(plan, lead):
    return ActionFactory(
        plan=plan, ref="T3", theme="Training", department="Medicine", action_lead=lead
    )


@pytest.fixture
def reviewer(db):
    return UserFactory(
        username="reviewer", first_name="David", last_name="Hughes", roles=[Role.REVIEWER]
    )


def closure_card(page: Page, ref: str):
    """One waiting closure in the queue: a region named by its heading, which starts with ref."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(ref)}\b"))


def assert_accessible(page: Page) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


def test_lead_uploads_and_requests_closure_then_a_reviewer_signs_off(
    page, new_context, frozen_now, evidence_root, tmp_path, t3, reviewer
):
    register = tmp_path / "Training register.pdf"
    register.write_bytes(samples.PDF)

    # The action lead adds a PDF as evidence from the action's page.
    sign_in(page, "lead")
    page.get_by_role("link", name="My actions", exact=True).click()
    page.get_by_role("link", name="T3", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="T3: Training")).to_be_visible()
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("File").set_input_files(register)
    page.get_by_label("Description").fill("Training register, March 2026")
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("Evidence added to T3: Training register.pdf.")).to_be_visible()
    expect(page.get_by_role("link", name="Training register.pdf")).to_be_visible()
    assert Evidence.objects.get().original_name == "Training register.pdf"

    # ... and asks for closure: "Closure requested", not Blue yet.
    page.get_by_label("Summary").fill("All staff on Ward 4 trained; the register is attached.")
    page.get_by_role("checkbox", name=re.compile(r"^Training register\.pdf")).check()
    page.get_by_role("button", name="Request closure").click()

    expect(page.get_by_text("Closure requested", exact=True).first).to_be_visible()
    expect(page.get_by_text("Green", exact=True).first).to_be_visible()
    expect(page.get_by_text("Signed off by")).to_have_count(0)
    assert_accessible(page)
    assert ClosureRequest.objects.get().state == ClosureRequest.State.REQUESTED

    # The reviewer approves it in the review queue, the evidence one click away.
    reviewer_page = new_context().new_page()
    sign_in(reviewer_page, "reviewer")
    reviewer_page.get_by_role("link", name="Review queue").click()
    expect(reviewer_page.get_by_role("heading", level=1, name="Review queue")).to_be_visible()
    card = closure_card(reviewer_page, "T3")
    expect(card.get_by_text("All staff on Ward 4 trained")).to_be_visible()
    expect(card.get_by_role("textbox", name="Reason")).to_be_visible()
    expect(card.get_by_role("button", name="Decline")).to_be_visible()
    assert_accessible(reviewer_page)  # before a click leaves a link in its focus style
    with reviewer_page.expect_download() as download:
        card.get_by_role("link", name="Training register.pdf").click()
    assert download.value.suggested_filename == "Training_register.pdf"
    card.get_by_role("checkbox", name="I have reviewed the evidence").check()
    card.get_by_role("button", name="Approve").click()

    expect(reviewer_page.get_by_text("T3 signed off: it is now Blue.")).to_be_visible()
    expect(reviewer_page.get_by_text("No closures are waiting for a decision.")).to_be_visible()

    # The action is Blue, signed off by the reviewer, for the lead to see.
    page.reload()
    expect(page.get_by_role("heading", level=1, name="T3: Training")).to_be_visible()
    expect(page.get_by_text("Blue", exact=True).first).to_be_visible()
    signed = page.locator(".nhsuk-summary-list__row", has_text="Signed off by")
    expect(signed).to_contain_text("David Hughes")
    assert_accessible(page)

    t3.refresh_from_db()
    assert t3.status == Status.BLUE
    assert SignOff.objects.get().decided_by == reviewer


def test_decline_needs_a_reason_and_the_lead_reads_it_on_my_actions(
    page, new_context, frozen_now, evidence_root, t3, lead, reviewer
):
    from evidence import services

    note = services.evidence_add(
        action=t3, by=lead, kind="note", note="Seen on the ward", description="Visit"
    )
    services.closure_request(action=t3, by=lead, summary="Done", evidence=[note])

    sign_in(page, "reviewer")
    page.get_by_role("link", name="Review queue").click()
    card = closure_card(page, "T3")
    card.get_by_role("button", name="Decline").click()
    expect(page.get_by_text("Give a reason for declining the closure").first).to_be_visible()
    page.get_by_role("textbox", name="Reason").fill("The register is not signed.")
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_text("Closure of T3 declined.")).to_be_visible()

    lead_page = new_context().new_page()
    sign_in(lead_page, "lead")
    lead_page.get_by_role("link", name="My actions", exact=True).click()
    decisions = lead_page.get_by_role("region", name="Recent decisions on your closures")
    expect(decisions).to_contain_text("Reason: The register is not signed.")
    expect(closure_card(lead_page, "T3")).to_contain_text("The register is not signed.")
    t3.refresh_from_db()
    assert t3.status == Status.GREEN
