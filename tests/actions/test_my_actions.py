"""The lead's "My actions": what each card shows, htmx saves, the deadline and time left."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.models import Status, WeeklyUpdate
from actions.timeleft import time_left
from tests.factories import ActionFactory, ExecRoleFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = dt.datetime(2026, 11, 23, 8, 57, tzinfo=LONDON)  # Wednesday 12:00 is 2d 3h 3m away


def _post(action, period, text, status="G", revision=0):
    p = f"a{action.pk}"
    return {
        f"{p}-status": status,
        f"{p}-narrative": text,
        f"{p}-period": period.pk,
        f"{p}-base_revision": revision,
    }


@time_machine.travel(MONDAY_9AM, tick=False)
def test_my_actions_shows_the_deadline_and_time_left(client, action, lead):
    client.force_login(lead)

    page = client.get(reverse("my_actions")).content.decode()

    assert "Locks Wednesday 12:00 — in 2 days 3 hours" in page
    assert "Week ending Wed 25 Nov 2026" in page
    assert "Not yet updated" in page
    assert "T3" in page


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (2 * 86400 + 3 * 3600 + 120, "in 2 days 3 hours"),
        (86400, "in 1 day"),
        (3 * 3600 + 25 * 60, "in 3 hours 25 minutes"),
        (59, "in 1 minute"),
        (0, "now"),
    ],
)
def test_time_left_reads_as_a_lead_would_say_it(seconds, expected):
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert time_left(now, now + dt.timedelta(seconds=seconds)) == expected


@time_machine.travel(MONDAY_9AM, tick=False)
def test_htmx_save_returns_the_card_with_update_saved(client, action, lead, plan):
    client.force_login(lead)
    period = services.period_current_row(plan=plan)

    response = client.post(
        reverse("action_update", args=[action.pk]),
        _post(action, period, "On plan"),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Update saved" in body
    assert "<html" not in body  # a fragment, not a full page
    assert f'id="card-{action.pk}"' in body
    update = WeeklyUpdate.objects.get()
    assert (update.status, update.narrative, update.period) == (Status.GREEN, "On plan", period)


@time_machine.travel(MONDAY_9AM, tick=False)
def test_blank_update_is_refused_with_the_sop_words(client, action, lead, plan):
    client.force_login(lead)
    period = services.period_current_row(plan=plan)

    response = client.post(
        reverse("action_update", args=[action.pk]),
        _post(action, period, "   "),
        HTTP_HX_REQUEST="true",
    )

    assert "A blank update counts as not reviewed." in response.content.decode()
    assert not WeeklyUpdate.objects.exists()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_saving_again_replaces_this_periods_update_and_keeps_earlier_ones(
    client, action, lead, plan
):
    client.force_login(lead)
    last_week = services.period_for_deadline(
        plan=plan, deadline=dt.datetime(2026, 11, 18, 12, tzinfo=LONDON)
    )
    WeeklyUpdate.objects.create(
        action=action,
        period=last_week,
        status=Status.AMBER,
        narrative="Awaiting committee approval",
        author=lead,
        submitted_at=dt.datetime(2026, 11, 17, 10, tzinfo=LONDON),
    )
    period = services.period_current_row(plan=plan)
    url = reverse("action_update", args=[action.pk])

    client.post(url, _post(action, period, "First draft"), HTTP_HX_REQUEST="true")
    response = client.post(
        url, _post(action, period, "Approved at committee", revision=1), HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert WeeklyUpdate.objects.filter(action=action, period=period).get().narrative == (
        "Approved at committee"
    )
    assert WeeklyUpdate.objects.filter(action=action).count() == 2
    assert "Earlier updates on T3" in body
    assert "Awaiting committee approval" in body


@time_machine.travel(MONDAY_9AM, tick=False)
def test_on_plan_button_targets_the_update_box(client, action, lead):
    client.force_login(lead)

    page = client.get(reverse("my_actions")).content.decode()

    assert f'data-on-plan="id_a{action.pk}-narrative"' in page
    assert f'id="id_a{action.pk}-narrative"' in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_my_actions_query_count_does_not_grow_with_the_number_of_actions(client, plan, lead):
    """Guards the N+1s of the cards: exec roles, recent updates and this period's update."""
    client.force_login(lead)
    for n in range(3):
        ActionFactory(plan=plan, ref=f"S{n}", action_lead=lead)
    services.period_current_row(plan=plan)  # the open period's row, as after a first save
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("my_actions"))
    for n in range(12):
        action = ActionFactory(plan=plan, ref=f"L{n}", action_lead=lead)
        services.update_submit(
            action=action,
            period=services.period_current_row(plan=plan),
            author=lead,
            status="G",
            narrative="On plan",
        )
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("my_actions"))

    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


@time_machine.travel(MONDAY_9AM, tick=False)
def test_plan_page_query_count_does_not_grow_with_the_plan(client, plan, pmo, lead):
    """Guards the N+1s of the plan table: leads, exec roles, this period's update state."""
    client.force_login(pmo)
    for n in range(3):
        ActionFactory(plan=plan, ref=f"S{n}", action_lead=lead)
    url = reverse("plan", args=[plan.pk]) + "?sort=end&status=G"
    client.get(reverse("plan", args=[plan.pk]))  # the session and the open period, once
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(30):
        ActionFactory(plan=plan, ref=f"L{n}")
    with CaptureQueriesContext(connection) as large:
        client.get(url)  # the new actions change the plan's fingerprint: rendered again

    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


# A save over this period's update, by htmx: the Wednesday rush's hot path (bench/rush).
# Outside the transaction: the user (session), the action with its plan, the period named
# by the form, the plan's locked deadlines (any lock due is recorded first; a plan in its
# first week skips this one, as the rush's does). Inside: BEGIN, the period FOR SHARE, the
# action FOR UPDATE, this period's update, its UPDATE, the action's UPDATE, the history
# entry, COMMIT. Then the card: its earlier updates, the newest closure request and the
# exec role codes.
HTMX_SAVE_OVER_AN_UPDATE_QUERIES = 15


@time_machine.travel(MONDAY_9AM, tick=False)
def test_an_htmx_save_over_an_update_takes_a_fixed_number_of_queries(
    client, action, lead, plan, django_assert_num_queries
):
    """Guards the save's reads: no second read of the action after the save (the update
    holds the locked row), no lead row, no exec roles prefetch, and no "updated N of M"
    query when saving over an update cannot change it."""
    action.exec_roles.add(ExecRoleFactory(code="DoN"))
    client.force_login(lead)
    period = services.period_current_row(plan=plan)
    url = reverse("action_update", args=[action.pk])
    client.post(url, _post(action, period, "First"), HTTP_HX_REQUEST="true")

    with django_assert_num_queries(HTMX_SAVE_OVER_AN_UPDATE_QUERIES):
        response = client.post(
            url, _post(action, period, "Second", status="A", revision=1), HTTP_HX_REQUEST="true"
        )

    body = response.content.decode()
    assert "Update saved" in body
    assert f'name="a{action.pk}-base_revision" value="2"' in body
    assert "DoN" in body  # the exec lead, read without the prefetch
    assert "app-status--amber" in body  # the action's new status, from the locked row
    assert "hx-swap-oob" not in body  # saving over an update moves no count on
    assert WeeklyUpdate.objects.get(action=action, period=period).narrative == "Second"


@time_machine.travel(MONDAY_9AM, tick=False)
def test_htmx_save_also_refreshes_the_count_of_updated_actions(client, action, lead, plan):
    ActionFactory(plan=plan, ref="T4", action_lead=lead)
    client.force_login(lead)
    period = services.period_current_row(plan=plan)
    assert "You have updated 0 of 2" in client.get(reverse("my_actions")).content.decode()

    response = client.post(
        reverse("action_update", args=[action.pk]),
        _post(action, period, "On plan"),
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body
    assert "You have updated 1 of 2 open actions for week ending Wed 25 Nov 2026." in body
