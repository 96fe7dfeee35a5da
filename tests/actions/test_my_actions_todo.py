"""My actions for a lead with many actions: what is still to do first, the rest folded away."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from actions import services
from actions.models import Status, WeeklyUpdate
from tests.factories import ActionFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
LAST_WEEK = dt.datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


@pytest.fixture
def many(plan, lead):
    """Six actions; A1, A3 and A5 already updated this week."""
    made = [ActionFactory(plan=plan, ref=f"A{n}", action_lead=lead) for n in range(1, 7)]
    period = services.period_current_row(plan=plan)
    for action in made[::2]:
        services.update_submit(
            action=action, period=period, author=lead, status="G", narrative="On plan"
        )
    return {a.ref: a for a in made}


def _page(client, query=""):
    response = client.get(reverse("my_actions") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_what_is_still_to_do_comes_first_with_a_link_to_each_card(client, lead, many):
    client.force_login(lead)

    page = _page(client)

    assert "3 not yet updated:" in page
    links = re.findall(r'<li><a href="#card-(\d+)">.*?(A\d)</a></li>', page)
    assert [ref for _pk, ref in links] == ["A2", "A4", "A6"]
    for pk, _ref in links:
        assert f'id="card-{pk}"' in page
    first_done = page.index('id="done-')
    assert all(page.index(f'id="card-{many[r].pk}"') < first_done for r in ("A2", "A4", "A6"))


def test_updated_actions_are_folded_away_showing_ref_status_and_updated(client, lead, many):
    client.force_login(lead)

    page = _page(client)

    assert "Already updated (3)" in page
    for ref in ("A1", "A3", "A5"):
        folded = page[page.index(f'id="done-{many[ref].pk}"') :]
        summary = folded[: folded.index("</summary>")]
        assert ref in summary and ">Green<" in summary and "Updated Mon 23 Nov 09:00" in summary
        inside = folded[: folded.index("</details>")]
        assert f'id="card-{many[ref].pk}"' in inside  # the whole card, inside the fold


def test_show_todo_lists_only_the_actions_not_yet_updated_without_javascript(client, lead, many):
    client.force_login(lead)

    page = _page(client, "?show=todo")

    assert 'id="done-' not in page
    for ref in ("A2", "A4", "A6"):
        assert f'id="card-{many[ref].pk}"' in page
    for ref in ("A1", "A3", "A5"):
        assert f'id="card-{many[ref].pk}"' not in page
    assert 'href="/my-actions/">Show all 6 actions</a>' in page
    toggle = 'href="/my-actions/?show=todo">Show only the actions not yet updated</a>'
    assert toggle in _page(client)


def test_htmx_save_refreshes_the_to_do_links(client, lead, many, plan):
    client.force_login(lead)
    period = services.period_current_row(plan=plan)
    action = many["A2"]

    response = client.post(
        reverse("action_update", args=[action.pk]),
        {
            f"a{action.pk}-status": "G",
            f"a{action.pk}-narrative": "Audit booked.",
            f"a{action.pk}-period": period.pk,
            f"a{action.pk}-base_revision": 0,
        },
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    progress = body[body.index(f'id="progress-{plan.pk}"') :]
    assert 'hx-swap-oob="true"' in progress[:80]
    assert "You have updated 4 of 6" in progress
    assert "2 not yet updated:" in progress
    assert re.findall(r">(A\d)</a></li>", progress) == ["A4", "A6"]


def test_same_as_last_week_carries_the_last_update_into_the_form(client, plan, lead):
    action = ActionFactory(plan=plan, ref="T3", action_lead=lead)
    fresh = ActionFactory(plan=plan, ref="T4", action_lead=lead)
    last_week = services.period_for_deadline(plan=plan, deadline=LAST_WEEK)
    WeeklyUpdate.objects.create(
        action=action,
        period=last_week,
        status=Status.AMBER,
        narrative='Two wards left to audit; "ward 7" by 4 Dec.',
        author=lead,
        submitted_at=LAST_WEEK - dt.timedelta(days=1),
    )
    client.force_login(lead)

    page = _page(client)

    card = page[page.index(f'id="card-{action.pk}"') : page.index(f'id="card-{fresh.pk}"')]
    button = card[card.index("data-same-as=") : card.index("Same as last week")]
    assert f'data-status-name="a{action.pk}-status"' in button
    assert 'data-status="A"' in button
    assert 'data-narrative="Two wards left to audit; &quot;ward 7&quot; by 4 Dec."' in button
    after = page[page.index(f'id="card-{fresh.pk}"') :]
    assert "Same as last week" not in after  # nothing to copy on an action never updated


def test_on_plan_is_not_offered_on_an_action_past_its_end_date(client, plan, lead):
    late = ActionFactory(plan=plan, ref="L1", action_lead=lead, end_date=dt.date(2026, 11, 1))
    ok = ActionFactory(plan=plan, ref="L2", action_lead=lead)
    last_week = services.period_for_deadline(plan=plan, deadline=LAST_WEEK)
    WeeklyUpdate.objects.create(
        action=late,
        period=last_week,
        status=Status.GREEN,
        narrative="On plan",
        author=lead,
        submitted_at=LAST_WEEK - dt.timedelta(days=1),
    )
    client.force_login(lead)

    page = _page(client)

    late_card = page[page.index(f'id="card-{late.pk}"') : page.index(f'id="card-{ok.pk}"')]
    assert "data-on-plan" not in late_card
    assert "Same as last week" not in late_card  # it would copy a bare "On plan"
    assert "This action is past its end date: say what is happening" in late_card
    assert "data-on-plan" in page[page.index(f'id="card-{ok.pk}"') :]


def test_on_plan_refused_through_the_page_with_the_message(client, plan, lead):
    action = ActionFactory(plan=plan, ref="L1", action_lead=lead, end_date=dt.date(2026, 11, 1))
    period = services.period_current_row(plan=plan)
    client.force_login(lead)

    response = client.post(
        reverse("action_update", args=[action.pk]),
        {
            f"a{action.pk}-status": "G",
            f"a{action.pk}-narrative": "On plan",
            f"a{action.pk}-period": period.pk,
            f"a{action.pk}-base_revision": 0,
        },
        HTTP_HX_REQUEST="true",
    )

    assert (
        "This action is past its end date: say what is happening and when it will finish"
        in response.content.decode()
    )
    assert not WeeklyUpdate.objects.exists()


def test_another_lead_cannot_see_these_cards(client, other_lead, many):
    client.force_login(other_lead)

    page = _page(client)

    assert all(f'id="card-{a.pk}"' not in page for a in many.values())
    assert "You lead no open actions" in page
