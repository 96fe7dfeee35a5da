"""Saving the weekly update: one per action per period, replaced until the lock, never blank."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions import services
from actions.models import HistoryEntry, Status, WeeklyUpdate
from tests.factories import RECOVERY, ActionFactory, PlanFactory

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.datetime(2026, 1, 12, 9, 0, tzinfo=LONDON)
TUESDAY = dt.datetime(2026, 1, 13, 16, 0, tzinfo=LONDON)
BLANK = "Enter an update, or choose On plan. A blank update counts as not reviewed."


@pytest.fixture(autouse=True)
def in_the_week_of_14_january():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def period(plan):
    return services.period_current_row(plan=plan)


def submit(action, period, narrative="On plan", status=Status.GREEN, **kwargs):
    return services.update_submit(
        recovery=RECOVERY,
        action=action,
        period=period,
        author=action.action_lead,
        status=status,
        narrative=narrative,
        **kwargs,
    )


def test_first_save_creates_revision_1_and_records_history(action, period):
    action.status = Status.AMBER
    action.save()
    update = submit(action, period, narrative="Training at 60%", status=Status.GREEN)
    assert (update.revision, update.narrative, update.status) == (1, "Training at 60%", "G")
    assert update.author == action.action_lead
    entry = HistoryEntry.objects.get(action=action)
    assert entry.kind == HistoryEntry.Kind.UPDATE_SAVED
    assert entry.changes == {
        "update_status": [None, "G"],
        "narrative": ["", "Training at 60%"],
        "status": ["A", "G"],
    }
    assert entry.note == "Week ending Wed 14 Jan 2026"
    action.refresh_from_db()
    assert action.status == Status.GREEN


def test_second_save_in_period_replaces_the_first(action, period):
    submit(action, period, narrative="Training at 60%", status=Status.AMBER, base_revision=0)
    with time_machine.travel(TUESDAY, tick=False):
        update = submit(
            action, period, narrative="Training at 85%", status=Status.GREEN, base_revision=1
        )
    assert WeeklyUpdate.objects.filter(action=action, period=period).count() == 1
    saved = WeeklyUpdate.objects.get(action=action, period=period)
    assert saved.pk == update.pk
    assert (saved.revision, saved.narrative, saved.status) == (2, "Training at 85%", "G")
    assert saved.submitted_at == TUESDAY
    replaced = HistoryEntry.objects.get(action=action, kind=HistoryEntry.Kind.UPDATE_REPLACED)
    assert replaced.changes == {
        "update_status": ["A", "G"],
        "narrative": ["Training at 60%", "Training at 85%"],
        "status": ["A", "G"],
    }
    assert HistoryEntry.objects.filter(action=action).count() == 2


def test_replacing_only_the_narrative_records_only_the_narrative(action, period):
    submit(action, period, narrative="On plan")
    submit(action, period, narrative="On plan; audit booked for March")
    replaced = HistoryEntry.objects.get(kind=HistoryEntry.Kind.UPDATE_REPLACED)
    assert replaced.changes == {"narrative": ["On plan", "On plan; audit booked for March"]}


def test_stale_base_revision_raises_edit_conflict_and_keeps_the_saved_update(action, period):
    """Two windows opened on revision 0: the second to save must not overwrite the first."""
    submit(action, period, narrative="From the laptop", base_revision=0)
    with pytest.raises(services.EditConflict) as conflict:
        submit(action, period, narrative="From the phone", status=Status.RED, base_revision=0)
    assert conflict.value.current.narrative == "From the laptop"
    saved = WeeklyUpdate.objects.get(action=action, period=period)
    assert (saved.revision, saved.narrative, saved.status) == (1, "From the laptop", "G")
    assert HistoryEntry.objects.filter(action=action).count() == 1


def test_base_revision_for_a_new_update_must_be_0(action, period):
    with pytest.raises(services.EditConflict):
        submit(action, period, base_revision=1)
    assert not WeeklyUpdate.objects.exists()


def test_identical_double_submit_creates_nothing_new(action, period):
    first = submit(action, period, narrative="On plan", base_revision=0)
    action.refresh_from_db()
    version = action.version
    again = submit(action, period, narrative="On plan", base_revision=0)
    assert again.pk == first.pk
    saved = WeeklyUpdate.objects.get(action=action, period=period)
    assert saved.revision == 1
    assert HistoryEntry.objects.filter(action=action).count() == 1
    action.refresh_from_db()
    assert action.version == version


def test_double_submit_with_padding_counts_as_identical(action, period):
    submit(action, period, narrative="On plan", base_revision=0)
    submit(action, period, narrative="  On plan \n", base_revision=0)
    assert WeeklyUpdate.objects.get(action=action, period=period).revision == 1


@pytest.mark.parametrize(
    "narrative", ["", "   ", "\n\t", None], ids=["empty", "spaces", "ws", "none"]
)
def test_blank_narrative_refused(action, period, narrative):
    with pytest.raises(ValidationError) as refused:
        submit(action, period, narrative=narrative)
    assert refused.value.message_dict == {"narrative": [BLANK]}
    assert not WeeklyUpdate.objects.exists()
    assert not HistoryEntry.objects.exists()


# Characters that show nothing: an update made only of them is blank.
INVISIBLE = {
    "zero_width_space": "\u200b",
    "zero_width_non_joiner": "\u200c",
    "zero_width_joiner": "\u200d",
    "word_joiner": "\u2060",
    "no_break_space": "\u00a0",
    "narrow_no_break_space": "\u202f",
    "byte_order_mark": "\ufeff",
    "soft_hyphen": "\u00ad",
    "ideographic_space": "\u3000",
    "em_space": "\u2003",
    "line_separator": "\u2028",
    "paragraph_separator": "\u2029",
    "mongolian_vowel_separator": "\u180e",
    "hangul_filler": "\u3164",
    "halfwidth_hangul_filler": "\uffa0",
    "braille_blank": "\u2800",
    "right_to_left_override": "\u202e",
    "left_to_right_mark": "\u200e",
    "invisible_separator": "\u2063",
    "combining_grapheme_joiner": "\u034f",
    "variation_selector": "\ufe0f",
    "tag_space": "\U000e0020",
    "control_character": "\x01",
    "delete": "\x7f",
    "c1_control": "\x85",
}


@pytest.mark.parametrize("character", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_an_update_of_invisible_characters_is_blank(action, period, character):
    with pytest.raises(ValidationError) as refused:
        submit(action, period, narrative=f" {character * 3}\n{character} ")
    assert refused.value.message_dict == {"narrative": [BLANK]}
    assert not WeeklyUpdate.objects.exists()
    assert not HistoryEntry.objects.exists()


def test_an_update_mixing_every_invisible_character_is_blank(action, period):
    with pytest.raises(ValidationError):
        submit(action, period, narrative="".join(INVISIBLE.values()))
    assert not WeeklyUpdate.objects.exists()


def test_invisible_padding_is_taken_off_and_is_not_a_change(action, period):
    first = submit(action, period, narrative="\ufeff\u200bOn plan\u2060\u00a0", base_revision=0)
    assert first.narrative == "On plan"
    submit(action, period, narrative="\u200dOn plan\u200b", base_revision=1)
    assert WeeklyUpdate.objects.get(action=action).revision == 1


def test_control_and_direction_characters_are_taken_out_of_an_update(action, period):
    update = submit(action, period, narrative="Audit\x01 done\u202e by ward\x7f 3.\nOn plan")
    assert update.narrative == "Audit done by ward 3.\nOn plan"


def test_blank_narrative_does_not_replace_a_saved_update(action, period):
    submit(action, period, narrative="On plan")
    with pytest.raises(ValidationError):
        submit(action, period, narrative="  ", base_revision=1)
    assert WeeklyUpdate.objects.get(action=action).narrative == "On plan"


def test_on_plan_is_an_acceptable_narrative(action, period):
    assert submit(action, period, narrative="On plan").narrative == "On plan"


def test_blue_status_refused_on_an_update(action, period):
    with pytest.raises(ValidationError) as refused:
        submit(action, period, status=Status.BLUE)
    assert list(refused.value.message_dict) == ["status"]
    assert not WeeklyUpdate.objects.exists()


def test_completed_action_takes_no_update(action, period):
    action.status = Status.BLUE
    action.save()
    with pytest.raises(ValidationError):
        submit(action, period)
    assert not WeeklyUpdate.objects.exists()


def test_period_of_another_plan_refused(action, lead):
    other_period = services.period_current_row(plan=PlanFactory())
    with pytest.raises(ValidationError):
        submit(action, other_period)
    assert not WeeklyUpdate.objects.exists()


def test_a_future_period_takes_no_update_yet(plan, action, period):
    next_period = services.period_for_deadline(
        plan=plan, deadline=period.deadline + dt.timedelta(days=7)
    )
    with pytest.raises(ValidationError, match="has not opened yet"):
        submit(action, next_period)
    assert not WeeklyUpdate.objects.exists()


def test_after_an_early_lock_the_next_period_takes_updates_and_the_one_after_not_yet(
    plan, action, period, pmo
):
    services.plan_lock_now(plan=plan, by=pmo, reason="Board paper due")
    week = dt.timedelta(days=7)
    next_period = services.period_for_deadline(plan=plan, deadline=period.deadline + week)
    after_next = services.period_for_deadline(plan=plan, deadline=period.deadline + 2 * week)
    off_schedule = services.period_for_deadline(
        plan=plan, deadline=period.deadline + dt.timedelta(days=8)
    )

    submit(action, next_period, narrative="Into the next period")
    for refused in (after_next, off_schedule):
        with pytest.raises(ValidationError, match="has not opened yet"):
            submit(action, refused)
    with pytest.raises(services.PeriodLocked):
        submit(action, period)
    assert list(WeeklyUpdate.objects.values_list("period", "narrative")) == [
        (next_period.pk, "Into the next period")
    ]


def test_updates_in_different_periods_are_kept_side_by_side(plan, action, period):
    submit(action, period, narrative="Week 1")
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        submit(action, services.period_current_row(plan=plan), narrative="Week 2")
    assert list(action.updates.newest_first().values_list("narrative", flat=True)) == [
        "Week 2",
        "Week 1",
    ]


def test_one_lead_saving_does_not_touch_another_action(plan, action, period, other_lead):
    other = ActionFactory(plan=plan, action_lead=other_lead)
    submit(action, period)
    assert not WeeklyUpdate.objects.filter(action=other).exists()


# Through the page ----------------------------------------------------------------------


def post(client, action, period, narrative, base_revision=0, htmx=True):
    prefix = f"a{action.pk}"
    return client.post(
        reverse("action_update", args=[action.pk]),
        {
            f"{prefix}-status": Status.GREEN,
            f"{prefix}-narrative": narrative,
            f"{prefix}-period": period.pk,
            f"{prefix}-base_revision": base_revision,
        },
        headers={"HX-Request": "true"} if htmx else {},
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("character", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_view_refuses_an_update_of_invisible_characters(client, action, period, htmx, character):
    client.force_login(action.action_lead)
    response = post(client, action, period, f"{character}{character}", htmx=htmx)
    assert response.status_code == (200 if htmx else 422)
    assert BLANK in response.content.decode()
    assert not WeeklyUpdate.objects.exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_view_refuses_a_blank_update_with_the_sop_words(client, action, period, htmx):
    client.force_login(action.action_lead)
    response = post(client, action, period, "   ", htmx=htmx)
    assert response.status_code == (200 if htmx else 422)
    assert BLANK in response.content.decode()
    assert not WeeklyUpdate.objects.exists()


def test_view_conflict_keeps_the_authors_text_and_saved_update(client, action, period):
    submit(action, period, narrative="From the laptop", base_revision=0)
    client.force_login(action.action_lead)
    response = post(client, action, period, "From the phone", base_revision=0, htmx=False)
    assert response.status_code == 409
    page = response.content.decode()
    assert "From the phone" in page
    assert "From the laptop" in page
    assert f'name="a{action.pk}-base_revision" value="1"' in page
    assert WeeklyUpdate.objects.get(action=action).narrative == "From the laptop"


def test_view_double_submit_saves_once(client, action, period):
    client.force_login(action.action_lead)
    post(client, action, period, "On plan", base_revision=0)
    second = post(client, action, period, "On plan", base_revision=0)
    assert second.status_code == 200
    assert "Update saved" in second.content.decode()
    assert WeeklyUpdate.objects.get(action=action).revision == 1


def test_view_refuses_another_lead(client, action, period, other_lead):
    client.force_login(other_lead)
    response = post(client, action, period, "Not my action")
    assert response.status_code == 403
    assert not WeeklyUpdate.objects.exists()
