"""The board report's pages: generate (PMO), progress, download, the dashboard, who may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from actions.models import Role, Status
from reporting import tasks
from reporting.board import services
from reporting.models import BoardReport
from tests.factories import ActionFactory, UserFactory

from .conftest import london, travel

COVER = {
    "month": "2026-10",
    "meeting": "Trust Board",
    "paper_title": "CQC improvement plan: progress update, October 2026",
    "meeting_date": "2026-11-26",
    "written_on": "2026-11-20",
    "responsible_director": "Helen Carter, Director of Nursing",
    "author": "Gill Murray, PMO",
    "asked_to": "assurance",
    "key_questions": ["safe", "well_led"],
    "baf_risks": "BAF 1: quality outcomes.",
    "executive_summary": "Progress continues; three actions are off track.",
    "risks": "Recruitment of radiologists.",
    "next_steps": "Present the audit plan in December.",
}


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def november():
    with travel(london(2026, 11, 20, 10)):
        yield


@pytest.fixture
def readers(db):
    return {
        "board": UserFactory(username="board", roles=[Role.BOARD]),
        "exec": UserFactory(username="exec", roles=[Role.EXEC_LEAD]),
        "reviewer": UserFactory(username="reviewer", roles=[Role.REVIEWER]),
    }


@pytest.fixture
def actions(plan, lead):
    return [
        ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.AMBER),
        ActionFactory(plan=plan, ref="T2", action_lead=lead, status=Status.GREEN),
    ]


def generate(client, plan, **changes):
    with_changes = {**COVER, **changes}
    return client.post(reverse("board_reports", args=[plan.pk]), with_changes)


def test_pmo_generates_a_report_the_task_stores_the_pdf_and_emails_them(
    client, plan, pmo, actions, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        response = generate(client, plan)
    report = BoardReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert (report.month, report.version, report.status, report.progress) == (
        dt.date(2026, 10, 1),
        1,
        BoardReport.State.READY,
        100,
    )
    assert report.pdf.name == f"board-reports/{plan.pk}/2026-10-v1.pdf"
    assert report.pdf.open("rb").read(5) == b"%PDF-"
    assert report.document["cover"]["responsible_director"] == COVER["responsible_director"]
    assert report.document["as_at"]["label"] == "31 October 2026"
    [message] = mail.outbox
    assert message.to == [f"{pmo.get_full_name()} <{pmo.email}>"]
    assert "Board highlight report: October 2026 is ready" in message.subject
    assert reverse("board_report_pdf", args=[report.pk]) in message.body

    page = client.get(report.get_absolute_url())
    assert b"Download the PDF" in page.content
    assert b"hx-trigger" not in page.content  # finished: the page stops polling


def test_generating_again_makes_a_new_version_starting_from_last_months_cover(
    client, plan, pmo, actions, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        generate(client, plan)
        generate(client, plan, risks="Updated risks.")
    assert list(BoardReport.objects.order_by("version").values_list("version", "risks")) == [
        (1, COVER["risks"]),
        (2, "Updated risks."),
    ]
    form = client.get(reverse("board_reports", args=[plan.pk])).context["form"]
    assert form.initial["responsible_director"] == COVER["responsible_director"]
    assert form.initial["risks"] == "Updated risks."
    # The plan began this month, so this month is offered; the title follows the month.
    assert form.initial["month"] == "2026-11"
    assert form.initial["paper_title"] == "CQC improvement plan: progress update, November 2026"


def test_a_second_run_of_the_task_changes_nothing(
    client, plan, pmo, actions, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        generate(client, plan)
    report = BoardReport.objects.get()
    assert tasks.render_pdf_board_report(report.pk) == "ready"
    again = BoardReport.objects.get()
    assert (again.pdf.name, again.finished_at) == (report.pdf.name, report.finished_at)
    assert len(mail.outbox) == 1


def test_the_task_is_routed_to_the_pdf_queue(settings):
    from improvement.celery import app

    route = app.amqp.router.route({}, tasks.render_pdf_board_report.name)
    assert route["queue"].name == "pdf"


def test_a_failed_render_is_shown_and_nobody_is_emailed(
    client, plan, pmo, actions, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(document):
        raise RuntimeError("out of memory")

    monkeypatch.setattr("reporting.board.pdf.render_board_pdf", broken)
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        generate(client, plan)
    report = BoardReport.objects.get()
    assert report.status == BoardReport.State.FAILED
    assert "out of memory" in report.error
    assert not report.pdf
    assert mail.outbox == []
    assert b"could not be made" in client.get(report.get_absolute_url()).content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"month": "2026-12"}, "month"),  # not begun: not offered
        ({"paper_title": ""}, "paper_title"),
        ({"asked_to": "decide"}, "asked_to"),
        ({"key_questions": ["kind"]}, "key_questions"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, plan, pmo, changes, field):
    client.force_login(pmo)
    response = generate(client, plan, **changes)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not BoardReport.objects.exists()


def test_the_service_refuses_a_month_not_yet_begun(plan, pmo):
    from django.core.exceptions import ValidationError

    cover = services.cover_defaults(plan=plan, month=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError, match="has begun"):
        services.board_report_request(plan=plan, month=dt.date(2026, 12, 1), by=pmo, cover=cover)
    assert not BoardReport.objects.exists()


def test_the_progress_fragment_polls_until_the_report_is_made(client, plan, pmo):
    report = BoardReport.objects.create(
        plan=plan,
        month=dt.date(2026, 10, 1),
        paper_title="Progress update",
        requested_by=pmo,
        requested_at=london(2026, 11, 20, 9),
        status=BoardReport.State.RENDERING,
        progress=35,
    )
    client.force_login(pmo)
    fragment = client.get(reverse("board_report_status", args=[report.pk]))
    assert b'hx-trigger="every 1s"' in fragment.content
    assert b'value="35"' in fragment.content and b"35% done" in fragment.content


@pytest.fixture
def ready_report(plan, pmo, actions, django_capture_on_commit_callbacks):
    cover = services.cover_defaults(plan=plan, month=dt.date(2026, 10, 1), by=pmo)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.board_report_request(
            plan=plan, month=dt.date(2026, 10, 1), by=pmo, cover=cover
        )
    report.refresh_from_db()
    assert report.is_ready
    return report


@pytest.mark.parametrize("who", ["board", "exec", "reviewer", "pmo"])
def test_board_members_exec_reviewers_and_pmo_download_the_pdf(
    client, ready_report, readers, pmo, who
):
    client.force_login(readers.get(who) or pmo)
    response = client.get(reverse("board_report_pdf", args=[ready_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="board-report-2026-10.pdf"' in response["Content-Disposition"]


def test_the_pdf_download_is_never_stored_in_the_browser_cache(client, ready_report, readers):
    client.force_login(readers["board"])

    response = client.get(reverse("board_report_pdf", args=[ready_report.pk]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["board_report_pdf", "board_report", "board_report_status"])
def test_action_leads_are_refused_and_anonymous_users_sent_to_sign_in(
    client, ready_report, lead, name
):
    url = reverse(name, args=[ready_report.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response.url
    client.force_login(lead)
    assert client.get(url).status_code == 403


def test_only_the_pmo_generates(client, plan, lead, readers):
    for user in (lead, readers["board"], readers["exec"]):
        client.force_login(user)
        assert generate(client, plan).status_code == 403
    assert not BoardReport.objects.exists()
    client.force_login(readers["board"])
    page = client.get(reverse("board_reports", args=[plan.pk]))
    assert page.status_code == 200 and b"Generate board report" not in page.content


def test_the_pdf_of_an_unfinished_report_is_not_found(client, plan, pmo):
    report = BoardReport.objects.create(
        plan=plan,
        month=dt.date(2026, 10, 1),
        paper_title="Progress update",
        requested_by=pmo,
        requested_at=london(2026, 11, 20, 9),
    )
    client.force_login(pmo)
    assert client.get(reverse("board_report_pdf", args=[report.pk])).status_code == 404


# The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_charts_with_their_tables(client, plan, actions, readers):
    client.force_login(readers["board"])
    response = client.get(reverse("board_dashboard", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # Trajectory (all actions, must do), by finding kind, by key question, by department.
    assert html.count('<div class="app-chart__image"><svg') == 5
    assert "Progress against trajectory: all actions, to November 2026" in html
    assert "The chart&#x27;s data as a table" in html or "The chart's data as a table" in html
    assert "Must do actions (2)" in html


def test_markup_typed_into_the_plan_is_shown_as_text_in_the_charts(client, plan, lead, readers):
    ActionFactory(plan=plan, action_lead=lead, department='<script>alert("x")</script>')
    client.force_login(readers["board"])
    html = client.get(reverse("board_dashboard", args=[plan.pk])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


# The brief's name has an odd number of "$"; the second is not valid mathtext at all.
DOLLAR_DEPARTMENTS = ["Estates $ Facilities $x^2$", "Estates $^$ Facilities", "Capital $\\frac$"]


@pytest.mark.parametrize("department", DOLLAR_DEPARTMENTS)
def test_a_dollar_sign_in_a_department_is_drawn_as_text_on_the_dashboard(
    client, plan, lead, readers, department
):
    ActionFactory(plan=plan, action_lead=lead, department=department)
    client.force_login(readers["board"])
    response = client.get(reverse("board_dashboard", args=[plan.pk]))
    assert response.status_code == 200
    # One <text> element holding the name as typed, not glyphs laid out as maths.
    assert f">{department}</text>" in response.content.decode()


@pytest.mark.parametrize("department", DOLLAR_DEPARTMENTS)
def test_a_dollar_sign_in_a_department_does_not_stop_the_board_report(
    client, plan, pmo, lead, django_capture_on_commit_callbacks, department
):
    ActionFactory(plan=plan, action_lead=lead, department=department)
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        generate(client, plan)
    report = BoardReport.objects.get()
    assert report.status == BoardReport.State.READY
    assert report.pdf.open("rb").read(5) == b"%PDF-"


def test_the_dashboard_is_refused_to_action_leads_and_outsiders(client, plan, lead):
    url = reverse("board_dashboard", args=[plan.pk])
    assert client.get(url).status_code == 302
    client.force_login(lead)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(username="outsider"))
    assert client.get(url).status_code == 403


def test_the_dashboards_query_count_does_not_grow_with_the_plan(
    client, plan, lead, readers, django_assert_num_queries
):
    """QUERIES for 3 actions or 33 after a change: the user and their roles, the header's
    menu, the plan, the plan's fingerprint (before and after the build), the actions, their
    exec leads and findings, their newest narratives (from the updates and from the
    history), the history, the sign-offs, the month's locks, the baseline in force and the
    regulatory notices; the programme's workstreams, root causes and KPIs (none here). Not
    one query per action. Unchanged, the figures come from the cache: five."""
    client.force_login(readers["board"])
    url = reverse("board_dashboard", args=[plan.pk])
    ActionFactory.create_batch(3, plan=plan, action_lead=lead)
    client.get(url)  # warm the session and the user's roles
    with django_assert_num_queries(CACHED_QUERIES):
        client.get(url)
    ActionFactory.create_batch(30, plan=plan, action_lead=lead)
    with django_assert_num_queries(QUERIES):
        client.get(url)
    with django_assert_num_queries(CACHED_QUERIES):
        client.get(url)


QUERIES = 19
CACHED_QUERIES = 5
