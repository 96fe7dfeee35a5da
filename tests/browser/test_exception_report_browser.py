"""The exception report in a real browser: the PMO opens the draft, comments, issues it.

Locators are by role and accessible name, so the test also proves the names people (and
screen readers) use: "Exception reports", the report's link, "Add a comment on T1",
"Comment on T1", "Save comment on T1", "Commentary for the report", "Issue report".
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from actions import services as plan_services
from actions.models import ExecRole, Role, Status
from reporting import services
from reporting.models import ExceptionReport, ReportComment
from tests.factories import RECOVERY, ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = "Week ending Wed 25 Nov 2026"


@pytest.fixture
def draft(frozen_now, pmo, lead):
    """The week ending Wed 25 Nov, locked early on Monday with a Red and an Amber action."""
    plan = PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=dt.date(2026, 11, 19))
    exec_lead = UserFactory(
        username="exec", first_name="Helen", last_name="Carter", roles=[Role.EXEC_LEAD]
    )
    don = ExecRole.objects.create(code="DoN", title="Director of Nursing", holder=exec_lead)
    period = plan_services.period_current_row(plan=plan, now=frozen_now)
    for ref, status, text in [
        ("T1", Status.RED, "Recruitment delayed; agency cover in place."),
        ("T2", Status.AMBER, "Audit slipped by two weeks."),
    ]:
        action = ActionFactory(plan=plan, ref=ref, action_lead=lead)
        action.exec_roles.set([don])
        plan_services.update_submit(
            recovery=RECOVERY,
            action=action,
            period=period,
            author=lead,
            status=status,
            narrative=text,
        )
    services.distribution_exec_leads_add(plan=plan, by=pmo)
    plan_services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")
    services.reports_sweep()  # builds the draft; it is issued automatically on Thursday
    return ExceptionReport.objects.get()


def test_pmo_opens_the_draft_comments_issues_it_and_sees_it_listed(page, draft):
    sign_in(page, "pmo")
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Exception reports", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Exception reports")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(REPORT))).to_contain_text("Draft")
    page.get_by_role("link", name=REPORT, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Exception report: week ending Wed 25 Nov 2026"
    )
    expect(page.get_by_role("heading", name=re.compile(r"^Red \(1\)"))).to_be_visible()
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    # A comment on T1, in place: the form opens and saves without reloading the page.
    page.evaluate("() => { window.__sameDocument = 'not reloaded' }")
    page.get_by_role("link", name="Add a comment on T1").first.click()
    box = page.get_by_role("textbox", name="Comment on T1")
    expect(box).to_be_visible()
    box.fill("Escalated to IPAG; recovery plan due 2 December.")
    page.get_by_role("button", name="Save comment on T1").click()
    expect(page.get_by_role("status").filter(has_text="Comment saved")).to_be_visible()
    assert page.evaluate("() => window.__sameDocument") == "not reloaded"
    assert ReportComment.objects.get().text == "Escalated to IPAG; recovery plan due 2 December."

    page.get_by_role("textbox", name="Commentary for the report").fill(
        "One Red, one Amber. Both DoN's."
    )
    page.get_by_role("button", name="Save commentary").click()
    expect(page.get_by_role("status").filter(has_text="Commentary saved")).to_be_visible()

    page.get_by_role("button", name="Issue report").click()
    expect(page.get_by_role("status").filter(has_text="issued")).to_contain_text(
        "It is being emailed to 1 person on the distribution list."
    )
    expect(page.get_by_role("button", name="Issue report")).to_have_count(0)
    expect(page.get_by_text("PMO comment: Escalated to IPAG")).to_be_visible()
    draft.refresh_from_db()
    assert draft.is_issued
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][2] == "application/pdf"

    menu.get_by_role("link", name="Exception reports", exact=True).click()
    row = page.get_by_role("row", name=re.compile(REPORT))
    expect(row).to_contain_text("Issued")
    expect(row.get_by_role("link", name=f"PDF of {REPORT}")).to_be_visible()
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
