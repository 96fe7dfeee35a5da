"""The plan page's table is cached, and any change to what it shows is on the next request."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.selectors import plan_page_fingerprint
from tests.factories import ActionFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = dt.datetime(2026, 11, 23, 8, 57, tzinfo=LONDON)


def _page(client, plan, query=""):
    return client.get(reverse("plan", args=[plan.pk]) + query).content.decode()


@time_machine.travel(MONDAY_9AM, tick=False)
def test_plan_page_from_the_cache_reads_only_the_plans_state(client, plan, pmo, lead):
    """Pins the cached path: user, roles, the header's menu, plan, open period, and one
    statement for the state.

    The session comes from the cache. Everything else the page needs (actions, leads, the
    filters' lists, Table 1, the counts, the last lock) is read only when the fingerprint
    changes.
    """
    client.force_login(pmo)
    for n in range(5):
        ActionFactory(plan=plan, ref=f"S{n}", action_lead=lead)
    _page(client, plan, "?status=G")

    with CaptureQueriesContext(connection) as cached:
        page = _page(client, plan, "?status=G")

    assert len(cached) == 6, [q["sql"] for q in cached.captured_queries]
    assert "S4" in page and "0 of 5 open actions updated so far" in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_saved_update_shows_on_the_plan_page_at_once(client, plan, pmo, action, lead):
    client.force_login(pmo)
    assert "0 of 1 open actions updated" in _page(client, plan)

    services.update_submit(
        action=action,
        period=services.period_current_row(plan=plan),
        author=lead,
        status="A",
        narrative="Slipped a week.",
    )
    page = _page(client, plan)

    assert "1 of 1 open actions updated" in page
    assert ">Updated</td>" in page
    assert "Amber" in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_replaced_update_with_the_same_status_moves_the_fingerprint(plan, action, lead):
    """A second save of the period changes only the update's revision: that is enough."""
    period = services.period_current_row(plan=plan)
    first = services.update_submit(
        action=action, period=period, author=lead, status="G", narrative="On plan."
    )
    before = plan_page_fingerprint(plan=plan, period=period)

    services.update_submit(
        action=action,
        period=period,
        author=lead,
        status="G",
        narrative="On plan; audit booked.",
        base_revision=first.revision,
    )
    after = plan_page_fingerprint(plan=plan, period=period)

    assert after != before


@time_machine.travel(MONDAY_9AM, tick=False)
def test_an_edited_action_shows_on_the_plan_page_at_once(client, plan, pmo, action):
    client.force_login(pmo)
    assert "Governance" in _page(client, plan)

    services.action_edit(action=action, by=pmo, base_version=action.version, theme="Staffing")
    page = _page(client, plan)

    assert "Staffing" in page
    assert "Governance" not in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_an_early_lock_shows_on_the_plan_page_at_once(client, plan, pmo, action):
    client.force_login(pmo)
    assert "Last locked" not in _page(client, plan)

    services.plan_lock_now(plan=plan, by=pmo, reason="Board paper due early")
    page = _page(client, plan)

    assert "Last locked: Week ending Wed 25 Nov 2026" in page
    assert "(early: Board paper due early)" in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_moved_action_leaves_the_old_plans_page_at_once(client, plan, pmo, action):
    client.force_login(pmo)
    assert "T3" in _page(client, plan)

    other = ActionFactory(ref="X1").plan
    type(action).objects.filter(pk=action.pk).update(plan=other)  # a bulk move: no save()

    assert ">T3<" not in _page(client, plan)


@time_machine.travel(MONDAY_9AM, tick=False)
def test_each_filter_is_cached_apart(client, plan, pmo, lead):
    client.force_login(pmo)
    ActionFactory(plan=plan, ref="G1", status="G", action_lead=lead)
    ActionFactory(plan=plan, ref="A1", status="A", action_lead=lead)

    green = _page(client, plan, "?status=G")
    amber = _page(client, plan, "?status=A")

    assert ">G1<" in green and ">A1<" not in green
    assert ">A1<" in amber and ">G1<" not in amber


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_lock_form_carries_each_visitors_own_csrf_token(client, plan, pmo, action):
    """The cached part holds no form token: each PMO's lock form works with their session."""
    second_pmo = UserFactory(username="pmo2", roles=["PMO"])
    client.force_login(pmo)
    first = _page(client, plan)
    client.logout()
    client.force_login(second_pmo)
    second = _page(client, plan)

    def token(page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    assert token(first) != token(second)
    assert client.cookies["csrftoken"].value


@time_machine.travel(MONDAY_9AM, tick=False)
def test_a_reader_sees_the_cached_table_without_the_lock_form(client, plan, pmo, board, action):
    client.force_login(pmo)
    _page(client, plan)
    client.logout()
    client.force_login(board)

    page = _page(client, plan)

    assert ">T3<" in page
    assert "Lock plan now" not in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_an_action_lead_is_refused_the_cached_plan_page(client, plan, pmo, lead, action):
    client.force_login(pmo)
    _page(client, plan)
    client.logout()
    client.force_login(lead)

    response = client.get(reverse("plan", args=[plan.pk]))

    assert response.status_code == 403
    assert b">T3<" not in response.content
