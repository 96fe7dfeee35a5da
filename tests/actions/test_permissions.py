"""Each role sees and does only what DOMAIN.md gives it."""

import pytest
from django.urls import reverse

from actions.models import WeeklyUpdate
from tests.factories import ActionFactory, UserFactory


def _update_post(action, period_pk, text="On plan", status="G"):
    prefix = f"a{action.pk}"
    return {
        f"{prefix}-status": status,
        f"{prefix}-narrative": text,
        f"{prefix}-period": period_pk,
        f"{prefix}-base_revision": 0,
    }


@pytest.fixture
def open_period(plan):
    from actions.services import period_current_row

    return period_current_row(plan=plan)


def test_anonymous_users_go_to_sign_in(client, action, plan):
    for url in [
        reverse("my_actions"),
        reverse("action", args=[action.pk]),
        reverse("action_update", args=[action.pk]),
        reverse("plan", args=[plan.pk]),
        reverse("plans"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_lead_cannot_view_another_leads_update_form_nor_post_to_it(
    client, action, other_lead, open_period
):
    client.force_login(other_lead)

    assert client.get(reverse("action_update", args=[action.pk])).status_code == 403
    response = client.post(
        reverse("action_update", args=[action.pk]), _update_post(action, open_period.pk)
    )
    assert response.status_code == 403
    assert not WeeklyUpdate.objects.exists()
    assert client.get(reverse("action", args=[action.pk])).status_code == 403


def test_lead_can_view_and_update_own_action(client, action, lead, open_period):
    client.force_login(lead)

    assert client.get(reverse("action_update", args=[action.pk])).status_code == 200
    response = client.post(
        reverse("action_update", args=[action.pk]), _update_post(action, open_period.pk)
    )
    assert response.status_code == 302
    assert WeeklyUpdate.objects.get().narrative == "On plan"


def test_lead_cannot_read_the_whole_plan(client, lead, plan):
    client.force_login(lead)

    assert client.get(reverse("plan", args=[plan.pk])).status_code == 403
    assert client.get(reverse("plans")).status_code == 403


@pytest.mark.parametrize("role", ["Board member", "Executive lead", "Assurance reviewer"])
def test_readers_see_the_plan_but_cannot_update_or_lock(client, action, plan, open_period, role):
    reader = UserFactory(roles=[role])
    client.force_login(reader)

    assert client.get(reverse("plan", args=[plan.pk])).status_code == 200
    assert client.get(reverse("action", args=[action.pk])).status_code == 200
    assert client.get(reverse("action_update", args=[action.pk])).status_code == 403
    response = client.post(
        reverse("action_update", args=[action.pk]), _update_post(action, open_period.pk)
    )
    assert response.status_code == 403
    response = client.post(reverse("plan_lock_now", args=[plan.pk]), {"reason": "Board says so"})
    assert response.status_code == 403
    assert client.get(reverse("late_window", args=[plan.pk])).status_code == 403
    assert client.get(reverse("plan_import", args=[plan.pk])).status_code == 403
    assert not WeeklyUpdate.objects.exists()
    open_period.refresh_from_db()
    assert not open_period.is_locked


def test_board_member_sees_no_lock_button_on_the_plan(client, plan, board):
    client.force_login(board)

    page = client.get(reverse("plan", args=[plan.pk])).content.decode()

    assert "Lock plan now" not in page


def test_pmo_sees_lock_button_and_can_lock(client, plan, pmo, open_period):
    client.force_login(pmo)

    assert "Lock plan now" in client.get(reverse("plan", args=[plan.pk])).content.decode()
    client.post(reverse("plan_lock_now", args=[plan.pk]), {"reason": "Board papers due early"})
    open_period.refresh_from_db()
    assert open_period.is_locked
    assert open_period.lock_reason == "Board papers due early"


def test_pmo_cannot_lock_without_a_reason(client, plan, pmo, open_period):
    client.force_login(pmo)

    response = client.post(reverse("plan_lock_now", args=[plan.pk]), {"reason": ""}, follow=True)

    assert "Give a reason" in response.content.decode()
    open_period.refresh_from_db()
    assert not open_period.is_locked


def test_a_lead_only_sees_their_own_actions_on_my_actions(client, plan, lead, other_lead):
    ActionFactory(plan=plan, ref="T1", action_lead=lead)
    ActionFactory(plan=plan, ref="G9", action_lead=other_lead)
    client.force_login(lead)

    page = client.get(reverse("my_actions")).content.decode()

    assert 'id="card-' in page
    assert ">T1</a>" in page
    assert ">G9</a>" not in page


def test_a_late_window_page_for_someone_else_is_refused(client, lead, plan, action):
    client.force_login(lead)

    response = client.get(reverse("my_actions") + "?period=999999")

    assert response.status_code == 403


def test_the_plan_link_opens_the_plan_when_the_trust_has_one(client, plan, pmo):
    client.force_login(pmo)

    response = client.get(reverse("plans"))

    assert response.status_code == 302
    assert response["Location"] == reverse("plan", args=[plan.pk])
