"""Table 1 from the demo plan (the CCC plan of May 2019), read back from the report's PDF.

The paper's Table 1: Must do — Amber 1, Green 11, Blue 2; Should do — Amber 3, Green 14,
Blue 2.
"""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from actions.models import FindingKind, Status
from demo.seed import demo_seed
from reporting import selectors, tasks
from reporting.models import ExceptionReport
from reporting.pdf import render_pdf
from reporting.presenter import present

from .conftest import london, pdf_text, requires_pdftotext, travel

PAPER = {
    FindingKind.MUST: {Status.AMBER: 1, Status.GREEN: 11, Status.BLUE: 2},
    FindingKind.SHOULD: {Status.AMBER: 3, Status.GREEN: 14, Status.BLUE: 2},
}


@pytest.fixture
def demo_report(db):
    # Seeded on Monday 23 Nov 2026: the demo plan's first week ends Wed 25 Nov 12:00.
    with travel(london(2026, 11, 23, 10)), override_settings(DEBUG=True):
        demo_seed()
    with travel(london(2026, 11, 25, 12, 2)):
        tasks.sweep()
    return ExceptionReport.objects.get()


def test_table_1_from_the_demo_plan_matches_the_board_paper(demo_report):
    table = present(selectors.report_document(demo_report)).table
    for kind, counts in PAPER.items():
        for status in Status:
            assert table.count(kind, status) == counts.get(status, 0), (kind, status)
    assert [row.label for row in table.rows] == ["Must do actions (14)", "Should do actions (19)"]


@requires_pdftotext
def test_the_pdf_prints_table_1_with_the_ragb_key_and_page_numbers(demo_report, tmp_path):
    text = pdf_text(render_pdf(selectors.report_document(demo_report)), tmp_path)
    # Columns: Red, Amber, Green, Blue, White, Total; "-" for none.
    assert re.search(r"Must do actions \(14\)\s+-\s+1\s+11\s+2\s+-\s+14", text)
    assert re.search(r"Should do actions \(19\)\s+-\s+3\s+14\s+2\s+-\s+19", text)
    assert "RAGB key" in text
    for word, meaning in [
        ("Red", "Compromised or significantly off track"),
        ("Amber", "Experiencing problems: off track but recoverable"),
        ("Green", "On track"),
        ("Blue", "Completed: evidence accepted and signed off"),
        ("White", "Not yet due to start"),
    ]:
        assert re.search(rf"{word}\s+{re.escape(meaning)}", text), word
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    assert pages[0] == ("1", pages[0][1]) and len(pages) == int(pages[0][1])


@requires_pdftotext
def test_the_pdf_shows_each_status_as_a_word(demo_report, tmp_path):
    text = pdf_text(render_pdf(selectors.report_document(demo_report)), tmp_path)
    # T3 is Amber in the plan: its entry names the status in words, not only in colour.
    assert re.search(r"T3 · Amber · Sarah Whitfield", text)
