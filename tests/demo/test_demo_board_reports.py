"""The demo's monthly board reports, asked for by the PMO through the services with their
cover sheets filled in as seed 000's. Seeded on Monday 23 Nov 2026 10:00 (London)."""

from __future__ import annotations

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from demo.seed import demo_seed
from reporting.board.services import board_report_render
from reporting.models import BoardReport

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def plan(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=LONDON), tick=False):
        with override_settings(DEBUG=True):
            return demo_seed(history=True)


def test_each_month_ended_has_a_board_report_with_its_cover_sheet_filled_in(plan):
    reports = list(BoardReport.objects.filter(plan=plan).order_by("month"))
    # The plan was imported in July; October's report was asked for on Tue 3 Nov.
    assert [f"{r.month:%Y-%m}" for r in reports] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    october = reports[-1]
    assert october.requested_by.username == "pmo"
    assert october.requested_at == dt.datetime(2026, 11, 3, 10, tzinfo=LONDON)
    assert october.paper_title == "CQC improvement plan: progress update, October 2026"
    assert october.meeting_date == dt.date(2026, 11, 12)
    assert october.written_on == dt.date(2026, 11, 3)
    for report in reports:
        for name in (
            "responsible_director",
            "author",
            "previously_considered_by",
            "strategic_objectives",
            "baf_risks",
            "executive_summary",
            "financial_assessment",
            "risks",
            "next_steps",
        ):
            assert getattr(report, name), (report.month, name)
        assert report.equality_impact == BoardReport.EqualityImpact.STAGE_1
        assert report.foi_status == BoardReport.FoiStatus.FULL
        assert report.status == BoardReport.State.QUEUED  # for the PDF worker
    # The committees the PMO sends the pack to.
    assert sorted(plan.committees.values_list("name", flat=True)) == [
        "Integrated Governance Committee",
        "Quality Committee",
        "Trust Board",
    ]


def test_the_demo_report_prints_its_cover_sheet(plan, tmp_path):
    october = BoardReport.objects.get(plan=plan, month=dt.date(2026, 10, 1))
    with time_machine.travel(dt.datetime(2026, 11, 23, 11, tzinfo=LONDON), tick=False):
        report = board_report_render(report_id=october.pk)
    assert report.is_ready, report.error
    path = tmp_path / "october.pdf"
    path.write_bytes(report.pdf.read())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Date of meeting 12 November 2026" in flat
    assert "Integrated Governance Committee, 3 November 2026" in flat
    assert "This paper is suitable for publication" in flat
