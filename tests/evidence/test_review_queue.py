"""The review queue: every closure waiting for a decision, its evidence one click away."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Status
from evidence import services
from tests.factories import ActionFactory


@pytest.mark.parametrize(("who", "status"), [("reviewer", 200), ("exec", 200), ("pmo", 200)])
def test_reviewers_exec_leads_and_pmo_see_the_queue(client, closure, pmo, reviewer, who, status):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    response = client.get(reverse("review_queue"))

    assert response.status_code == status
    page = response.content.decode()
    assert "T3" in page and "All staff trained; register attached." in page
    assert "Review queue" in page  # the navigation link


@pytest.mark.parametrize("who", ["lead", "board"])
def test_leads_and_the_board_do_not(client, closure, board, who):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    response = client.get(reverse("review_queue"))

    assert response.status_code == 403
    assert 'href="/review/"' not in client.get(reverse("my_actions")).content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("review_queue")).status_code == 302


def test_each_closure_shows_its_evidence_and_the_decision_buttons(
    client, closure, reviewer, pdf_evidence
):
    client.force_login(reviewer)

    page = client.get(reverse("review_queue")).content.decode()

    assert reverse("evidence_download", args=[pdf_evidence.pk]) in page
    assert "Training register.pdf" in page
    assert ">Approve<" in page and ">Decline<" in page and ">Reason<" in page


def test_the_lead_who_asked_sees_no_buttons_on_their_own_closure(
    client, action, lead, pdf_evidence
):
    from django.contrib.auth.models import Group

    lead.groups.add(Group.objects.get(name="Assurance reviewer"))
    services.closure_request(action=action, by=lead, summary="Done", evidence=[pdf_evidence])
    client.force_login(lead)

    page = client.get(reverse("review_queue")).content.decode()

    assert "You cannot sign this off: you asked for this closure" in page
    assert ">Approve<" not in page


def test_approve_from_the_queue_returns_to_the_queue(client, closure, reviewer, action):
    client.force_login(reviewer)

    response = client.post(
        reverse("closure_approve", args=[closure.pk]),
        {"reviewed": "on", "next": reverse("review_queue")},
    )

    assert response["Location"] == reverse("review_queue")
    action.refresh_from_db()
    assert action.status == Status.BLUE
    assert "No closures are waiting" in client.get(reverse("review_queue")).content.decode()


def test_next_cannot_send_the_reviewer_off_site(client, closure, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("closure_decline", args=[closure.pk]),
        {"reason": "No", "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("review_queue")


def test_the_queue_takes_the_same_queries_however_many_closures(client, plan, reviewer):
    """Guards the N+1s of the queue: actions, leads, evidence, inspections, meetings, settings."""

    def add_closures(n, start):
        for i in range(start, start + n):
            action = ActionFactory(plan=plan, ref=f"Q{i}", status=Status.AMBER)
            evidence = services.evidence_add(
                action=action, by=action.action_lead, kind="note", note="n", description="d"
            )
            services.closure_request(
                action=action, by=action.action_lead, summary="s", evidence=[evidence]
            )

    client.force_login(reviewer)
    add_closures(2, 0)
    client.get(reverse("review_queue"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("review_queue"))
    add_closures(10, 2)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("review_queue"))

    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
