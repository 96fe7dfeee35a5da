"""Showing a page writes nothing: no GET creates a period, records a due lock or saves a row.

The plan below has had weekly deadlines since January and no period row at all: a page that
still created the open period, or recorded the due locks (the beat's job, and the write
services' before they write), would insert rows here. The session and sign-in bookkeeping
(django_session, axes) is not the page's write and is left out.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.models import PeriodSnapshot, PlanEvent, ReportingPeriod, WeeklyUpdate
from improvement.roles import Role
from integrations.services import calendar_feed_create
from tests.factories import ActionFactory, ExecRoleFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # weeks of deadlines behind it
WRITES = ("INSERT", "UPDATE", "DELETE")
BOOKKEEPING = ("django_session", "axes_")

PLAN_PAGES = [
    "plan",
    "plan_events",
    "late_window",
    "plan_exception_reports",
    "who_has_updated",
    "distribution_list",
    "report_settings",
    "board_reports",
    "board_dashboard",
    "board_committees",
    "plan_publications",
    "plan_baseline",
    "change_requests",
    "plan_settings",
    "closure_settings",
    "kpi_list",
    "programme",
    "root_causes",
    "risk_list",
    "notice_list",
    "conditions_report",
    "teams_settings",
]
# The API (signed-in session), the plan's export (its "This period" filter reads the open
# period) and the lead's calendar feed: built by _url from these names.
API = ["api:plans", "api:actions", "api:periods", "api:updates"]
EVERYONE = ["home", "plans", "exception_report_list"]
PAGES = {
    Role.PMO: [
        *EVERYONE,
        "people_list",
        "exec_role_list",
        "inspection_list",
        "review_queue",
        "meetings",
        "automation",
        "calendar_settings",
        "api_tokens",
        *PLAN_PAGES,
        "action",
        "plan_export:csv",
        *API,
    ],
    Role.ACTION_LEAD: [
        *EVERYONE,
        "my_actions",
        "action",
        "action_update",
        "plan",
        "calendar_feed",
    ],
    Role.EXEC_LEAD: [*EVERYONE, "accountable_actions", "action", "plan", "board_dashboard"],
    Role.BOARD: [*EVERYONE, "plan", "board_reports", "board_dashboard", "kpi_list"],
}


def _url(name, *, plan, action, user):
    if name.startswith("api:"):
        path = {"plans": "", "actions": "/actions", "periods": "/periods", "updates": "/updates"}
        tail = name.removeprefix("api:")
        return "/api/v1/plans" + (f"/{plan.pk}{path[tail]}" if path[tail] else "")
    if name == "plan_export:csv":
        return reverse("plan_export", args=[plan.pk, "csv"]) + "?updated=no"
    if name == "calendar_feed":  # the token is made (a write) before the reads are counted
        return reverse("calendar_feed", args=[calendar_feed_create(user=user)])
    if name == "action" or name == "action_update":
        return reverse(name, args=[action.pk])
    if name in PLAN_PAGES:
        return reverse(name, args=[plan.pk])
    return reverse(name)


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(WRITES)
        and not any(table in q["sql"] for table in BOOKKEEPING)
    ]


@pytest.fixture
def people(db):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    exec_lead = UserFactory(username="exec", roles=[Role.EXEC_LEAD])
    ExecRoleFactory(code="DoN", holder=exec_lead)
    return {
        Role.PMO: UserFactory(username="pmo", roles=[Role.PMO]),
        Role.ACTION_LEAD: lead,
        Role.EXEC_LEAD: exec_lead,
        Role.BOARD: UserFactory(username="board", roles=[Role.BOARD]),
    }


@pytest.fixture
def lead_action(plan, people):
    action = ActionFactory(plan=plan, ref="T3", action_lead=people[Role.ACTION_LEAD])
    action.exec_roles.set([people[Role.EXEC_LEAD].exec_roles.get()])
    return action


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (ReportingPeriod, PeriodSnapshot, PlanEvent, WeeklyUpdate)
    }


@pytest.mark.parametrize("role", list(PAGES), ids=lambda r: r.value)
@time_machine.travel(MONDAY_9AM, tick=False)
def test_no_page_a_role_opens_writes_to_the_database(client, plan, lead_action, people, role):
    client.force_login(people[role])
    assert not ReportingPeriod.objects.exists()
    before = _counts()
    written = {}
    for name in PAGES[role]:
        url = _url(name, plan=plan, action=lead_action, user=people[role])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code < 500, url
        if _writes(queries.captured_queries):
            written[url] = _writes(queries.captured_queries)
    assert written == {}
    assert _counts() == before


@time_machine.travel(MONDAY_9AM, tick=False)
def test_pages_show_the_open_period_before_it_has_a_row(client, plan, lead_action, people):
    client.force_login(people[Role.ACTION_LEAD])

    page = client.get(reverse("action_update", args=[lead_action.pk])).content.decode()

    assert "Week ending Wed 25 Nov 2026" in page
    period = services.period_current(plan=plan)
    assert period.pk is None
    assert f'name="a{lead_action.pk}-deadline" value="{period.deadline.isoformat()}"' in page
    assert not ReportingPeriod.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_first_save_creates_the_open_period_and_records_the_due_locks(
    client, plan, lead_action, people
):
    client.force_login(people[Role.ACTION_LEAD])
    deadline = services.period_current(plan=plan).deadline
    p = f"a{lead_action.pk}"

    response = client.post(
        reverse("action_update", args=[lead_action.pk]),
        {
            f"{p}-status": "G",
            f"{p}-narrative": "Audit done on every ward.",
            f"{p}-period": "",
            f"{p}-deadline": deadline.isoformat(),
            f"{p}-base_revision": 0,
        },
    )

    assert response.status_code == 302
    update = WeeklyUpdate.objects.get()
    assert update.period.deadline == deadline
    assert update.period.locked_at is None
    # The save recorded the locks that fell due while nobody wrote, as before.
    assert ReportingPeriod.objects.filter(locked_at__isnull=False).count() > 40


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_form_for_a_period_that_has_since_closed_is_refused(client, plan, lead_action, people):
    client.force_login(people[Role.ACTION_LEAD])
    last_week = services.period_current(plan=plan).deadline - dt.timedelta(days=7)
    p = f"a{lead_action.pk}"

    response = client.post(
        reverse("action_update", args=[lead_action.pk]),
        {
            f"{p}-status": "G",
            f"{p}-narrative": "Audit done on every ward.",
            f"{p}-period": "",
            f"{p}-deadline": last_week.isoformat(),
            f"{p}-base_revision": 0,
        },
    )

    assert response.status_code == 409
    assert not WeeklyUpdate.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_an_htmx_first_save_counts_itself_in_the_progress_line(client, plan, lead_action, people):
    client.force_login(people[Role.ACTION_LEAD])
    page = client.get(reverse("my_actions")).content.decode()
    deadline = services.period_current(plan=plan).deadline
    assert f'value="{deadline.isoformat()}"' in page
    p = f"a{lead_action.pk}"

    response = client.post(
        reverse("action_update", args=[lead_action.pk]),
        {
            f"{p}-status": "G",
            f"{p}-narrative": "Audit done on every ward.",
            f"{p}-period": "",
            f"{p}-deadline": deadline.isoformat(),
            f"{p}-base_revision": 0,
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response.context["progress"]["done"] == 1
    assert response.context["update"].period.pk == ReportingPeriod.objects.get(deadline=deadline).pk
    # The card now names the period by its row.
    assert f'name="{p}-period" value="{response.context["period"].pk}"' in response.content.decode()
