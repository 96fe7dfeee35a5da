"""Races against the lock, on the real PostgreSQL with real transactions on separate connections.

Each test makes the interleaving certain instead of hoping for it: one thread does its work
inside a transaction and holds it open; the other starts, and the test waits until PostgreSQL
itself reports that the second connection is blocked by the first (``pg_blocking_pids``);
only then does the first commit. Nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest

from actions import services
from actions.models import (
    PeriodSnapshot,
    PlanEvent,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from tests.factories import ActionFactory, PlanFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def week(db):
    """A plan whose first period ends Wednesday 14 January 2026, with two leads' actions."""
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 1, 8))
    lead = UserFactory(username="race-lead", roles=["Action lead"])
    action = ActionFactory(plan=plan, action_lead=lead, ref="T3")
    ActionFactory(plan=plan, ref="G11")
    period = services.period_current_row(plan=plan, now=london(2026, 1, 12, 9))
    assert period.deadline == london(2026, 1, 14, 12)
    return plan, action, period


def save(action, period, now, narrative="On plan", base_revision=None):
    return lambda: services.update_submit(
        action=action,
        period=period,
        author=action.action_lead,
        status=Status.GREEN,
        narrative=narrative,
        base_revision=base_revision,
        now=now,
    )


# Each lock path, with the save that races it: (lock, the save's clock, refusal).
LOCKS = [
    pytest.param(
        lambda plan, pmo: services.periods_lock_due(now=london(2026, 1, 14, 12, 0, 1)),
        london(2026, 1, 14, 11, 59, 59),
        "This period locked at Wednesday 12:00; your update was not saved",
        id="scheduled_lock",
    ),
    pytest.param(
        lambda plan, pmo: services.plan_lock_now(
            plan=plan, by=pmo, reason="Board papers due", now=london(2026, 1, 13, 15)
        ),
        london(2026, 1, 13, 14, 59, 59),
        "This period locked at Tuesday 15:00; your update was not saved",
        id="early_lock",
    ),
]


@pytest.mark.parametrize(("lock", "save_at", "refusal"), LOCKS)
def test_save_waiting_on_the_lock_is_refused_when_the_lock_commits(
    race, week, pmo, lock, save_at, refusal
):
    plan, action, period = week
    locker = race(Holder(lambda: lock(plan, pmo)))
    saver = race(Worker(save(action, period, now=save_at, narrative="Just in time?")))
    blocked_behind(saver, locker)
    locker.commit()
    saver.join(WAIT)

    assert locker.error is None
    assert isinstance(saver.error, services.PeriodLocked)
    assert str(saver.error) == refusal
    assert not WeeklyUpdate.objects.exists()
    snapshot = PeriodSnapshot.objects.get(period=period, action=action)
    assert (snapshot.updated, snapshot.narrative) == (False, "")


@pytest.mark.parametrize(("lock", "save_at", "refusal"), LOCKS)
def test_save_committed_before_the_lock_is_in_the_snapshot(race, week, pmo, lock, save_at, refusal):
    plan, action, period = week
    saver = race(Holder(save(action, period, now=save_at, narrative="Just in time")))
    locker = race(Worker(lambda: lock(plan, pmo)))
    blocked_behind(locker, saver)
    saver.commit()
    locker.join(WAIT)

    assert saver.error is None
    assert locker.error is None
    update = WeeklyUpdate.objects.get(action=action, period=period)
    assert (update.narrative, update.late) == ("Just in time", False)
    period.refresh_from_db()
    assert period.is_locked
    snapshot = PeriodSnapshot.objects.get(period=period, action=action)
    assert (snapshot.updated, snapshot.narrative, snapshot.update_status) == (
        True,
        "Just in time",
        Status.GREEN,
    )


@pytest.mark.parametrize("periods_exist", [False, True], ids=["new_periods", "known_periods"])
def test_two_sweeps_at_once_lock_each_period_exactly_once(race, db, periods_exist):
    plan = PlanFactory()  # deadlines 7, 14, 21 and 28 January 2026
    actions = [ActionFactory(plan=plan) for _ in range(3)]
    if periods_exist:  # leads opened their pages, so the rows are there already
        for day in (7, 14, 21, 28):
            services.period_for_deadline(plan=plan, deadline=london(2026, 1, day, 12))
    first = race(Holder(lambda: services.periods_lock_due(now=london(2026, 1, 29, 9))))
    second = race(Worker(lambda: services.periods_lock_due(now=london(2026, 1, 29, 9, 1))))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert first.error is None and second.error is None
    assert len(first.result) == 4
    assert second.result == []
    periods = ReportingPeriod.objects.filter(plan=plan)
    assert periods.count() == 4
    for period in periods:
        assert period.locked_at == period.deadline
        assert period.lock_recorded_at == london(2026, 1, 29, 9)
        assert PeriodSnapshot.objects.filter(period=period).count() == len(actions)


def test_many_sweeps_started_together_lock_each_period_exactly_once(race, db):
    """No forced order here: whichever way they interleave, each period locks once."""
    plan = PlanFactory()
    ActionFactory(plan=plan)
    gate = threading.Barrier(4)

    def sweep():
        gate.wait(WAIT)
        return services.periods_lock_due(now=london(2026, 1, 29, 9))

    workers = [race(Worker(sweep)) for _ in range(4)]
    for worker in workers:
        worker.join(WAIT)

    assert [w.error for w in workers] == [None] * 4
    locked = sorted(p.deadline for w in workers for p in w.result)
    assert locked == [london(2026, 1, day, 12) for day in (7, 14, 21, 28)]
    assert ReportingPeriod.objects.filter(plan=plan, locked_at__isnull=False).count() == 4
    assert PeriodSnapshot.objects.count() == 4


def test_two_pmos_locking_now_at_once_lock_one_period_with_one_event(race, week, pmo):
    plan, action, period = week
    other_pmo = UserFactory(username="pmo2", roles=["PMO"])
    now = london(2026, 1, 13, 15)
    first = race(Holder(lambda: services.plan_lock_now(plan=plan, by=pmo, reason="Board", now=now)))
    second = race(
        Worker(lambda: services.plan_lock_now(plan=plan, by=other_pmo, reason="CQC", now=now))
    )
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert first.error is None
    assert isinstance(second.error, services.PeriodAlreadyLocked)
    assert first.result.pk == second.error.period.pk == period.pk
    period.refresh_from_db()
    assert (period.locked_by, period.lock_reason) == (pmo, "Board")
    assert ReportingPeriod.objects.filter(plan=plan, locked_at__isnull=False).count() == 1
    event = PlanEvent.objects.get()
    assert (event.actor, event.detail) == (pmo, "Board")


def test_two_windows_saving_at_once_second_gets_edit_conflict(race, week):
    plan, action, period = week
    now = london(2026, 1, 13, 10)
    first = race(Holder(save(action, period, now, narrative="From the laptop", base_revision=0)))
    second = race(Worker(save(action, period, now, narrative="From the phone", base_revision=0)))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert first.error is None
    assert isinstance(second.error, services.EditConflict)
    update = WeeklyUpdate.objects.get(action=action, period=period)
    assert (update.narrative, update.revision) == ("From the laptop", 1)


def test_double_click_saving_at_once_saves_one_update(race, week):
    plan, action, period = week
    now = london(2026, 1, 13, 10)
    first = race(Holder(save(action, period, now, narrative="On plan", base_revision=0)))
    second = race(Worker(save(action, period, now, narrative="On plan", base_revision=0)))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert first.error is None and second.error is None
    assert second.result.pk == first.result.pk
    update = WeeklyUpdate.objects.get(action=action, period=period)
    assert update.revision == 1
