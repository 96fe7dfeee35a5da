"""The board pack as a board member reads it on paper: every word inside the page's margins,
no word split without a hyphen, Table 1 once. Read back from the PDF with pdftotext -bbox.

The 2,000-action plan takes minutes to lay out (marked ``slow``; measured in the issue's
closing note); the demo plan's 33 actions take seconds.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings

from actions.models import Action, FindingKind, Status
from demo.seed import demo_seed
from reporting.board.pdf import render_board_html, render_board_pdf
from reporting.board.services import board_report_document
from tests.factories import PlanFactory, UserFactory

from .conftest import london, pdf_text, requires_pdftotext, travel
from .pdf_layout import (
    pdf_pages,
    words_broken_without_hyphen,
    words_outside_printable_area,
    words_overlapping,
)

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def demo_document(db):
    """The demo plan with its past, seeded on Monday 23 Nov 2026: October's report."""
    with travel(london(2026, 11, 23, 10)), override_settings(DEBUG=True):
        plan = demo_seed(history=True)
    with travel(london(2026, 11, 23, 11)):
        return board_report_document(plan=plan, month=OCTOBER)


@requires_pdftotext
def test_every_word_of_the_demo_report_is_inside_the_margins_and_unbroken(demo_document, tmp_path):
    html = render_board_html(demo_document)
    pages = pdf_pages(render_board_pdf(demo_document), tmp_path)
    assert len(pages) >= 8
    assert words_outside_printable_area(pages) == []
    assert words_overlapping(pages) == []
    assert words_broken_without_hyphen(pages, html) == []
    # The appendix's last column, and Table 2's narrative, are printed whole.
    words = [w.text for page in pages for w in page.words]
    assert "End" in words and "date" in words
    assert any(w.startswith("Haemato-oncology") for w in words)


@requires_pdftotext
def test_table_1_is_printed_once(demo_document, tmp_path):
    text = pdf_text(render_board_pdf(demo_document), tmp_path)
    assert len(re.findall(r"Must do actions \(14\)", text)) == 1
    # The chart drawn from it points to it rather than printing its figures again.
    assert "The chart's figures are in Table 1 above." in text
    assert not re.search(r"^\s*Must do\s+0\s+\d+\s+\d+\s+\d+\s+0\s+14\s*$", text, re.M)


LONG_WORD = "https://intranet.trust.example.nhs.uk/governance/policies/risk-management-v12.pdf"


@pytest.mark.slow
@requires_pdftotext
def test_every_word_of_a_2000_action_report_is_inside_the_margins(db, tmp_path):
    """The appendix of a large plan, with long departments, leads and unbroken addresses."""
    plan = PlanFactory(name="CQC improvement plan 2026", trust="Anytown NHS Foundation Trust")
    lead = UserFactory(username="lead", roles=["Action lead"])
    statuses = [Status.RED, Status.AMBER, Status.GREEN, Status.GREEN, Status.BLUE, Status.WHITE]
    departments = ["Trust wide", "Urgent and emergency care", "Diagnostics", "Outpatients"]
    Action.objects.bulk_create(
        Action(
            plan=plan,
            ref=f"UEC{n}",
            theme="Dementia / DoLS / AN" if n % 3 else "Governance",
            department=departments[n % 4],
            kind=FindingKind.MUST if n % 2 else FindingKind.SHOULD,
            requirement=(
                f"Safeguarding training levels {n}: the Trust must ensure staff complete "
                "the mandatory training at the level their role needs."
                + (f" Policy: {LONG_WORD}" if n % 10 == 0 else "")
            ),
            action_lead=lead,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            status=statuses[n % len(statuses)],
        )
        for n in range(2000)
    )
    with travel(london(2026, 11, 23, 11)):
        document = board_report_document(plan=plan, month=OCTOBER)
    pages = pdf_pages(render_board_pdf(document), tmp_path)
    assert len(pages) > 100
    assert words_outside_printable_area(pages) == []
    # Refs like UEC1234 fit their column in Table 2 and the appendix.
    assert words_overlapping(pages) == []
