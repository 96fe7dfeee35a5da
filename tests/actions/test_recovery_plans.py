"""An action that turns Red needs a recovery plan (what, by when, who) before the update saves."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions import services
from actions.models import HistoryEntry, RecoveryPlan, Status, WeeklyUpdate

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.datetime(2026, 1, 12, 9, 0, tzinfo=LONDON)
NEXT_MONDAY = dt.datetime(2026, 1, 19, 9, 0, tzinfo=LONDON)
PLAN = {
    "what": "Extra bank staff for mandatory training",
    "by_when": dt.date(2026, 2, 27),
    "who": "DoN with ward managers",
}


@pytest.fixture(autouse=True)
def in_the_week_of_14_january():
    with time_machine.travel(MONDAY, tick=False):
        yield


def submit(action, status=Status.RED, narrative="Training at 40%", **kwargs):
    period = services.period_current_row(plan=action.plan)
    return services.update_submit(
        action=action,
        period=period,
        author=action.action_lead,
        status=status,
        narrative=narrative,
        **kwargs,
    )


def test_turning_red_without_a_recovery_plan_is_refused_and_nothing_saved(action):
    action.status = Status.AMBER
    action.save()
    with pytest.raises(ValidationError) as refused:
        submit(action)
    assert refused.value.message_dict == {
        "recovery_what": [f"Say what will be done to recover {action.ref}"],
        "recovery_by_when": ["Give a date by when"],
        "recovery_who": ["Say who will do it"],
    }
    action.refresh_from_db()
    assert action.status == Status.AMBER
    assert not WeeklyUpdate.objects.exists()
    assert not RecoveryPlan.objects.exists()
    assert not HistoryEntry.objects.exists()


def test_each_missing_recovery_field_is_named(action):
    with pytest.raises(ValidationError) as refused:
        submit(action, recovery={"what": "Bank staff", "by_when": None, "who": " "})
    assert set(refused.value.message_dict) == {"recovery_by_when", "recovery_who"}


def test_turning_red_with_a_recovery_plan_saves_both(action):
    update = submit(action, recovery=PLAN)
    plan = RecoveryPlan.objects.get()
    assert (plan.action, plan.update, plan.period) == (action, update, update.period)
    assert (plan.what, plan.by_when, plan.who) == (PLAN["what"], PLAN["by_when"], PLAN["who"])
    assert plan.recorded_by == action.action_lead
    assert plan.recorded_at == MONDAY
    entry = HistoryEntry.objects.get(action=action)
    assert entry.changes["recovery_plan"][1].startswith(PLAN["what"])
    action.refresh_from_db()
    assert action.status == Status.RED


def test_staying_red_with_an_earlier_plan_does_not_ask_again(action):
    submit(action, recovery=PLAN)
    with time_machine.travel(NEXT_MONDAY, tick=False):
        update = submit(action, narrative="Still at 45%; bank staff start Monday")
    assert update.status == Status.RED
    assert RecoveryPlan.objects.count() == 1


def test_red_with_no_recovery_plan_yet_is_asked_for_one(action):
    action.status = Status.RED  # Red before recovery plans existed (an import, say)
    action.save()
    with pytest.raises(ValidationError) as refused:
        submit(action)
    assert "recovery_what" in refused.value.message_dict


def test_a_date_in_the_past_is_refused(action):
    with pytest.raises(ValidationError) as refused:
        submit(action, recovery={**PLAN, "by_when": dt.date(2026, 1, 11)})
    assert refused.value.message_dict == {
        "recovery_by_when": ["The date by when must be today or later"]
    }
    assert not WeeklyUpdate.objects.exists()


def test_not_red_needs_no_recovery_plan_and_records_none(action):
    submit(action, status=Status.AMBER, recovery=PLAN)
    assert not RecoveryPlan.objects.exists()


def _post(client, action, **fields):
    period = services.period_current_row(plan=action.plan)
    data = {
        f"a{action.pk}-status": "R",
        f"a{action.pk}-narrative": "Training at 40%",
        f"a{action.pk}-period": period.pk,
        f"a{action.pk}-base_revision": 0,
    }
    data.update({f"a{action.pk}-{k}": v for k, v in fields.items()})
    return client.post(reverse("action_update", args=[action.pk]), data, HTTP_HX_REQUEST="true")


def test_htmx_save_turning_red_without_the_fields_shows_errors_by_the_fields(client, action):
    client.force_login(action.action_lead)
    response = _post(client, action)
    page = response.content.decode()
    assert response.status_code == 200  # htmx swaps the card, which carries the errors
    assert "There is a problem" in page
    assert f"Say what will be done to recover {action.ref}" in page
    assert "nhsuk-error-message" in page
    assert "nhsuk-form-group--error" in page
    assert not WeeklyUpdate.objects.exists()


def test_htmx_save_turning_red_with_the_fields_saves(client, action):
    client.force_login(action.action_lead)
    response = _post(
        client,
        action,
        recovery_what=PLAN["what"],
        recovery_by_when="2026-02-27",
        recovery_who=PLAN["who"],
    )
    assert "Update saved" in response.content.decode()
    assert RecoveryPlan.objects.get().who == "DoN with ward managers"


def test_the_card_always_has_the_recovery_fieldset(client, action):
    client.force_login(action.action_lead)
    page = client.get(reverse("action_update", args=[action.pk])).content.decode()
    assert "If Red: recovery plan" in page
    assert f'name="a{action.pk}-recovery_by_when"' in page


def test_another_lead_cannot_save_a_recovery_plan(client, action, other_lead):
    client.force_login(other_lead)
    response = _post(
        client,
        action,
        recovery_what=PLAN["what"],
        recovery_by_when="2026-02-27",
        recovery_who=PLAN["who"],
    )
    assert response.status_code in (403, 404)
    assert not RecoveryPlan.objects.exists()


def test_the_action_page_shows_the_recovery_plan_history(client, action):
    submit(action, recovery=PLAN)
    client.force_login(action.action_lead)
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "Recovery plans" in page
    assert PLAN["what"] in page
    assert "27 Feb 2026" in page
    assert "DoN with ward managers" in page
