"""The read-only API: a token reads what a plan reader reads; a signed-in person reads what
their pages show; nobody else reads anything. Every list comes in pages."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions import services as action_services
from actions.models import Action, FindingKind, Role, Status
from evidence.models import AssuranceMeeting, ClosureRequest, SignOff
from integrations import services
from tests.factories import RECOVERY, ActionFactory, ExecRoleFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=LONDON)  # the lock is Wednesday 18th 12:00
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NEXT_MONDAY, tick=False):
        yield


@pytest.fixture
def world(plan, pmo, lead, other_lead):
    """One plan as it stands a week after a lock: updates, a snapshot and two sign-offs."""
    plan.name = "CQC improvement plan 2026"
    plan.save()
    dops, md = ExecRoleFactory(code="DOps"), ExecRoleFactory(code="MD")
    lead.first_name, lead.last_name = "Amira", "Khan"
    lead.save()
    t1 = ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.RED)
    t1.exec_roles.set([dops, md])
    t2 = ActionFactory(
        plan=plan, ref="T2", action_lead=other_lead, status=Status.AMBER, kind=FindingKind.SHOULD
    )
    g1 = ActionFactory(plan=plan, ref="G1", action_lead=lead, status=Status.GREEN)
    with time_machine.travel(MONDAY, tick=False):
        week = action_services.period_current_row(plan=plan)
        action_services.update_submit(
            recovery=RECOVERY,
            action=t1,
            period=week,
            author=lead,
            status=Status.RED,
            narrative="Staff off sick",
        )
        action_services.update_submit(
            action=t2,
            period=week,
            author=other_lead,
            status=Status.AMBER,
            narrative="Short of trainers",
        )
    this_week = action_services.period_current_row(plan=plan)
    action_services.update_submit(
        action=g1, period=this_week, author=lead, status=Status.GREEN, narrative="On plan"
    )
    reviewer = UserFactory(username="reviewer", roles=[Role.REVIEWER])
    meeting = AssuranceMeeting.objects.create(
        name="Evidence Assurance Group", held_on=dt.date(2026, 11, 20), recorded_at=timezone.now()
    )
    for action, decision, reason in [
        (g1, SignOff.Decision.DECLINED, "The audit covers one ward only."),
        (t2, SignOff.Decision.DECLINED, "No training records."),
    ]:
        closure = ClosureRequest.objects.create(
            action=action,
            summary="Done",
            requested_by=action.action_lead,
            requested_at=timezone.now(),
            previous_status=action.status,
            state=ClosureRequest.State.DECLINED,
        )
        SignOff.objects.create(
            closure=closure,
            decision=decision,
            reason=reason,
            decided_by=reviewer,
            decided_at=timezone.now(),
            meeting=meeting,
        )
    # Another plan the lead has no part in.
    other_plan = PlanFactory(name="Well-led plan")
    ActionFactory(plan=other_plan, ref="W1", action_lead=other_lead)
    week.refresh_from_db()
    return {"plan": plan, "other_plan": other_plan, "week": week, "this_week": this_week}


def token_client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def token(pmo):
    return services.api_token_create(name="Power BI quality dashboard", by=pmo)


@pytest.fixture
def api(token):
    """A client with a live API token, as Power BI sends it."""
    return token_client(token[1])


def signed_in(username: str, role: str | None) -> Client:
    client = Client()
    client.force_login(UserFactory(username=username, roles=[role] if role else []))
    return client


def endpoints(world) -> list[str]:
    plan = world["plan"].pk
    return [
        "/api/v1/plans",
        f"/api/v1/plans/{plan}",
        f"/api/v1/plans/{plan}/actions",
        f"/api/v1/plans/{plan}/periods",
        f"/api/v1/plans/{plan}/updates",
        f"/api/v1/plans/{plan}/sign-offs",
    ]


# Who may read ---------------------------------------------------------------------------


def test_anonymous_is_refused_everywhere_with_401(world):
    for url in endpoints(world):
        response = Client().get(url)
        assert response.status_code == 401, url
        assert response.json() == {"detail": "Unauthorized"}


def test_an_unknown_or_malformed_token_is_refused_with_401(world):
    for header in ["Bearer ipt_not-a-real-token", "Bearer ", "Basic cG1vOnBhc3M=", "ipt_x"]:
        client = Client(HTTP_AUTHORIZATION=header)
        for url in endpoints(world):
            assert client.get(url).status_code == 401, (header, url)


def test_a_revoked_token_stops_working_at_once(world, api, token, pmo):
    assert api.get("/api/v1/plans").status_code == 200
    services.api_token_revoke(token=token[0], by=pmo)
    for url in endpoints(world):
        assert api.get(url).status_code == 401, url


def test_a_token_reads_every_endpoint_like_a_plan_reader(world, api):
    for url in endpoints(world):
        assert api.get(url).status_code == 200, url
    refs = [a["ref"] for a in api.get(endpoints(world)[2]).json()["items"]]
    assert refs == ["T1", "T2", "G1"]
    plans = api.get("/api/v1/plans").json()
    assert [p["name"] for p in plans["items"]] == ["CQC improvement plan 2026", "Well-led plan"]


@pytest.mark.parametrize(
    "role", [Role.PMO, Role.EXEC_LEAD, Role.REVIEWER, Role.BOARD], ids=lambda r: r.label
)
def test_plan_readers_signed_in_read_every_endpoint(world, role):
    client = signed_in(f"reader-{role.name.lower()}", role)
    for url in endpoints(world):
        assert client.get(url).status_code == 200, url
    assert client.get(endpoints(world)[2]).json()["count"] == 3


def test_a_lead_signed_in_reads_only_their_actions_updates_and_sign_offs(world, lead):
    client = Client()
    client.force_login(lead)
    plan = world["plan"].pk

    plans = client.get("/api/v1/plans").json()
    assert [p["name"] for p in plans["items"]] == ["CQC improvement plan 2026"]
    assert client.get(f"/api/v1/plans/{plan}").status_code == 200
    actions = client.get(f"/api/v1/plans/{plan}/actions").json()
    assert [a["ref"] for a in actions["items"]] == ["T1", "G1"] and actions["count"] == 2
    updates = client.get(f"/api/v1/plans/{plan}/updates").json()
    assert {u["action_ref"] for u in updates["items"]} == {"T1", "G1"}
    sign_offs = client.get(f"/api/v1/plans/{plan}/sign-offs").json()
    assert [s["action_ref"] for s in sign_offs["items"]] == ["G1"]


def test_a_lead_is_refused_plan_wide_figures_and_plans_they_have_no_part_in(world, lead):
    client = Client()
    client.force_login(lead)
    response = client.get(f"/api/v1/plans/{world['plan'].pk}/periods")
    assert response.status_code == 403
    assert "PMO, exec leads, reviewers and the board" in response.json()["detail"]
    other = world["other_plan"].pk
    for url in [f"/api/v1/plans/{other}", f"/api/v1/plans/{other}/actions"]:
        assert client.get(url).status_code == 403, url


def test_someone_with_no_role_and_no_actions_sees_no_plan(world):
    client = signed_in("visitor", None)
    assert client.get("/api/v1/plans").json() == {"items": [], "count": 0}
    assert client.get(f"/api/v1/plans/{world['plan'].pk}/actions").status_code == 403


def test_a_missing_plan_is_404(world, api):
    assert api.get("/api/v1/plans/999999/actions").status_code == 404


def test_nothing_can_be_written_through_the_api(world, api):
    for url in endpoints(world):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(api, method)(url).status_code == 405, (method, url)
    assert Action.objects.filter(plan=world["plan"]).count() == 3


# What it says ---------------------------------------------------------------------------


def test_actions_carry_status_labels_leads_and_exec_leads(world, api):
    plan = world["plan"]
    items = api.get(f"/api/v1/plans/{plan.pk}/actions").json()["items"]
    t1 = items[0]
    assert t1 == {
        "id": t1["id"],
        "plan_id": plan.pk,
        "ref": "T1",
        "theme": "Governance",
        "department": "Trust wide",
        "kind": "must",
        "kind_label": "Must do",
        "requirement": "The Trust must ensure that risks are recorded and mitigated.",
        "status": "R",
        "status_label": "Red",
        "action_lead": "Amira Khan",
        "exec_leads": "DOps/MD",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "updated_at": t1["updated_at"],
    }


def test_actions_filter_by_status_and_kind(world, api):
    url = f"/api/v1/plans/{world['plan'].pk}/actions"
    assert [a["ref"] for a in api.get(url, {"status": "A"}).json()["items"]] == ["T2"]
    assert [a["ref"] for a in api.get(url, {"kind": "must"}).json()["items"]] == ["T1", "G1"]
    assert api.get(url, {"status": "X"}).status_code == 422


def test_periods_carry_the_lock_and_the_snapshot_counts(world, api, pmo):
    plan = world["plan"]
    action_services.plan_lock_now(plan=plan, by=pmo, reason="Board tomorrow")
    periods = api.get(f"/api/v1/plans/{plan.pk}/periods").json()["items"]
    by_id = {p["id"]: p for p in periods}
    week = by_id[world["week"].pk]
    assert week["label"] == "Week ending Wed 18 Nov 2026"
    assert week["lock_kind"] == "scheduled" and week["lock_kind_label"] == "At the deadline"
    assert week["deadline"] == "2026-11-18T12:00:00Z"
    assert week["snapshot"] == {
        "actions": 3,
        "updated": 2,
        "not_updated": 1,
        "red": 1,
        "amber": 1,
        "green": 1,
        "blue": 0,
        "white": 0,
    }
    this_week = by_id[world["this_week"].pk]
    assert this_week["lock_kind"] == "early"
    assert this_week["snapshot"]["updated"] == 1


def test_an_open_period_has_no_snapshot_yet(world, api):
    periods = api.get(f"/api/v1/plans/{world['plan'].pk}/periods").json()["items"]
    this_week = next(p for p in periods if p["id"] == world["this_week"].pk)
    assert this_week["locked_at"] is None and this_week["lock_kind"] is None
    assert this_week["snapshot"] is None


def test_updates_filter_by_period_and_say_who_wrote_them(world, api):
    url = f"/api/v1/plans/{world['plan'].pk}/updates"
    items = api.get(url, {"period_id": world["week"].pk}).json()["items"]
    assert [(u["action_ref"], u["status"], u["narrative"]) for u in items] == [
        ("T1", "R", "Staff off sick"),
        ("T2", "A", "Short of trainers"),
    ]
    assert items[0]["author"] == "Amira Khan"
    assert items[0]["revision"] == 1 and items[0]["late"] is False
    assert items[0]["period_deadline"] == "2026-11-18T12:00:00Z"
    assert [u["action_ref"] for u in api.get(url).json()["items"]] == ["G1", "T1", "T2"]


def test_sign_offs_say_who_decided_why_and_at_which_meeting(world, api):
    items = api.get(f"/api/v1/plans/{world['plan'].pk}/sign-offs").json()["items"]
    assert {(s["action_ref"], s["decision"], s["reason"]) for s in items} == {
        ("G1", "declined", "The audit covers one ward only."),
        ("T2", "declined", "No training records."),
    }
    assert items[0]["decided_by"]
    assert items[0]["meeting"]["name"] == "Evidence Assurance Group"
    assert items[0]["meeting"]["held_on"] == "2026-11-20"


def test_what_people_typed_comes_back_as_text(world, api, lead):
    action = Action.objects.get(ref="T1")
    action.theme = '<script>alert("x")</script>'
    action.save()
    item = api.get(f"/api/v1/plans/{world['plan'].pk}/actions").json()["items"][0]
    assert item["theme"] == '<script>alert("x")</script>'
    response = api.get(f"/api/v1/plans/{world['plan'].pk}/actions")
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "private, no-store"


# Pages ----------------------------------------------------------------------------------


def test_lists_come_in_pages_of_100_and_at_most_500(plan, api, lead):
    Action.objects.bulk_create(
        Action(plan=plan, ref=f"B{n:03}", kind=FindingKind.MUST, requirement="r", action_lead=lead)
        for n in range(520)
    )
    url = f"/api/v1/plans/{plan.pk}/actions"
    first = api.get(url).json()
    assert first["count"] == 520 and len(first["items"]) == 100
    assert first["items"][0]["ref"] == "B000"
    sixth = api.get(url, {"page": 6}).json()
    assert [a["ref"] for a in sixth["items"]] == [f"B{n:03}" for n in range(500, 520)]
    assert len(api.get(url, {"page_size": 250}).json()["items"]) == 250
    assert len(api.get(url, {"page_size": 5000}).json()["items"]) == 500
    assert api.get(url, {"page": 0}).status_code == 422


# Queries --------------------------------------------------------------------------------


def _grow(plan, n: int) -> None:
    lead = UserFactory()
    for i in range(n):
        action = ActionFactory(plan=plan, ref=f"X{i}", action_lead=UserFactory())
        action.exec_roles.set([ExecRoleFactory(code=f"C{i}"), ExecRoleFactory(code=f"D{i}")])
        action_services.update_submit(
            action=action,
            period=action_services.period_current_row(plan=plan),
            author=lead if i % 2 else action.action_lead,
            status=Status.GREEN,
            narrative="On plan",
        )


def test_the_actions_list_reads_a_fixed_number_of_queries(
    world, api, django_assert_max_num_queries
):
    """Leads and exec leads are read with the page, not once per action (no N+1): the
    token, the plan, the count, the page and the exec leads' prefetch."""
    url = f"/api/v1/plans/{world['plan'].pk}/actions"
    with CaptureQueriesContext(connection) as small:
        api.get(url)
    _grow(world["plan"], 15)
    with django_assert_max_num_queries(5):
        response = api.get(url)
    assert response.json()["count"] == 18
    with CaptureQueriesContext(connection) as large:
        api.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_updates_list_reads_a_fixed_number_of_queries(
    world, api, django_assert_max_num_queries
):
    """Each update's action, period and author come joined to the page (no N+1): the
    token, the plan, the count and the page."""
    url = f"/api/v1/plans/{world['plan'].pk}/updates"
    with CaptureQueriesContext(connection) as small:
        api.get(url)
    _grow(world["plan"], 15)
    with django_assert_max_num_queries(4):
        response = api.get(url)
    assert response.json()["count"] == 18
    with CaptureQueriesContext(connection) as large:
        api.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_periods_counts_come_from_one_grouped_query(world, api, pmo):
    """The snapshot counts of a page of periods are one GROUP BY, not one query per period."""
    plan = world["plan"]
    action_services.plan_lock_now(plan=plan, by=pmo, reason="Board tomorrow")
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v1/plans/{plan.pk}/periods")
    assert response.status_code == 200
    snapshot_reads = [q["sql"] for q in queries.captured_queries if "periodsnapshot" in q["sql"]]
    assert len(snapshot_reads) == 2, "the page and its count"
    assert all("GROUP BY" in sql for sql in snapshot_reads)


# The log --------------------------------------------------------------------------------


def test_every_request_is_logged_with_the_token_path_and_status(world, api, token, caplog):
    url = f"/api/v1/plans/{world['plan'].pk}/actions"
    with caplog.at_level(logging.INFO, logger="integrations.api"):
        api.get(url)
        Client().get(url)
    ok, refused = [r for r in caplog.records if r.name == "integrations.api"]
    assert (ok.api_token_id, ok.user_id, ok.path, ok.status) == (token[0].pk, None, url, 200)
    assert (refused.api_token_id, refused.path, refused.status) == (None, url, 401)


def test_a_signed_in_request_is_logged_with_the_user(world, lead, caplog):
    client = Client()
    client.force_login(lead)
    with caplog.at_level(logging.INFO, logger="integrations.api"):
        client.get(f"/api/v1/plans/{world['plan'].pk}/periods")
    (record,) = [r for r in caplog.records if r.name == "integrations.api"]
    assert (record.user_id, record.api_token_id, record.status) == (lead.pk, None, 403)
