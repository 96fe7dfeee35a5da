"""The board report's cover ticks BAF risks from the plan's risk list (free text kept for the
rest), and the report shows Section 29A and Section 31 notices apart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import Status
from programme import notices, risks
from programme.models import ConditionStatus, NoticeKind, RiskKind
from reporting.board import services
from reporting.board.pdf import render_board_html
from reporting.models import BoardReport
from tests.factories import ActionFactory, PlanFactory

from .conftest import london, travel
from .test_board_report_pages import COVER


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def november():
    with travel(london(2026, 11, 20, 10)):
        yield


@pytest.fixture
def baf(plan):
    return [
        risks.risk_create(
            plan=plan, kind=RiskKind.BAF, reference="BAF 1", title="Quality", score=16
        ),
        risks.risk_create(plan=plan, kind=RiskKind.BAF, reference="BAF 4", title="Workforce"),
    ]


def test_the_cover_form_offers_the_plans_baf_risks_only(client, plan, pmo, baf):
    risks.risk_create(plan=plan, kind=RiskKind.REGISTER, reference="R1", title="Register only")
    risks.risk_create(plan=PlanFactory(), kind=RiskKind.BAF, reference="BAF 9", title="Elsewhere")
    client.force_login(pmo)

    form = client.get(reverse("board_reports", args=[plan.pk])).context["form"]

    choices = [label for _value, label in form.fields["baf_risk_links"].choices]
    assert choices == ["BAF 1: Quality (score 16, extreme)", "BAF 4: Workforce"]


def test_ticked_baf_risks_are_kept_shown_and_carried_to_next_months_cover(
    client, plan, pmo, baf, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("board_reports", args=[plan.pk]),
            {**COVER, "baf_risk_links": [baf[0].pk], "baf_risks": "BAF 7: estates (not listed)"},
        )
    report = BoardReport.objects.get()
    assert response.status_code == 302
    assert list(report.baf_risk_links.all()) == [baf[0]]
    assert report.status == BoardReport.State.READY
    cover = report.document["cover"]
    assert cover["baf_risk_items"] == [
        {"reference": "BAF 1", "title": "Quality", "score": 16, "band": "Extreme"}
    ]
    html = render_board_html(report.document)
    assert "BAF 1: Quality (score 16, extreme)" in html
    assert "BAF 7: estates (not listed)" in html  # the free text stays visible
    detail = client.get(reverse("board_report", args=[report.pk])).content.decode()
    assert "BAF 1: Quality" in detail
    defaults = services.cover_defaults(plan=plan, month=dt.date(2026, 12, 1))
    assert defaults["baf_risk_links"] == [baf[0]]


def test_another_plans_baf_risk_cannot_be_ticked(plan, pmo):
    other = risks.risk_create(plan=PlanFactory(), kind=RiskKind.BAF, reference="B", title="x")
    cover = {
        **services.cover_defaults(plan=plan, month=dt.date(2026, 11, 1)),
        "baf_risk_links": [other],
    }

    with pytest.raises(Exception) as refused:
        services.board_report_request(plan=plan, month=dt.date(2026, 11, 1), by=pmo, cover=cover)

    assert "Choose BAF risks of this plan" in str(refused.value)
    assert not BoardReport.objects.exists()


def test_a_report_stored_before_baf_ticks_still_renders(plan, pmo):
    document = services.board_report_document(plan=plan, month=dt.date(2026, 11, 1))
    document["cover"].pop("baf_risk_items")
    document.pop("notices")

    html = render_board_html(document)

    assert "Board assurance framework risks" in html


def test_the_board_report_shows_29a_and_s31_apart(plan, lead):
    action = ActionFactory(plan=plan, ref="M1", action_lead=lead, status=Status.AMBER)
    warning = notices.notice_create(plan=plan, kind=NoticeKind.SECTION_29A, reference="Medicine")
    notices.condition_create(
        notice=warning, text="Deteriorating patient", deadline=dt.date(2026, 10, 1)
    )
    conditions = notices.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference="Maternity")
    ctg = notices.condition_create(
        notice=conditions, text="CTG training", deadline=dt.date(2026, 12, 31)
    )
    notices.condition_links_set(condition=ctg, actions=[action])
    notices.condition_create(notice=conditions, text="Audit", status=ConditionStatus.MET)

    document = services.board_report_document(plan=plan, month=dt.date(2026, 11, 1))

    counts = {row["short"]: row for row in document["notices"]["counts"]}
    assert (counts["29A"]["conditions"], counts["29A"]["overdue"]) == (1, 1)
    assert (counts["S31"]["conditions"], counts["S31"]["met"], counts["S31"]["open"]) == (2, 1, 1)
    html = render_board_html(document)
    assert "Section 29A warning notice (29A)" in html and "Section 31 conditions (S31)" in html
    assert "M1 (Amber)" in html and "deadline 31 December 2026" in html


def test_the_assurance_table_heads_29a_and_s31_apart(plan):
    document = services.board_report_document(plan=plan, month=dt.date(2026, 11, 1))

    assert document["assurance"]["kind_labels"] == [
        "Section 29A", "Section 31", "Must do", "Should do"
    ]  # fmt: skip


def test_the_notices_and_baf_pages_print_inside_the_margins(plan, lead, tmp_path):
    from reporting.board.pdf import render_board_pdf

    from .pdf_layout import pdf_pages, words_outside_printable_area, words_overlapping

    baf = risks.risk_create(
        plan=plan,
        kind=RiskKind.BAF,
        reference="BAF 1",
        title="If we do not optimise quality outcomes we will not provide outstanding care",
        score=20,
    )
    for n in range(1, 4):
        notice = notices.notice_create(
            plan=plan, kind=NoticeKind.SECTION_31, reference=f"Maternity {n}"
        )
        for c in range(4):
            condition = notices.condition_create(
                notice=notice, text="CTG training", deadline=dt.date(2026, 10, 1 + c)
            )
            notices.condition_links_set(
                condition=condition,
                actions=[
                    ActionFactory(plan=plan, ref=f"M{n}{c}{i}", action_lead=lead) for i in range(3)
                ],
            )
    cover = {
        **services.cover_defaults(plan=plan, month=dt.date(2026, 11, 1)),
        "baf_risk_links": [baf],
    }
    document = services.board_report_document(plan=plan, month=dt.date(2026, 11, 1), cover=cover)

    pages = pdf_pages(render_board_pdf(document), tmp_path)

    assert words_outside_printable_area(pages) == []
    assert words_overlapping(pages) == []
