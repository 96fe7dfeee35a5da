"""The board report's programme pages: a page per workstream (trajectory, narrative, KPIs),
the root causes' counts, and the KPI charts with icons and data tables on the dashboard."""

import datetime as dt

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kpis.models import KpiValue
from programme import services
from reporting.board.presenter import present_board
from reporting.board.services import board_report_document
from tests.factories import PlanFactory
from tests.kpis.factories import KpiFactory

MONTH = dt.date(2026, 11, 1)


def _document(plan):
    return board_report_document(plan=plan, month=MONTH, cover={})


def test_the_document_holds_each_workstreams_figures_narrative_and_kpis(people, programme):
    ws = programme["ws"]
    services.narrative_save(
        workstream=ws,
        month=MONTH,
        by=people["exec"],
        progress="Streaming in place",
        risks="Vacancies",
    )

    section = _document(programme["plan"])["programme"]

    (page,) = section["workstreams"]
    assert page["name"] == "Women's and Children's"
    assert page["executive"] == people["exec"].get_full_name()
    assert page["trajectory"]["sentence"] == (
        "50% of planned trajectory; 2 closed against a target of 4"
    )
    assert [c["count"] for c in page["counts"]] == [1, 0, 2, 2, 0]  # R A G B W
    assert page["narrative"]["progress"] == "Streaming in place"
    assert page["kpis"][0]["name"] == "Children streamed within 15 minutes"
    assert len(page["kpis"][0]["values"]) == 11
    rc = section["root_causes"]
    assert rc["by_kind"][0]["sentence"] == (
        "1 Must do root cause completed, 100% of the forecast trajectory (1 due by now)"
    )


def test_a_past_months_report_keeps_that_months_kpi_values_and_narrative(people, programme):
    services.narrative_save(
        workstream=programme["ws"],
        month=dt.date(2026, 10, 1),
        by=people["exec"],
        progress="October's progress",
        now=dt.datetime(2026, 10, 30, 12, tzinfo=dt.UTC),
    )

    document = board_report_document(plan=programme["plan"], month=dt.date(2026, 10, 1), cover={})

    (page,) = document["programme"]["workstreams"]
    assert page["narrative"]["progress"] == "October's progress"
    assert page["kpis"][0]["values"][-1][0] == "2026-10-20"


def test_the_pdf_shows_a_page_per_workstream_with_charts_icons_and_data(people, programme):
    html = render_to_string(
        "reporting/board/report_pdf.html", {"r": present_board(_document(programme["plan"]))}
    )

    assert "Workstream: Women&#x27;s and Children&#x27;s" in html
    assert "50% of planned trajectory; 2 closed against a target of 4" in html
    assert "No narrative was written for November 2026." in html
    assert "<title>Children streamed within 15 minutes: XmR chart</title>" in html
    assert 'data-icon="improvement-high"' in html
    assert "Children streamed within 15 minutes: values</caption>" in html
    assert "Root causes by finding kind and state, November 2026" in html


def test_the_dashboard_shows_kpi_charts_with_icons_and_a_data_table(client, people, programme):
    client.force_login(people["board"])

    html = client.get(reverse("board_dashboard", args=[programme["plan"].pk])).content.decode()

    assert "50% of planned trajectory; 2 closed against a target of 4" in html
    assert "<title>Children streamed within 15 minutes: XmR chart</title>" in html
    assert "Special cause variation: improvement (higher values)" in html
    assert "The chart's data as a table" in html


def test_a_plan_without_workstreams_charts_its_kpis_on_the_dashboard(client, people):
    plan = PlanFactory()
    kpi = KpiFactory(plan=plan, name="Falls per 1,000 bed days", unit="", direction="decrease")
    for day, value in [(dt.date(2026, 9, 30), 5.1), (dt.date(2026, 10, 31), 4.4)]:
        KpiValue.objects.create(kpi=kpi, date=day, value=value, entered_at=timezone.now())
    client.force_login(people["board"])

    html = client.get(reverse("board_dashboard", args=[plan.pk])).content.decode()

    assert '<h2 id="board-kpis" class="nhsuk-heading-m">KPIs</h2>' in html
    assert "<title>Falls per 1,000 bed days: XmR chart</title>" in html
    assert "Workstream:" not in html and "Root causes by finding kind" not in html


def test_a_plan_with_no_programme_adds_nothing_to_the_report(db):
    document = _document(PlanFactory())

    assert present_board(document)["programme"] is None
    assert "Root causes" not in render_to_string(
        "reporting/board/report_pdf.html", {"r": present_board(document)}
    )
