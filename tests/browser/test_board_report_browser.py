"""The board report in a real browser: the PMO presses Generate, watches it being made, and
downloads it; a board member reads the dashboard.

The PDF worker is played by the test: the queued task is held back (the page must show it
waiting), then run here, and the open page must notice by itself and offer the download.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from actions.models import Status
from reporting import tasks
from reporting.board.services import board_report_render
from reporting.models import BoardReport
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(frozen_now, lead):
    plan = PlanFactory(name="CQC improvement plan 2026")
    ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.AMBER)
    ActionFactory(plan=plan, ref="T2", action_lead=lead, status=Status.GREEN)
    return plan


@pytest.fixture
def held_tasks(monkeypatch, tmp_path, settings):
    """The PDF queue, held: what the Generate button queues waits here for the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_pdf_board_report, "delay", queued.append)
    return queued


def test_pmo_generates_sees_progress_then_the_download_link(page, plan, pmo, held_tasks):
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Board highlight reports").click()
    expect(page.get_by_role("heading", level=1, name="Board highlight reports")).to_be_visible()
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    page.get_by_label("Responsible director").fill("Helen Carter, Director of Nursing")
    page.get_by_label("Executive summary").fill("Two actions; one is off track.")
    page.get_by_role("button", name="Generate board report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Board highlight report: \w+ 2026$")
    )
    status = page.locator("#board-report-status")
    expect(status).to_contain_text("Waiting to start")
    expect(page.get_by_role("progressbar", name="Progress of the report")).to_be_visible()
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    [report_id] = held_tasks
    board_report_render(report_id=report_id)  # the PDF worker

    download_link = page.get_by_role("link", name=re.compile(r"^Download the PDF"))
    expect(download_link).to_be_visible()
    expect(status).to_contain_text("Ready")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.startswith("board-report-2026-")
    report = BoardReport.objects.get(pk=report_id)
    assert report.responsible_director == "Helen Carter, Director of Nursing"


def test_board_member_reads_the_dashboard_with_each_charts_data_table(page, plan, held_tasks):
    UserFactory(username="board", roles=["Board member"])
    sign_in(page, "board")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Board dashboard").click()
    expect(page.get_by_role("heading", level=1, name="Board dashboard")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Progress against trajectory"))).to_have_count(2)
    page.get_by_text("The chart's data as a table").first.click()
    expect(page.get_by_role("columnheader", name="Planned to be complete").first).to_be_visible()
    expect(
        page.get_by_role("table", name="Table 1: status of actions by finding kind")
    ).to_contain_text("Must do actions (2)")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
