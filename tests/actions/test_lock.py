"""The lock: a period ends at its deadline and nothing more is saved to it, by any path.

Time is frozen with time_machine; the services read the clock themselves unless a test
says otherwise, so these tests also prove that the real clock is what decides.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse

from actions import schedule, services
from actions.models import (
    HistoryEntry,
    LateWindow,
    PeriodSnapshot,
    Plan,
    PlanEvent,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from actions.tasks import lock_due_periods
from tests.factories import RECOVERY, ActionFactory, PlanFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
WEDNESDAY_REFUSAL = "This period locked at Wednesday 12:00; your update was not saved"

# (the Wednesday deadline, its hour in UTC)
WEEKS = [
    pytest.param(dt.date(2026, 1, 14), 12, id="gmt_week"),
    pytest.param(dt.date(2026, 6, 17), 11, id="bst_week"),
    pytest.param(dt.date(2026, 4, 1), 11, id="week_after_spring_clock_change"),
    pytest.param(dt.date(2026, 10, 28), 12, id="week_after_autumn_clock_change"),
]


def london(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=LONDON)


def travel(instant: dt.datetime):
    return time_machine.travel(instant, tick=False)


def period_ending(plan: Plan, day: dt.date) -> ReportingPeriod:
    """The period whose deadline falls on ``day``, as the lead's page showed it that Monday."""
    monday = day - dt.timedelta(days=day.weekday())
    period = services.period_current_row(plan=plan, now=london(monday, 9))
    assert period.local_deadline.date() == day
    return period


def submit(action, period, narrative="On plan", status=Status.GREEN, author=None, **kwargs):
    return services.update_submit(
        recovery=RECOVERY,
        action=action,
        period=period,
        author=author or action.action_lead,
        status=status,
        narrative=narrative,
        **kwargs,
    )


# The deadline, through the service -----------------------------------------------------


@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_deadline_instant_is_wednesday_1200_local(plan, day, utc_hour):
    period = period_ending(plan, day)
    assert period.deadline == dt.datetime.combine(day, dt.time(utc_hour), tzinfo=UTC)
    assert period.local_deadline == london(day, 12)


@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_save_at_1159_59_accepted(plan, action, day, utc_hour):
    period = period_ending(plan, day)
    with travel(london(day, 11, 59, 59)):
        update = submit(action, period, narrative="Audit of DoLS records finished")
    saved = WeeklyUpdate.objects.get(action=action, period=period)
    assert saved.pk == update.pk
    assert saved.narrative == "Audit of DoLS records finished"
    assert saved.submitted_at == london(day, 11, 59, 59)
    assert saved.late is False


@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_save_at_1200_00_refused(plan, action, day, utc_hour):
    period = period_ending(plan, day)
    action.status = Status.AMBER
    action.save()
    with travel(london(day, 12, 0, 0)), pytest.raises(services.PeriodLocked) as refused:
        submit(action, period, narrative="Too late", status=Status.GREEN)
    assert str(refused.value) == WEDNESDAY_REFUSAL
    assert not WeeklyUpdate.objects.filter(action=action).exists()
    assert not HistoryEntry.objects.filter(action=action).exists()
    action.refresh_from_db()
    assert action.status == Status.AMBER


@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_save_after_recorded_lock_refused_even_with_an_earlier_clock(plan, action, day, utc_hour):
    """Once the lock is recorded it wins, whatever time the request thought it was."""
    period = period_ending(plan, day)
    with travel(london(day, 12, 2)):
        services.periods_lock_due()
    with pytest.raises(services.PeriodLocked) as refused:
        submit(action, period, now=london(day, 11, 59, 59))
    assert str(refused.value) == WEDNESDAY_REFUSAL
    assert not WeeklyUpdate.objects.filter(action=action).exists()


@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_next_period_opens_at_the_deadline(plan, action, day, utc_hour):
    with travel(london(day, 12, 0, 0)):
        period = services.period_current_row(plan=plan)
        update = submit(action, period)
    assert period.local_deadline == london(day + dt.timedelta(days=7), 12)
    assert update.period_id == period.pk
    assert update.late is False


# The deadline, through the page --------------------------------------------------------

NARRATIVE = "Ward 7 audit re-run; 38 of 40 records complete"


def post_update(client, action, period, htmx: bool, narrative=NARRATIVE):
    prefix = f"a{action.pk}"
    data = {
        f"{prefix}-status": Status.AMBER,
        f"{prefix}-narrative": narrative,
        f"{prefix}-period": period.pk,
        f"{prefix}-base_revision": 0,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("action_update", args=[action.pk]), data, headers=headers)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_view_save_at_1159_59_accepted(client, plan, action, day, utc_hour, htmx):
    period = period_ending(plan, day)
    with travel(london(day, 11, 59, 59)):
        client.force_login(action.action_lead)
        response = post_update(client, action, period, htmx)
    if htmx:
        assert response.status_code == 200
        assert "Update saved" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("my_actions")
    update = WeeklyUpdate.objects.get(action=action, period=period)
    assert update.narrative == NARRATIVE
    assert update.status == Status.AMBER


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("day", "utc_hour"), WEEKS)
def test_view_save_at_1200_00_refused_and_keeps_typed_text(
    client, plan, action, day, utc_hour, htmx
):
    period = period_ending(plan, day)
    with travel(london(day, 12, 0, 0)):
        client.force_login(action.action_lead)
        response = post_update(client, action, period, htmx)
        next_period = services.period_current(plan=plan)
    # htmx swaps only 2xx responses, so the card carries the refusal with a 200.
    assert response.status_code == (200 if htmx else 409)
    page = response.content.decode()
    assert WEDNESDAY_REFUSAL in page
    assert NARRATIVE in page
    # The typed text is aimed at the period that is open now: one click saves it there.
    # Nobody has written to that period yet, so the form names it by its deadline.
    assert next_period.pk is None
    assert next_period.deadline > period.deadline
    assert f'name="a{action.pk}-deadline" value="{next_period.deadline.isoformat()}"' in page
    assert not WeeklyUpdate.objects.filter(action=action).exists()


def test_view_refuses_a_lead_who_does_not_lead_the_action(client, plan, action, other_lead):
    day = dt.date(2026, 1, 14)
    period = period_ending(plan, day)
    with travel(london(day, 11, 0)):
        client.force_login(other_lead)
        response = post_update(client, action, period, htmx=False)
    assert response.status_code == 403
    assert not WeeklyUpdate.objects.exists()


# Other beats ---------------------------------------------------------------------------


def test_friday_1700_plan_accepts_at_165959_and_refuses_at_1700(lead):
    plan = PlanFactory(deadline_weekday=Plan.Weekday.FRIDAY, deadline_time=dt.time(17, 0))
    action = ActionFactory(plan=plan, action_lead=lead)
    friday = dt.date(2026, 6, 19)
    period = period_ending(plan, friday)
    assert period.deadline == dt.datetime(2026, 6, 19, 16, 0, tzinfo=UTC)
    with travel(london(friday, 16, 59, 59)):
        submit(action, period, narrative="Before the deadline")
    with travel(london(friday, 17, 0, 0)), pytest.raises(services.PeriodLocked) as refused:
        submit(action, period, narrative="After the deadline")
    assert str(refused.value) == "This period locked at Friday 17:00; your update was not saved"
    assert WeeklyUpdate.objects.get(action=action).narrative == "Before the deadline"


def test_friday_plan_is_open_across_wednesday_noon(lead):
    plan = PlanFactory(deadline_weekday=Plan.Weekday.FRIDAY, deadline_time=dt.time(17, 0))
    action = ActionFactory(plan=plan, action_lead=lead)
    wednesday = dt.date(2026, 1, 14)
    with travel(london(wednesday, 11, 0)):
        period = services.period_current_row(plan=plan)
    with travel(london(wednesday, 12, 30)):
        update = submit(action, period)
        services.periods_lock_due()
    period.refresh_from_db()
    assert period.local_deadline == london(dt.date(2026, 1, 16), 17)
    assert update.late is False
    assert not period.is_locked


def test_fortnightly_plan_stays_open_through_the_off_week(lead):
    plan = PlanFactory(cadence=Plan.Cadence.FORTNIGHTLY, cycle_starts_on=dt.date(2026, 1, 5))
    action = ActionFactory(plan=plan, action_lead=lead)
    with travel(london(dt.date(2026, 1, 14), 12, 30)):
        period = services.period_current_row(plan=plan)
        submit(action, period)
    assert period.local_deadline == london(dt.date(2026, 1, 21), 12)
    with travel(london(dt.date(2026, 1, 21), 12, 0)), pytest.raises(services.PeriodLocked):
        submit(action, period, narrative="Sprint review late")
    assert WeeklyUpdate.objects.get(action=action).narrative == "On plan"


def test_monthly_plan_locks_on_last_wednesday(lead):
    plan = PlanFactory(cadence=Plan.Cadence.MONTHLY)
    action = ActionFactory(plan=plan, action_lead=lead)
    with travel(london(dt.date(2026, 1, 14), 12, 30)):
        period = services.period_current_row(plan=plan)
        submit(action, period)
    assert period.local_deadline == london(dt.date(2026, 1, 28), 12)
    with travel(london(dt.date(2026, 1, 28), 12, 0)):
        with pytest.raises(services.PeriodLocked) as refused:
            submit(action, period, narrative="After the last Wednesday")
        assert services.period_current_row(plan=plan).local_deadline == london(
            dt.date(2026, 2, 25), 12
        )
    assert str(refused.value) == WEDNESDAY_REFUSAL


# The sweep: Celery beat's catch-up -----------------------------------------------------


def test_sweep_at_1159_59_locks_nothing_and_at_1200_locks_the_week(plan, action):
    day = dt.date(2026, 1, 14)
    with travel(london(day - dt.timedelta(days=6), 9)):  # Thursday 8 January
        services.periods_lock_due()  # the 7 January period
    with travel(london(day, 11, 59, 59)):
        assert services.periods_lock_due() == []
    with travel(london(day, 12, 0, 0)):
        locked = services.periods_lock_due()
    assert [p.deadline for p in locked] == [london(day, 12)]


def test_catch_up_after_three_weeks_down_locks_each_period_at_its_deadline(plan, action):
    with travel(london(dt.date(2026, 1, 8), 9)):
        assert len(services.periods_lock_due()) == 1  # 7 January; then the worker stops
    with travel(london(dt.date(2026, 1, 29), 9)):
        locked = services.periods_lock_due()
    assert [p.local_deadline for p in locked] == [
        london(dt.date(2026, 1, 14), 12),
        london(dt.date(2026, 1, 21), 12),
        london(dt.date(2026, 1, 28), 12),
    ]
    for period in ReportingPeriod.objects.filter(pk__in=[p.pk for p in locked]):
        assert period.locked_at == period.deadline
        assert period.lock_kind == ReportingPeriod.LockKind.SCHEDULED
        assert period.lock_recorded_at == london(dt.date(2026, 1, 29), 9)


def test_catch_up_run_twice_locks_nothing_the_second_time(plan, action):
    with travel(london(dt.date(2026, 1, 29), 9)):
        first = services.periods_lock_due()
        second = services.periods_lock_due()
    assert len(first) == 4  # 7, 14, 21 and 28 January
    assert second == []
    assert ReportingPeriod.objects.filter(locked_at__isnull=False).count() == 4


def test_catch_up_snapshots_every_action_once_per_period(plan, action, lead):
    other = ActionFactory(plan=plan, action_lead=lead, status=Status.RED)
    with travel(london(dt.date(2026, 1, 8), 9)):
        services.periods_lock_due()
    with travel(london(dt.date(2026, 1, 20), 16)):
        submit(action, services.period_current_row(plan=plan), narrative="Training at 80%")
    with travel(london(dt.date(2026, 1, 29), 9)):
        services.periods_lock_due()
        services.periods_lock_due()
    periods = list(plan.periods.filter(locked_at__isnull=False))
    assert len(periods) == 4
    for period in periods:
        rows = PeriodSnapshot.objects.filter(period=period)
        assert sorted(rows.values_list("action_id", flat=True)) == sorted([action.pk, other.pk])
    week_21 = PeriodSnapshot.objects.get(
        period__deadline=london(dt.date(2026, 1, 21), 12), action=action
    )
    week_14 = PeriodSnapshot.objects.get(
        period__deadline=london(dt.date(2026, 1, 14), 12), action=action
    )
    assert (week_21.updated, week_21.narrative, week_21.update_status) == (
        True,
        "Training at 80%",
        Status.GREEN,
    )
    assert (week_14.updated, week_14.narrative) == (False, "")


def test_celery_task_catches_up_like_the_service(plan, action):
    with travel(london(dt.date(2026, 1, 8), 9)):
        assert lock_due_periods.delay().get() == 1
    with travel(london(dt.date(2026, 1, 29), 9)):
        assert lock_due_periods.delay().get() == 3
        assert lock_due_periods.delay().get() == 0
    locked = plan.periods.filter(locked_at__isnull=False)
    assert locked.count() == 4
    assert all(p.locked_at == p.deadline for p in locked)
    assert PeriodSnapshot.objects.filter(action=action).count() == 4


def test_sweep_locks_each_plan_on_its_own_beat(db):
    weekly = PlanFactory()
    friday = PlanFactory(deadline_weekday=Plan.Weekday.FRIDAY, deadline_time=dt.time(17, 0))
    fortnightly = PlanFactory(cadence=Plan.Cadence.FORTNIGHTLY)
    monthly = PlanFactory(cadence=Plan.Cadence.MONTHLY)
    with travel(london(dt.date(2026, 1, 31), 9)):
        locked = services.periods_lock_due()
    by_plan: dict[int, list[str]] = {}
    for period in locked:
        by_plan.setdefault(period.plan_id, []).append(f"{period.local_deadline:%d %a %H:%M}")
    assert by_plan == {
        weekly.pk: ["07 Wed 12:00", "14 Wed 12:00", "21 Wed 12:00", "28 Wed 12:00"],
        friday.pk: ["02 Fri 17:00", "09 Fri 17:00", "16 Fri 17:00", "23 Fri 17:00", "30 Fri 17:00"],
        fortnightly.pk: ["07 Wed 12:00", "21 Wed 12:00"],
        monthly.pk: ["28 Wed 12:00"],
    }


def test_sweep_exactly_at_the_first_deadline_locks_it(plan, action):
    with travel(london(dt.date(2026, 1, 7), 12, 0, 0)):
        locked = services.periods_lock_due()
    assert [p.local_deadline for p in locked] == [london(dt.date(2026, 1, 7), 12)]


def test_lock_without_its_snapshot_is_not_recorded(plan, action, monkeypatch):
    """Lock and snapshot are one transaction: if the snapshot fails, the next sweep retries."""

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(PeriodSnapshot.objects, "bulk_create", fail)
    with (
        travel(london(dt.date(2026, 1, 8), 9)),
        pytest.raises(services.LockSweepIncomplete) as raised,
    ):
        services.periods_lock_due()
    assert isinstance(raised.value.__cause__, DatabaseError)
    assert not ReportingPeriod.objects.filter(locked_at__isnull=False).exists()
    monkeypatch.undo()
    with travel(london(dt.date(2026, 1, 8), 9, 2)):
        locked = services.periods_lock_due()
    assert len(locked) == 1
    assert PeriodSnapshot.objects.filter(period=locked[0], action=action).count() == 1


def test_a_broken_plan_does_not_stop_the_other_plans_locking(plan, action):
    """One plan with a bad time zone is reported; every other plan still locks."""
    broken = PlanFactory(cycle_starts_on=dt.date(2026, 1, 1))
    type(broken).objects.filter(pk=broken.pk).update(time_zone="Mars/Olympus_Mons")
    with (
        travel(london(dt.date(2026, 1, 8), 9)),
        pytest.raises(services.LockSweepIncomplete) as raised,
    ):
        services.periods_lock_due()
    assert [p.pk for p in raised.value.failed] == [broken.pk]
    assert [p.plan_id for p in raised.value.locked] == [plan.pk]
    assert ReportingPeriod.objects.get(plan=plan).is_locked


def test_sweep_records_a_00_00_deadline_on_the_cycle_start_day(lead):
    """The period ending at midnight on the first day is locked, like any other."""
    plan = PlanFactory(deadline_time=dt.time(0, 0), cycle_starts_on=dt.date(2026, 1, 14))
    action = ActionFactory(plan=plan, action_lead=lead)
    with travel(london(dt.date(2026, 1, 13), 9)):
        first = services.period_current_row(plan=plan)
    with travel(london(dt.date(2026, 1, 14), 0, 5)):
        locked = services.periods_lock_due()
    assert [p.pk for p in locked] == [first.pk]
    assert PeriodSnapshot.objects.filter(period=first, action=action).count() == 1


# Locking early -------------------------------------------------------------------------

TUESDAY = dt.date(2026, 1, 13)
WEDNESDAY = dt.date(2026, 1, 14)


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "spaces"])
def test_lock_now_without_reason_refused(plan, pmo, reason):
    with travel(london(TUESDAY, 15)), pytest.raises(ValidationError) as refused:
        services.plan_lock_now(plan=plan, by=pmo, reason=reason)
    assert refused.value.message_dict == {"reason": [services.LOCK_REASON_MESSAGE]}
    assert not ReportingPeriod.objects.filter(locked_at__isnull=False).exists()
    assert not PlanEvent.objects.exists()


def test_lock_now_locks_the_open_period_at_now_and_records_why(plan, action, pmo):
    with travel(london(TUESDAY, 15)):
        period = services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")
    assert period.local_deadline == london(WEDNESDAY, 12)
    assert period.locked_at == london(TUESDAY, 15)
    assert period.lock_kind == ReportingPeriod.LockKind.EARLY
    assert period.locked_by == pmo
    assert period.lock_reason == "Board papers due early"
    event = PlanEvent.objects.get()
    assert (event.kind, event.period, event.actor, event.detail, event.at) == (
        PlanEvent.Kind.LOCKED_EARLY,
        period,
        pmo,
        "Board papers due early",
        london(TUESDAY, 15),
    )
    assert PeriodSnapshot.objects.filter(period=period, action=action).count() == 1


def test_lock_now_opens_the_following_period(plan, pmo):
    with travel(london(TUESDAY, 15)):
        locked = services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")
        current = services.period_current_row(plan=plan)
    assert current.pk != locked.pk
    assert current.local_deadline == london(WEDNESDAY + dt.timedelta(days=7), 12)
    assert current.deadline == schedule.next_deadline_after(plan, locked.deadline)


def test_after_lock_now_saves_to_locked_period_refused_and_to_next_accepted(plan, action, pmo):
    with travel(london(TUESDAY, 14)):
        locked = services.period_current_row(plan=plan)
        submit(action, locked, narrative="Before the early lock")
    with travel(london(TUESDAY, 15)):
        services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")
    with travel(london(TUESDAY, 15, 0, 1)):
        with pytest.raises(services.PeriodLocked) as refused:
            submit(action, locked, narrative="After the early lock")
        update = submit(action, services.period_current_row(plan=plan), narrative="Next week")
    assert str(refused.value) == "This period locked at Tuesday 15:00; your update was not saved"
    assert WeeklyUpdate.objects.get(period=locked).narrative == "Before the early lock"
    assert update.period.local_deadline == london(WEDNESDAY + dt.timedelta(days=7), 12)
    snapshot = PeriodSnapshot.objects.get(period=locked, action=action)
    assert (snapshot.updated, snapshot.narrative) == (True, "Before the early lock")


def test_sweep_leaves_an_early_lock_as_it_was(plan, action, pmo):
    with travel(london(TUESDAY, 15)):
        early = services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")
    with travel(london(WEDNESDAY, 12, 5)):
        locked = services.periods_lock_due()
    early.refresh_from_db()
    assert early.pk not in [p.pk for p in locked]
    assert early.locked_at == london(TUESDAY, 15)
    assert early.lock_kind == ReportingPeriod.LockKind.EARLY
    assert PeriodSnapshot.objects.filter(period=early, action=action).count() == 1


def _lock_record() -> tuple:
    """Everything a lock writes: the periods' lock fields, events, history and snapshots."""
    return (
        list(
            ReportingPeriod.objects.filter(locked_at__isnull=False)
            .order_by("pk")
            .values_list(
                "pk", "locked_at", "lock_kind", "locked_by", "lock_reason", "lock_recorded_at"
            )
        ),
        PlanEvent.objects.count(),
        HistoryEntry.objects.count(),
        PeriodSnapshot.objects.count(),
    )


def test_lock_now_twice_locks_one_period_and_records_one_event(plan, action, pmo, mailoutbox):
    """A double click on "Lock plan now" must not lock next week as well, nor lock again."""
    with travel(london(TUESDAY, 15)):
        first = services.plan_lock_now(plan=plan, by=pmo, reason="Board papers due early")
    before, sent = _lock_record(), len(mailoutbox)
    with travel(london(TUESDAY, 16, 30)):
        with pytest.raises(services.PeriodAlreadyLocked) as again:
            services.plan_lock_now(plan=plan, by=pmo, reason="Pressed again")
        current = services.period_current_row(plan=plan)
    assert again.value.period.pk == first.pk
    assert str(again.value) == (
        f"Week ending Wed 14 Jan 2026 was already locked on Tuesday 13 January 2026 at 15:00 "
        f"by {pmo.get_full_name()} (Board papers due early). Nothing was changed."
    )
    assert _lock_record() == before
    assert len(mailoutbox) == sent
    assert ReportingPeriod.objects.filter(lock_kind=ReportingPeriod.LockKind.EARLY).count() == 1
    assert not current.is_locked
    assert PlanEvent.objects.filter(kind=PlanEvent.Kind.LOCKED_EARLY).count() == 1


def test_lock_now_again_from_the_page_says_when_and_by_whom_it_was_locked(
    client, plan, action, pmo, mailoutbox
):
    other_pmo = UserFactory(username="pmo2", first_name="Gill", last_name="Murray", roles=["PMO"])
    url = reverse("plan_lock_now", args=[plan.pk])
    client.force_login(other_pmo)
    with travel(london(TUESDAY, 15)):
        client.post(url, {"reason": "Board papers due early"})
    client.force_login(pmo)
    before, sent = _lock_record(), len(mailoutbox)
    with travel(london(TUESDAY, 15, 0, 2)):
        page = client.post(url, {"reason": "Double click"}, follow=True).content.decode()
    assert "locked now" not in page
    assert (
        "Week ending Wed 14 Jan 2026 was already locked on Tuesday 13 January 2026 at 15:00 "
        "by Gill Murray (Board papers due early). Nothing was changed."
    ) in page
    assert _lock_record() == before
    assert len(mailoutbox) == sent


def test_lock_now_again_from_the_command_says_it_was_already_locked(plan, action, pmo):
    out = io.StringIO()
    with travel(london(TUESDAY, 15)):
        call_command("lock_period", "--now", "--reason", "Board papers due early", stdout=out)
    before = _lock_record()
    with travel(london(TUESDAY, 15, 5)):
        call_command("lock_period", "--now", "--reason", "Run twice", stdout=out)
    assert "was already locked on Tuesday 13 January 2026 at 15:00 by the lock_period command" in (
        out.getvalue()
    )
    assert _lock_record() == before


# Late windows --------------------------------------------------------------------------

THURSDAY = dt.date(2026, 1, 15)


@pytest.fixture
def locked_week(plan):
    """The period that ended on Wednesday 14 January 2026, locked by the sweep."""
    period = period_ending(plan, WEDNESDAY)
    with travel(london(WEDNESDAY, 12, 2)):
        services.periods_lock_due()
    period.refresh_from_db()
    assert period.is_locked
    return period


def grant(period, lead, pmo, until=None, reason="Lead on annual leave"):
    with travel(london(THURSDAY, 9)):
        return services.late_window_grant(
            period=period,
            lead=lead,
            expires_at=until or london(THURSDAY, 17),
            reason=reason,
            by=pmo,
        )


def test_late_window_grant_is_on_the_plan_record(plan, locked_week, lead, pmo):
    window = grant(locked_week, lead, pmo)
    assert LateWindow.objects.get() == window
    event = PlanEvent.objects.get()
    assert (event.kind, event.period, event.actor) == (PlanEvent.Kind.LATE_WINDOW, locked_week, pmo)
    assert "Lead on annual leave" in event.detail
    assert "Thu 15 Jan 2026 17:00" in event.detail


@pytest.mark.parametrize(
    ("reason", "until", "field"),
    [
        ("  ", london(THURSDAY, 17), "reason"),
        ("Lead on annual leave", london(THURSDAY, 9), "expires_at"),
    ],
    ids=["no_reason", "expiry_not_in_future"],
)
def test_late_window_grant_refused_without_reason_or_future_expiry(
    plan, locked_week, lead, pmo, reason, until, field
):
    with pytest.raises(ValidationError) as refused:
        grant(locked_week, lead, pmo, until=until, reason=reason)
    assert list(refused.value.message_dict) == [field]
    assert not LateWindow.objects.exists()
    assert not PlanEvent.objects.exists()


def test_late_window_grant_refused_on_an_open_period(plan, lead, pmo):
    with travel(london(THURSDAY, 9)):
        open_period = services.period_current_row(plan=plan)
    with pytest.raises(ValidationError) as refused:
        grant(open_period, lead, pmo)
    assert list(refused.value.message_dict) == ["period"]
    assert not LateWindow.objects.exists()


def test_showing_the_late_window_page_locks_nothing(client, plan, pmo):
    """A GET writes nothing: the period due but not yet locked by the beat is offered as
    closed, and it is locked when the PMO grants a window on it."""
    due = period_ending(plan, WEDNESDAY)
    client.force_login(pmo)
    with travel(london(THURSDAY, 9)):
        response = client.get(reverse("late_window", args=[plan.pk]))
    assert response.status_code == 200
    assert [p.pk for p in response.context["form"].fields["period"].queryset] == [due.pk]
    due.refresh_from_db()
    assert not due.is_locked
    assert not PlanEvent.objects.exists()


def test_late_window_lets_the_named_lead_save_to_the_locked_period(
    plan, action, locked_week, lead, pmo
):
    grant(locked_week, lead, pmo)
    with travel(london(THURSDAY, 16, 59, 59)):
        update = submit(action, locked_week, narrative="Back from leave: on plan", author=lead)
    assert update.period_id == locked_week.pk
    assert update.late is True
    assert WeeklyUpdate.objects.get(action=action, period=locked_week).late is True
    entry = HistoryEntry.objects.get(action=action)
    assert "(late window)" in entry.note


def test_late_window_does_not_open_the_period_for_another_lead(
    plan, locked_week, lead, other_lead, pmo
):
    others_action = ActionFactory(plan=plan, action_lead=other_lead)
    grant(locked_week, lead, pmo)
    with travel(london(THURSDAY, 10)), pytest.raises(services.PeriodLocked) as refused:
        submit(others_action, locked_week, author=other_lead)
    assert str(refused.value) == WEDNESDAY_REFUSAL
    assert not WeeklyUpdate.objects.filter(action=others_action).exists()


def test_late_window_refused_once_it_expires(plan, action, locked_week, lead, pmo):
    grant(locked_week, lead, pmo)
    with travel(london(THURSDAY, 17, 0, 0)), pytest.raises(services.PeriodLocked) as refused:
        submit(action, locked_week, author=lead)
    assert str(refused.value) == WEDNESDAY_REFUSAL
    assert not WeeklyUpdate.objects.filter(action=action).exists()


def test_late_window_covers_only_its_own_period(plan, action, locked_week, lead, pmo):
    earlier = ReportingPeriod.objects.get(plan=plan, deadline=london(dt.date(2026, 1, 7), 12))
    assert earlier.is_locked
    grant(locked_week, lead, pmo)
    with travel(london(THURSDAY, 10)), pytest.raises(services.PeriodLocked):
        submit(action, earlier, author=lead)
    assert not WeeklyUpdate.objects.filter(period=earlier).exists()


def test_late_save_leaves_the_frozen_snapshot_as_it_was(plan, action, locked_week, lead, pmo):
    grant(locked_week, lead, pmo)
    with travel(london(THURSDAY, 10)):
        submit(action, locked_week, narrative="Late but done", author=lead)
    snapshot = PeriodSnapshot.objects.get(period=locked_week, action=action)
    assert (snapshot.updated, snapshot.narrative) == (False, "")
