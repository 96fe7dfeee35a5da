"""The board pack in a real browser, at a phone's width and a desktop's: the cover sheet's
date boxes show their dates, and the PMO sends the finished report to a committee's list.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from actions.models import Status
from reporting import tasks
from reporting.board.services import board_report_render
from reporting.models import BoardReport, BoardReportSending
from tests.factories import ActionFactory, PlanFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(frozen_now, lead):
    plan = PlanFactory(name="CQC improvement plan 2026")
    ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.AMBER)
    return plan


@pytest.fixture
def held_renders(monkeypatch, tmp_path, settings):
    """The PDF queue, held for the test; the committee emails go at once (eager tasks)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_pdf_board_report, "delay", queued.append)
    return queued


def accessible(page) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    fits = page_width(page) <= page.evaluate("window.innerWidth")
    assert fits, "the page scrolls sideways"


@pytest.mark.parametrize("width", [390, 1280])
def test_pmo_fills_the_cover_dates_generates_and_sends_to_a_committee(
    page, plan, pmo, held_renders, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/board-reports/")
    # The date box shows today's date (it reads YYYY-MM-DD only), not an empty box.
    expect(page.get_by_label("Date paper was written")).to_have_value("2026-11-23")
    page.get_by_label("Date of meeting").fill("2026-12-03")
    page.get_by_label("Previously considered by").fill("Quality Committee, 19 November 2026")
    page.get_by_label("This paper includes information exempt under the FOI Act").check()
    accessible(page)
    page.get_by_role("button", name="Generate board report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Board highlight report: November 2026"
    )
    [report_id] = held_renders
    board_report_render(report_id=report_id)  # the PDF worker
    expect(page.get_by_role("link", name=re.compile(r"^Download the PDF"))).to_be_visible()
    page.reload()
    cover = page.locator(".nhsuk-summary-list")
    expect(cover).to_contain_text("3 December 2026")
    expect(cover).to_contain_text("23 November 2026")  # no "Not set"
    expect(cover).to_contain_text("This paper includes information exempt under the FOI Act")

    page.get_by_role("link", name="Committees and their distribution lists").click()
    page.get_by_label("Committee").fill("Quality Committee")
    page.get_by_label("Distribution list").fill(
        "Jane Smith <jane.smith@trust.example.nhs.uk>\nqc@trust.example.nhs.uk"
    )
    page.get_by_role("button", name="Add committee").click()
    expect(
        page.get_by_role("table", name="Committees and their distribution lists")
    ).to_contain_text("jane.smith@trust.example.nhs.uk")
    accessible(page)

    page.goto(BoardReport.objects.get(pk=report_id).get_absolute_url())
    page.get_by_role("button", name="Send to Quality Committee").click()
    expect(page.get_by_text("Version 1 is being emailed to Quality Committee.")).to_be_visible()
    sent = page.get_by_role("table", name="Sent to committees")
    expect(sent).to_contain_text("Quality Committee (2 recipients)")
    expect(sent).to_contain_text("Sent")
    expect(page.get_by_role("button", name="Send again to Quality Committee")).to_be_visible()
    accessible(page)
    [email] = [m for m in mail.outbox if "Quality Committee" in m.subject]  # and "ready"
    assert len(email.to) == 2 and len(email.attachments) == 1
    assert BoardReportSending.objects.get().requested_by == pmo
