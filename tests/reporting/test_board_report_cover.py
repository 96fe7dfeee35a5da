"""The board report's cover sheet: the date boxes, the meeting date, and the fields seeds 000
and 004 have (previously considered by, strategic objectives, equality impact assessment,
FOI status, financial assessment), each from the form to the PDF, starting from last month's.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from actions.models import Status
from reporting.board import services
from reporting.board.forms import BoardReportForm
from reporting.board.pdf import render_board_pdf
from reporting.models import BoardReport
from tests.factories import ActionFactory

from .conftest import london, pdf_text, requires_pdftotext, travel
from .test_board_report_pages import COVER

MORE = {
    "previously_considered_by": "Quality Committee, 19 November 2026.",
    "strategic_objectives": "Safest and kindest\nOur people",
    "equality_impact": "stage_1",
    "foi_status": "part_exempt",
    "financial_assessment": "No financial impact.",
}


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def november():
    with travel(london(2026, 11, 20, 10)):
        yield


@pytest.fixture
def actions(plan, lead):
    return [ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.AMBER)]


def generate(client, plan, **changes):
    return client.post(reverse("board_reports", args=[plan.pk]), {**COVER, **MORE, **changes})


def test_the_date_boxes_hold_dates_as_the_browser_reads_them(client, plan, pmo):
    """An <input type=date> shows only YYYY-MM-DD: "20/11/2026" leaves the box empty."""
    client.force_login(pmo)
    page = client.get(reverse("board_reports", args=[plan.pk])).content.decode()
    assert re.search(r'<input type="date" name="written_on" value="2026-11-20"', page)
    form = BoardReportForm(
        initial={"meeting_date": dt.date(2026, 12, 3)}, today=dt.date(2026, 11, 20), plan=plan
    )
    assert 'value="2026-12-03"' in str(form["meeting_date"])


def test_a_new_version_of_the_month_keeps_its_meeting_date(
    client, plan, pmo, actions, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        generate(client, plan, month="2026-11")
    form = client.get(reverse("board_reports", args=[plan.pk])).context["form"]
    # This month again (a new version): the same meeting, the same paper date.
    assert form.initial["month"] == "2026-11"
    assert form.initial["meeting_date"] == dt.date(2026, 11, 26)
    assert form.initial["written_on"] == dt.date(2026, 11, 20)


def test_next_months_cover_starts_with_no_meeting_date(plan, pmo, actions):
    services.board_report_request(
        plan=plan,
        month=dt.date(2026, 10, 1),
        by=pmo,
        cover={**services.cover_defaults(plan=plan, month=dt.date(2026, 10, 1)), **MORE},
    )
    cover = services.cover_defaults(plan=plan, month=dt.date(2026, 11, 1))
    assert cover["meeting_date"] is None
    assert cover["written_on"] == dt.date(2026, 11, 20)
    # The new fields start from last month's, like the others.
    assert {name: cover[name] for name in MORE} == MORE


@requires_pdftotext
def test_the_meeting_date_and_the_new_fields_are_printed_in_the_pdf(
    client, plan, pmo, actions, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        response = generate(client, plan)
    report = BoardReport.objects.get()
    assert response.status_code == 302 and report.is_ready
    text = pdf_text(report.pdf.read(), tmp_path)
    flat = " ".join(text.split())
    assert "Date of meeting 26 November 2026" in flat
    assert "Date paper was written 20 November 2026" in flat
    assert "Previously considered by Quality Committee, 19 November 2026." in flat
    assert "Link to strategic objectives Safest and kindest Our people" in flat
    assert "Stage 1 only (no negative impact identified)" in flat
    assert "This paper includes information exempt under the FOI Act" in flat
    assert "Financial assessment No financial impact." in flat
    page = client.get(report.get_absolute_url()).content.decode()
    assert "26 November 2026" in page and "Quality Committee, 19 November 2026." in page
    assert "This paper includes information exempt under the FOI Act" in page


def test_a_form_without_an_foi_status_is_for_publication(client, plan, pmo, actions):
    client.force_login(pmo)
    data = {k: v for k, v in {**COVER, **MORE}.items() if k != "foi_status"}
    client.post(reverse("board_reports", args=[plan.pk]), data)
    report = BoardReport.objects.get()
    assert report.foi_status == BoardReport.FoiStatus.FULL


def test_an_unknown_equality_impact_is_refused_and_nothing_saved(client, plan, pmo):
    client.force_login(pmo)
    response = generate(client, plan, equality_impact="stage_9")
    assert response.status_code == 422
    assert response.context["form"].errors["equality_impact"]
    assert not BoardReport.objects.exists()


@requires_pdftotext
def test_a_report_stored_before_the_new_fields_still_renders(plan, actions, tmp_path):
    document = services.board_report_document(plan=plan, month=dt.date(2026, 10, 1), cover={})
    for name in MORE:
        document["cover"].pop(name)
    document["cover"].pop("equality_impact_label")
    document["cover"].pop("foi_status_label")
    text = pdf_text(render_board_pdf(document), tmp_path)
    assert "Equality impact assessment Not stated." in " ".join(text.split())
