"""Page-level checks: query counts, settings page, refusals for people who must be refused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services as action_services
from evidence import services
from evidence.models import ClosureSettings
from tests.factories import ActionFactory

MONDAY_9AM = dt.datetime(2026, 11, 23, 8, 57, tzinfo=ZoneInfo("Europe/London"))


@time_machine.travel(MONDAY_9AM, tick=False)
def test_my_actions_query_count_does_not_grow_with_closures(client, plan, lead, reviewer):
    """Guards the N+1 of the "Closure requested" and decline lines on the cards."""

    def add(n, start):
        for i in range(start, start + n):
            action = ActionFactory(plan=plan, ref=f"C{i}", action_lead=lead)
            note = services.evidence_add(
                action=action, by=lead, kind="note", note="n", description="d"
            )
            closure = services.closure_request(action=action, by=lead, summary="s", evidence=[note])
            if i % 2:
                services.closure_decline(closure=closure, by=reviewer, reason=f"Reason {i}")

    client.force_login(lead)
    add(2, 0)
    client.get(reverse("my_actions"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("my_actions"))
    add(8, 2)
    with CaptureQueriesContext(connection) as large:
        page = client.get(reverse("my_actions")).content.decode()

    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert "Reason 9" in page and "Closure requested" in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_decline_stays_on_the_card_after_an_htmx_save(client, plan, closure, reviewer, lead):
    services.closure_decline(closure=closure, by=reviewer, reason="Register unsigned")
    client.force_login(lead)
    period = action_services.period_current_row(plan=plan)
    p = f"a{closure.action_id}"

    response = client.post(
        reverse("action_update", args=[closure.action_id]),
        {
            f"{p}-status": "G",
            f"{p}-narrative": "On plan",
            f"{p}-period": period.pk,
            f"{p}-base_revision": 0,
        },
        HTTP_HX_REQUEST="true",
    )

    assert "Register unsigned" in response.content.decode()


def test_the_action_page_takes_the_same_queries_however_much_evidence(client, action, lead):
    """Guards the N+1s of the evidence list and the closure table."""

    def add(n):
        for _ in range(n):
            note = services.evidence_add(
                action=action, by=lead, kind="note", note="n", description="d"
            )
        return note

    client.force_login(lead)
    add(2)
    client.get(reverse("action", args=[action.pk]))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("action", args=[action.pk]))
    last = add(10)
    services.closure_request(action=action, by=lead, summary="s", evidence=[last])
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("action", args=[action.pk]))

    # The waiting closure adds its peer-inspection setting line, not a query per item.
    assert len(large) <= len(small) + 2, [q["sql"] for q in large.captured_queries]


def test_pmo_sets_who_signs_off_and_the_peer_inspection(client, plan, pmo):
    client.force_login(pmo)

    response = client.post(
        reverse("closure_settings", args=[plan.pk]),
        {"signers": ["reviewers", "pmo"], "peer_inspection_required": "on"},
    )

    assert response.status_code == 302
    settings = ClosureSettings.objects.get(plan=plan)
    assert (settings.reviewers_sign_off, settings.exec_lead_signs_off, settings.pmo_signs_off) == (
        True,
        False,
        True,
    )
    assert settings.peer_inspection_required


def test_someone_must_be_able_to_sign_off(client, plan, pmo):
    client.force_login(pmo)

    response = client.post(reverse("closure_settings", args=[plan.pk]), {"signers": []})

    assert response.status_code == 422
    assert "Choose at least one group who may sign off" in response.content.decode()
    assert not ClosureSettings.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "exec", "lead", "board"])
def test_only_the_pmo_changes_sign_off_settings(client, plan, action, reviewer, board, who):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    response = client.post(reverse("closure_settings", args=[plan.pk]), {"signers": ["pmo"]})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "name",
    ["evidence_add", "closure_request", "action_reopen"],
)
def test_action_pages_refuse_another_lead(client, action, other_lead, name):
    client.force_login(other_lead)

    assert client.get(reverse(name, args=[action.pk])).status_code == 403


def test_the_add_evidence_page_offers_link_and_note(client, action, lead):
    client.force_login(lead)

    link = client.get(reverse("evidence_add", args=[action.pk]) + "?kind=link").content.decode()
    note = client.get(reverse("evidence_add", args=[action.pk]) + "?kind=note").content.decode()

    assert ">Link<" in link and ">Add link<" in link
    assert ">Note<" in note and ">Add note<" in note
    assert client.get(reverse("evidence_add", args=[action.pk]) + "?kind=exe").status_code == 404
