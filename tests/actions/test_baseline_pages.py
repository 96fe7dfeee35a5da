"""The baseline and change request pages: who sees what, who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from actions import baseline
from actions.models import ChangeRequest, PlanBaseline, Role
from tests.factories import ActionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(pmo, lead, other_lead, board):
    return {
        "pmo": pmo,
        "exec": UserFactory(username="don", roles=[Role.EXEC_LEAD]),
        "lead": lead,
        "other_lead": other_lead,
        "board": board,
        "reviewer": UserFactory(username="reviewer", roles=[Role.REVIEWER]),
    }


@pytest.fixture
def baselined(plan, action, pmo):
    baseline.baseline_take(plan=plan, by=pmo, reason="Approved by the ECIB")
    return plan


@pytest.fixture
def request_(baselined, action, lead):
    [made] = baseline.change_request_raise(
        action=action, by=lead, reason="Supplier delay", proposed_end_date=dt.date(2027, 3, 31)
    )
    return made


READERS = ["pmo", "exec", "board", "reviewer"]


@pytest.mark.parametrize(
    ("who", "status"),
    [*((r, 200) for r in READERS), ("lead", 403), ("other_lead", 403)],
)
def test_the_baseline_page_is_for_the_plans_readers(client, people, baselined, who, status):
    client.force_login(people[who])
    response = client.get(reverse("plan_baseline", args=[baselined.pk]))
    assert response.status_code == status
    if status == 200:
        assert "Original baseline" in response.content.decode()
        shows_form = "Re-baseline the plan" in response.content.decode()
        assert shows_form == (who == "pmo")


@pytest.mark.parametrize(
    ("who", "status"),
    [*((r, 200) for r in READERS), ("lead", 403), ("other_lead", 403)],
)
def test_the_change_request_list_is_for_readers_and_deciders(client, people, request_, who, status):
    client.force_login(people[who])
    response = client.get(reverse("change_requests", args=[request_.action.plan_id]))
    assert response.status_code == status
    if status == 200:
        assert "Supplier delay" in response.content.decode()


def test_the_list_shows_waiting_requests_first(client, people, request_, action, pmo, lead):
    baseline.change_request_refuse(request=request_, by=pmo, note="Not agreed")
    [waiting] = baseline.change_request_raise(
        action=action, by=lead, reason="Second ask", proposed_end_date=dt.date(2027, 1, 31)
    )
    client.force_login(pmo)
    page = client.get(reverse("change_requests", args=[action.plan_id])).content.decode()
    assert page.index("Second ask") < page.index("Supplier delay")
    assert page.index("Waiting for a decision") < page.index("Second ask") < page.index("Decided")


def test_anyone_signed_out_is_sent_to_sign_in(client, request_):
    for url in (
        reverse("plan_baseline", args=[request_.action.plan_id]),
        reverse("change_requests", args=[request_.action.plan_id]),
        reverse("change_request", args=[request_.pk]),
        reverse("change_request_new", args=[request_.action_id]),
    ):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [("pmo", 302), ("exec", 403), ("board", 403), ("reviewer", 403), ("lead", 403)],
)
def test_only_the_pmo_approves_the_plan_and_sets_its_baseline(client, people, plan, who, status):
    client.force_login(people[who])
    response = client.post(
        reverse("baseline_take", args=[plan.pk]), {"reason": "Approved at the ECIB"}
    )
    assert response.status_code == status
    assert PlanBaseline.objects.filter(plan=plan).exists() == (status == 302)


def test_setting_a_baseline_needs_a_reason_and_a_post(client, pmo, plan):
    client.force_login(pmo)
    assert client.get(reverse("baseline_take", args=[plan.pk])).status_code == 405
    response = client.post(reverse("baseline_take", args=[plan.pk]), {"reason": ""})
    assert response.status_code == 422
    assert "Give the reason" in response.content.decode()
    assert not PlanBaseline.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("pmo", 200), ("other_lead", 403), ("board", 403), ("exec", 403)],
)
def test_the_actions_lead_and_the_pmo_ask_for_changes(
    client, people, baselined, action, who, status
):
    client.force_login(people[who])
    url = reverse("change_request_new", args=[action.pk])
    assert client.get(url).status_code == status
    response = client.post(
        url, {"proposed_end_date": "31/03/2027", "proposed_requirement": "", "reason": "Delay"}
    )
    assert response.status_code == (302 if status == 200 else 403)
    assert ChangeRequest.objects.filter(action=action).exists() == (status == 200)


def test_the_lead_asks_from_the_action_page(client, lead, baselined, action):
    client.force_login(lead)
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "Baseline end date" in page
    assert reverse("change_request_new", args=[action.pk]) in page

    response = client.post(
        reverse("change_request_new", args=[action.pk]),
        {"proposed_end_date": "31/03/2027", "proposed_requirement": "", "reason": "Delay"},
        follow=True,
    )

    assert "Waiting for a decision" in response.content.decode()
    action.refresh_from_db()
    assert action.end_date == dt.date(2026, 12, 31)


def test_asking_without_a_change_or_a_reason_is_refused(client, lead, baselined, action):
    client.force_login(lead)
    response = client.post(
        reverse("change_request_new", args=[action.pk]),
        {"proposed_end_date": "", "proposed_requirement": action.requirement, "reason": "x"},
    )
    assert response.status_code == 422
    assert "Propose a new end date or a new scope" in response.content.decode()
    response = client.post(
        reverse("change_request_new", args=[action.pk]),
        {"proposed_end_date": "31/03/2027", "proposed_requirement": "", "reason": ""},
    )
    assert response.status_code == 422
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "decides"),
    [
        ("pmo", 200, True),
        ("exec", 200, True),
        ("board", 200, False),
        ("reviewer", 200, False),
        ("lead", 200, False),  # they asked: someone else decides
        ("other_lead", 403, False),
    ],
)
def test_a_requests_page_and_who_may_decide_it(client, people, request_, who, status, decides):
    client.force_login(people[who])
    response = client.get(reverse("change_request", args=[request_.pk]))
    assert response.status_code == status
    if status == 200:
        assert ("Record the decision" in response.content.decode()) == decides


@pytest.mark.parametrize("who", ["board", "reviewer", "lead", "other_lead"])
def test_only_the_pmo_and_the_executive_board_may_post_a_decision(client, people, request_, who):
    client.force_login(people[who])
    response = client.post(
        reverse("change_request", args=[request_.pk]), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 403
    request_.refresh_from_db()
    assert request_.is_pending


def test_the_exec_lead_approves_and_the_end_date_moves(client, people, request_, action):
    client.force_login(people["exec"])
    response = client.post(
        reverse("change_request", args=[request_.pk]),
        {"decision": "approve", "note": "ECIB 14 April"},
        follow=True,
    )
    assert "Change approved" in response.content.decode()
    action.refresh_from_db()
    assert action.end_date == dt.date(2027, 3, 31)


def test_refusing_needs_a_reason_and_leaves_the_date(client, pmo, request_, action):
    client.force_login(pmo)
    url = reverse("change_request", args=[request_.pk])
    response = client.post(url, {"decision": "refuse", "note": ""})
    assert response.status_code == 422
    assert "reason for refusing" in response.content.decode()

    client.post(url, {"decision": "refuse", "note": "Not agreed"})

    request_.refresh_from_db()
    action.refresh_from_db()
    assert request_.state == ChangeRequest.State.REFUSED
    assert action.end_date == dt.date(2026, 12, 31)


def test_a_second_submit_is_told_the_request_was_already_decided(client, people, request_):
    url = reverse("change_request", args=[request_.pk])
    client.force_login(people["pmo"])
    client.post(url, {"decision": "approve", "note": ""})
    client.force_login(people["exec"])

    response = client.post(url, {"decision": "refuse", "note": "No"}, follow=True)

    assert "already approved by" in response.content.decode()
    request_.refresh_from_db()
    assert request_.state == ChangeRequest.State.APPROVED


def test_the_requester_withdraws_but_nobody_else_but_the_pmo(client, people, request_):
    url = reverse("change_request_withdraw", args=[request_.pk])
    client.force_login(people["board"])
    assert client.post(url).status_code == 403
    client.force_login(people["lead"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    request_.refresh_from_db()
    assert request_.state == ChangeRequest.State.WITHDRAWN


def test_the_menu_shows_change_requests_waiting_to_the_deciders(client, people, request_):
    client.force_login(people["exec"])
    page = client.get(reverse("accountable_actions")).content.decode()
    assert reverse("change_requests", args=[request_.action.plan_id]) in page
    client.force_login(people["lead"])
    page = client.get(reverse("my_actions")).content.decode()
    assert "Change requests" not in page


def test_typed_markup_is_shown_as_text(client, pmo, baselined, action, lead):
    baseline.change_request_raise(
        action=action,
        by=lead,
        reason="<script>alert(1)</script>",
        proposed_end_date=dt.date(2027, 3, 31),
    )
    client.force_login(pmo)
    page = client.get(reverse("change_requests", args=[action.plan_id])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_action_outside_the_baseline_says_so(client, pmo, baselined, lead):
    added = ActionFactory(plan=baselined, ref="N1", action_lead=lead)
    client.force_login(pmo)
    page = client.get(reverse("action", args=[added.pk])).content.decode()
    assert "Not in the baseline" in page
    baseline_page = client.get(reverse("plan_baseline", args=[baselined.pk])).content.decode()
    assert "Not in the baseline" in baseline_page


def test_the_baseline_and_change_request_pages_do_not_grow_with_the_plan(
    client, pmo, lead, baselined, django_assert_num_queries
):
    """The same queries for 1 action or 26, and for 0 requests or 21: not one per action
    (the baseline page reads the baselines, their dates and the actions once each) nor one
    per request (the list reads them with their actions and people in one query)."""
    client.force_login(pmo)
    pages = [
        (reverse("plan_baseline", args=[baselined.pk]), BASELINE_PAGE_QUERIES),
        (reverse("change_requests", args=[baselined.pk]), CHANGE_LIST_QUERIES),
    ]
    for url, _ in pages:
        client.get(url)  # warm the session
    for url, queries in pages:
        with django_assert_num_queries(queries):
            client.get(url)
    for n in range(20):
        ActionFactory(plan=baselined, ref=f"M{n}", action_lead=lead)
    baseline.baseline_take(plan=baselined, by=pmo, reason="Again")
    for action in baselined.actions.all():
        baseline.change_request_raise(
            action=action, by=lead, reason="x", proposed_end_date=dt.date(2027, 1, 31)
        )
    ActionFactory.create_batch(5, plan=baselined, action_lead=lead)  # not in the baseline
    for url, queries in pages:
        with django_assert_num_queries(queries):
            client.get(url)


BASELINE_PAGE_QUERIES = 8
CHANGE_LIST_QUERIES = 5
