"""Tell people what happened to closures: the lead reads approvals and declines (and why)
on My actions and on the action's page; the reviewer sees how many closures are new."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from actions.models import Status
from evidence import services
from tests.factories import ActionFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def _closure(action, lead, summary="Done"):
    note = services.evidence_add(
        action=action, by=lead, kind="note", note="Seen on the ward", description="Visit"
    )
    return services.closure_request(action=action, by=lead, summary=summary, evidence=[note])


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_lead_sees_an_approval_on_my_actions_though_the_action_left_the_list(
    client, action, closure, reviewer, lead
):
    reviewer.first_name, reviewer.last_name = "David", "Hughes"
    reviewer.save()
    services.closure_approve(closure=closure, by=reviewer)
    client.force_login(lead)

    page = client.get(reverse("my_actions")).content.decode()

    assert "Recent decisions on your closures" in page
    assert "T3</a> signed off — it is now Blue. David Hughes, 23 November 2026 at 09:00." in page
    assert f'id="card-{action.pk}"' not in page  # Blue: no more weekly updates


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_lead_sees_a_decline_and_its_reason_on_my_actions(client, closure, reviewer, lead):
    services.closure_decline(closure=closure, by=reviewer, reason="The register is not signed.")
    client.force_login(lead)

    page = client.get(reverse("my_actions")).content.decode()

    assert "T3</a> not closed — it stays open." in page
    assert "Reason: The register is not signed." in page


def test_decisions_older_than_two_weeks_leave_my_actions(client, closure, reviewer, lead):
    with time_machine.travel(MONDAY_9AM, tick=False):
        services.closure_decline(closure=closure, by=reviewer, reason="Not signed")

    with time_machine.travel(MONDAY_9AM + dt.timedelta(days=15), tick=False):
        client.force_login(lead)
        response = client.get(reverse("my_actions"))

    assert response.status_code == 200
    assert "Recent decisions" not in response.content.decode()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_lead_sees_no_decisions_on_other_leads_closures(
    client, plan, other_lead, reviewer, closure, lead
):
    services.closure_decline(closure=closure, by=reviewer, reason="Not signed")
    ActionFactory(plan=plan, ref="R2", action_lead=other_lead)
    client.force_login(other_lead)

    page = client.get(reverse("my_actions")).content.decode()

    assert "Recent decisions" not in page and "Not signed" not in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_action_page_says_the_closure_was_approved(client, action, closure, reviewer, lead):
    reviewer.first_name, reviewer.last_name = "David", "Hughes"
    reviewer.save()
    services.closure_approve(closure=closure, by=reviewer)
    client.force_login(lead)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert "David Hughes signed T3 off on Monday 23 November 2026 at 09:00: it is Blue." in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_action_page_says_the_closure_was_declined_and_why(
    client, action, closure, reviewer, lead
):
    services.closure_decline(closure=closure, by=reviewer, reason="The register is not signed.")
    client.force_login(lead)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert 'id="recent-decision"' in page
    assert "declined the closure of T3 on Monday 23 November 2026 at 09:00" in page
    assert "Reason: The register is not signed." in page


def test_the_action_page_notice_goes_after_two_weeks(client, action, closure, reviewer, lead):
    with time_machine.travel(MONDAY_9AM, tick=False):
        services.closure_approve(closure=closure, by=reviewer)

    with time_machine.travel(MONDAY_9AM + dt.timedelta(days=15), tick=False):
        client.force_login(lead)
        page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert 'id="recent-decision"' not in page
    assert "Signed off by" in page  # the record stays


def test_the_queue_says_how_many_wait_and_how_many_are_new_this_week(client, plan, lead, reviewer):
    with time_machine.travel(MONDAY_9AM - dt.timedelta(days=10), tick=False):
        _closure(ActionFactory(plan=plan, ref="OLD1", action_lead=lead, status=Status.AMBER), lead)
    with time_machine.travel(MONDAY_9AM - dt.timedelta(days=2), tick=False):
        _closure(ActionFactory(plan=plan, ref="NEW1", action_lead=lead), lead)
    client.force_login(reviewer)

    with time_machine.travel(MONDAY_9AM, tick=False):
        page = client.get(reverse("review_queue")).content.decode()

    assert "2 waiting, 1 new this week" in page
    assert page.count('nhsuk-tag--blue">New</strong>') == 1
    new_at = page.index("NEW1</a>")
    assert page.index('">New</strong>', new_at) < page.index("</h2>", new_at)


def test_the_queue_takes_a_fixed_number_of_queries(
    client, plan, lead, reviewer, other_exec, django_assert_num_queries
):
    """Pinned at 8 for a reviewer, whatever the number of closures: the user, their roles,
    the waiting closures with their actions, leads and sign-off (one query), then one
    prefetch each for the actions' exec roles with their holders, each action's latest
    weekly update (added to show it on the card), the meetings and the evidence, and the
    plans' sign-off settings. Someone who may not decide reads one more: the names of the
    reviewers and the PMO, to say who can."""
    for i in range(3):
        _closure(ActionFactory(plan=plan, ref=f"Q{i}", action_lead=lead), lead)
    # One more for everyone: the header's menu (actions.selectors.navigation), one query.
    for who, queries in ((reviewer, 9), (other_exec, 10)):
        client.force_login(who)
        client.get(reverse("review_queue"))
        with django_assert_num_queries(queries):
            client.get(reverse("review_queue"))
    for i in range(3, 9):
        _closure(ActionFactory(plan=plan, ref=f"Q{i}", action_lead=lead), lead)
    with django_assert_num_queries(10):
        client.get(reverse("review_queue"))
