"""Tell leads what happened: the week the PMO locked early, on My actions until the next
period opens; errors that say what to do (a blank update, "Lock plan now" with no reason)."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from actions import services
from actions.models import ReportingPeriod
from tests.factories import UserFactory

LONDON = ZoneInfo("Europe/London")
TUESDAY_3PM = dt.datetime(2026, 11, 24, 15, 30, tzinfo=LONDON)  # before Wed 25 Nov 12:00
THURSDAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=LONDON)
NEXT_THURSDAY = dt.datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)  # after Wed 2 Dec 12:00


def _my_actions(client, user, at) -> str:
    """My actions as ``user`` sees it at ``at`` (signed in then: sessions expire)."""
    with time_machine.travel(at, tick=False):
        client.force_login(user)
        response = client.get(reverse("my_actions"))
    assert response.status_code == 200
    return response.content.decode()


def _lock_early(plan, pmo):
    with time_machine.travel(TUESDAY_3PM, tick=False):
        return services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")


def test_leads_see_that_last_week_closed_early_when_and_why(client, plan, action, lead, pmo):
    pmo.first_name, pmo.last_name = "Pat", "Jones"
    pmo.save()
    _lock_early(plan, pmo)
    page = _my_actions(client, lead, THURSDAY)

    assert "Week ending Wed 25 Nov 2026 closed early" in page
    assert (
        "Pat Jones (PMO) locked the plan on Tuesday 24 November at 15:30, before its "
        "deadline of Wednesday 12:00." in page
    )
    assert "Reason: Board papers due early" in page
    assert "Updates you save now count for week ending Wed 2 Dec 2026." in page


def test_the_early_lock_notice_shows_right_after_the_lock(client, plan, action, lead, pmo):
    _lock_early(plan, pmo)
    page = _my_actions(client, lead, TUESDAY_3PM + dt.timedelta(minutes=5))

    assert "Week ending Wed 25 Nov 2026 closed early" in page


def test_the_early_lock_notice_is_gone_once_the_next_period_opens(client, plan, action, lead, pmo):
    _lock_early(plan, pmo)
    page = _my_actions(client, lead, NEXT_THURSDAY)

    assert "closed early" not in page


def test_a_lock_at_the_deadline_brings_no_notice(client, plan, action, lead):
    with time_machine.travel(THURSDAY, tick=False):
        services.plan_lock_due(plan=plan)
    page = _my_actions(client, lead, THURSDAY)

    assert ReportingPeriod.objects.filter(locked_at__isnull=False).exists()
    assert "closed early" not in page


def test_leads_of_other_plans_see_no_notice(client, plan, action, pmo):
    from tests.factories import ActionFactory, PlanFactory

    elsewhere = UserFactory(username="lead9", roles=["Action lead"])
    ActionFactory(plan=PlanFactory(), ref="Z1", action_lead=elsewhere)
    _lock_early(plan, pmo)
    page = _my_actions(client, elsewhere, THURSDAY)

    assert "closed early" not in page


def test_lock_now_without_a_reason_is_a_form_error_with_the_summary(client, plan, pmo):
    client.force_login(pmo)

    with time_machine.travel(TUESDAY_3PM, tick=False):
        response = client.post(reverse("plan_lock_now", args=[plan.pk]), {"reason": "  "})

    page = response.content.decode()
    assert response.status_code == 422
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert f'<a href="#id_reason">{services.LOCK_REASON_MESSAGE}</a>' in page
    assert "nhsuk-form-group--error" in page
    assert not ReportingPeriod.objects.filter(locked_at__isnull=False).exists()


def test_lock_now_is_still_refused_to_a_lead(client, plan, lead):
    client.force_login(lead)

    response = client.post(reverse("plan_lock_now", args=[plan.pk]), {"reason": ""})

    assert response.status_code == 403


def test_a_blank_update_says_what_to_do(client, plan, action, lead):
    client.force_login(lead)
    with time_machine.travel(TUESDAY_3PM, tick=False):
        period = services.period_current_row(plan=plan)
        p = f"a{action.pk}"
        response = client.post(
            reverse("action_update", args=[action.pk]),
            {
                f"{p}-status": "G",
                f"{p}-narrative": " ",
                f"{p}-period": period.pk,
                f"{p}-base_revision": 0,
            },
        )

    assert "Enter an update, or choose On plan." in response.content.decode()


# 11 as below, plus the header's menu (one query), the lead's KPIs (one query) and the root
# causes they own (programme's "Your root causes" panel, one query).
MY_ACTIONS_QUERIES = 14


def test_my_actions_takes_a_fixed_number_of_queries(
    client, plan, lead, pmo, django_assert_num_queries
):
    """Pinned at 11, whatever the number of actions, early locks or decisions: the user,
    their late windows, their open actions, the actions' exec roles, recent updates and
    closure requests (one prefetch each), the current period, this period's updates, the
    early lock before it (``selectors.early_lock_notices``, one query for every plan), the
    recent decisions on their closures (evidence's panel, one query) and their roles for
    the header. The last two but one were added to tell leads what happened; the session
    is cached."""
    from tests.factories import ActionFactory

    for n in range(3):
        ActionFactory(plan=plan, ref=f"S{n}", action_lead=lead)
    _lock_early(plan, pmo)
    with time_machine.travel(THURSDAY, tick=False):
        client.force_login(lead)
        # The open period's row, as after a first save (showing the page creates nothing).
        services.period_current_row(plan=plan)
        with django_assert_num_queries(MY_ACTIONS_QUERIES):
            page = client.get(reverse("my_actions")).content.decode()
        for n in range(10):
            ActionFactory(plan=plan, ref=f"L{n}", action_lead=lead)
        with django_assert_num_queries(MY_ACTIONS_QUERIES):
            client.get(reverse("my_actions"))

    assert "closed early" in page
