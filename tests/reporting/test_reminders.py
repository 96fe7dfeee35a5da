"""Reminders at the plan's times (Tuesday and Wednesday 09:00 UK time by default), and nudges.

Each lead with open actions not yet updated gets one email listing them, with links straight
to each update form; a lead who has finished gets none; nobody gets a reminder twice,
however often the task runs; a worker down over a slot sends it late once, never after the
deadline.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from actions.models import Status
from reporting import services, tasks
from reporting.models import Delivery, Reminder
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .conftest import london, submit, travel, week

SITE = "https://improvement.trust.example.nhs.uk"

WEEKS = {
    # deadline day: (cycle start, UTC hour of 09:00 local)
    "gmt_week": (dt.date(2026, 11, 25), dt.date(2026, 11, 19), 9),
    "bst_week": (dt.date(2026, 6, 17), dt.date(2026, 6, 11), 8),
}


@pytest.fixture(params=list(WEEKS), ids=list(WEEKS))
def setting(request, db):
    """A plan whose first week ends on the chosen Wednesday, with three leads."""
    deadline_day, cycle_start, utc_nine = WEEKS[request.param]
    plan = PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=cycle_start)
    slow = UserFactory(username="slow", first_name="Sarah", last_name="Slow")
    done = UserFactory(username="done", first_name="Dan", last_name="Done")
    closed = UserFactory(username="closed")
    actions = {
        "S1": ActionFactory(plan=plan, ref="S1", action_lead=slow),
        "S2": ActionFactory(plan=plan, ref="S2", action_lead=slow),
        "D1": ActionFactory(plan=plan, ref="D1", action_lead=done),
        "C1": ActionFactory(plan=plan, ref="C1", action_lead=closed, status=Status.BLUE),
        "U1": ActionFactory(plan=plan, ref="U1", action_lead=None),
    }
    period = week(plan, deadline_day)
    submit(actions["S1"], period)
    submit(actions["D1"], period)
    tuesday = deadline_day - dt.timedelta(days=1)
    return {
        "plan": plan,
        "period": period,
        "actions": actions,
        "slow": slow,
        "tuesday_0900": london(*tuesday.timetuple()[:3], 9),
        "wednesday_0900": london(*deadline_day.timetuple()[:3], 9),
        "deadline": london(*deadline_day.timetuple()[:3], 12),
        "utc_nine": utc_nine,
    }


def run_at(instant: dt.datetime) -> int:
    with travel(instant):
        return tasks.sweep()["reminders"]


def test_reminder_times_are_tuesday_and_wednesday_0900_uk_time(setting):
    tuesday = setting["tuesday_0900"]
    assert tuesday.astimezone(dt.UTC).hour == setting["utc_nine"]
    assert run_at(tuesday - dt.timedelta(seconds=1)) == 0
    assert run_at(tuesday) == 1
    assert run_at(setting["wednesday_0900"] - dt.timedelta(seconds=1)) == 0
    assert run_at(setting["wednesday_0900"]) == 1
    slots = list(Reminder.objects.order_by("slot_at").values_list("slot_at", flat=True))
    assert slots == [tuesday, setting["wednesday_0900"]]


@override_settings(SITE_URL=SITE)
def test_only_leads_with_updates_still_to_write_get_one_email_listing_them(setting):
    run_at(setting["tuesday_0900"])
    (message,) = mail.outbox
    assert message.to == [setting["slow"].email]
    s2 = setting["actions"]["S2"]
    assert message.subject.startswith("Reminder: update 1 action by Wednesday ")
    assert f"{SITE}/actions/{s2.pk}/update/" in message.body
    assert f'href="{SITE}/actions/{s2.pk}/update/"' in message.alternatives[0][0]
    assert f"/actions/{setting['actions']['S1'].pk}/update/" not in message.body
    reminder = Reminder.objects.get()
    assert (reminder.lead, reminder.status, reminder.action_refs) == (
        setting["slow"],
        Delivery.SENT,
        ["S2"],
    )


def test_running_the_task_again_sends_nobody_the_same_reminder_twice(setting):
    for minutes in (0, 2, 4, 60):
        run_at(setting["tuesday_0900"] + dt.timedelta(minutes=minutes))
    with travel(setting["tuesday_0900"] + dt.timedelta(minutes=90)):
        call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_a_worker_down_over_the_slot_sends_it_late_once(setting):
    assert run_at(setting["tuesday_0900"] + dt.timedelta(hours=6)) == 1
    assert run_at(setting["tuesday_0900"] + dt.timedelta(hours=6, minutes=2)) == 0
    assert len(mail.outbox) == 1


def test_a_worker_down_over_both_slots_sends_only_the_later_one(setting):
    assert run_at(setting["wednesday_0900"] + dt.timedelta(hours=1)) == 1
    assert run_at(setting["wednesday_0900"] + dt.timedelta(hours=1, minutes=2)) == 0
    assert list(Reminder.objects.values_list("slot_at", flat=True)) == [setting["wednesday_0900"]]


def test_no_reminder_is_sent_at_or_after_the_deadline(setting):
    assert run_at(setting["deadline"]) == 0
    assert run_at(setting["deadline"] + dt.timedelta(hours=3)) == 0
    assert not mail.outbox


def test_a_lead_who_finishes_after_the_first_reminder_gets_no_second(setting):
    run_at(setting["tuesday_0900"])
    submit(
        setting["actions"]["S2"],
        setting["period"],
        at=setting["tuesday_0900"] + dt.timedelta(hours=2),
    )
    assert run_at(setting["wednesday_0900"]) == 0
    assert len(mail.outbox) == 1


def test_a_failed_reminder_is_tried_again_before_the_deadline(setting, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send
    monkeypatch.setattr(
        EmailMultiAlternatives, "send", lambda self, *a, **k: (_ for _ in ()).throw(OSError("down"))
    )
    assert run_at(setting["tuesday_0900"]) == 0
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts) == (Delivery.FAILED, 1)
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert run_at(setting["tuesday_0900"] + dt.timedelta(minutes=2)) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Delivery.SENT, 2)
    assert len(mail.outbox) == 1


def test_the_pmo_sets_the_reminder_times(setting):
    plan = setting["plan"]
    services.report_settings_save(
        plan=plan,
        issue_weekday=3,
        issue_time=dt.time(12),
        oversight_group="IPAG",
        reminder_slots=[(0, dt.time(14, 0))],  # Monday 14:00 only
    )
    monday_1400 = setting["tuesday_0900"] - dt.timedelta(days=1) + dt.timedelta(hours=5)
    assert run_at(monday_1400 - dt.timedelta(minutes=1)) == 0
    assert run_at(monday_1400) == 1
    assert run_at(setting["tuesday_0900"]) == 0


def test_a_nudge_goes_to_the_missing_leads_now_and_is_recorded(setting, pmo):
    with travel(setting["tuesday_0900"] - dt.timedelta(hours=20)):
        run = services.nudge_send(plan=setting["plan"], by=pmo)
        again = services.nudge_send(plan=setting["plan"], by=pmo)
    assert run.sent == 1 and again.sent == 0
    assert again.skipped_recent == ["Sarah Slow"]
    (message,) = mail.outbox
    assert message.subject.startswith("The PMO asks you to update 1 action by")
    nudge = Reminder.objects.get(kind=Reminder.Kind.NUDGE)
    assert nudge.sent_by == pmo
    # The scheduled reminder still follows at its time.
    assert run_at(setting["tuesday_0900"]) == 1
