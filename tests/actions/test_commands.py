"""``manage.py lock_due_periods`` and ``manage.py lock_period --now --reason``: same services."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from actions import services
from actions.models import PeriodSnapshot, PlanEvent, ReportingPeriod, Status
from tests.factories import PlanFactory

LONDON = ZoneInfo("Europe/London")
TUESDAY_1500 = dt.datetime(2026, 1, 13, 15, 0, tzinfo=LONDON)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def travel(instant: dt.datetime):
    return time_machine.travel(instant, tick=False)


# lock_due_periods ----------------------------------------------------------------------


def test_lock_due_periods_locks_every_ended_period_at_its_deadline(plan, action):
    with travel(dt.datetime(2026, 1, 22, 9, 0, tzinfo=LONDON)):
        out = run("lock_due_periods")
    assert f"Locked {plan}: Week ending Wed 7 Jan 2026" in out
    assert f"Locked {plan}: Week ending Wed 21 Jan 2026" in out
    assert "3 period(s) locked." in out
    locked = plan.periods.filter(locked_at__isnull=False)
    assert locked.count() == 3
    assert all(p.locked_at == p.deadline for p in locked)
    assert PeriodSnapshot.objects.filter(action=action).count() == 3


def test_lock_due_periods_run_twice_locks_nothing_more(plan, action):
    with travel(dt.datetime(2026, 1, 22, 9, 0, tzinfo=LONDON)):
        run("lock_due_periods")
        out = run("lock_due_periods")
    assert "0 period(s) locked." in out
    assert "Locked" not in out.replace("0 period(s) locked.", "")
    assert plan.periods.filter(locked_at__isnull=False).count() == 3
    assert PeriodSnapshot.objects.filter(action=action).count() == 3


def test_lock_due_periods_before_any_deadline_locks_nothing(plan):
    with travel(dt.datetime(2026, 1, 7, 11, 59, 59, tzinfo=LONDON)):
        out = run("lock_due_periods")
    assert "0 period(s) locked." in out
    assert not ReportingPeriod.objects.filter(locked_at__isnull=False).exists()


# lock_period --now --reason ------------------------------------------------------------


def test_lock_period_now_locks_the_open_period_with_the_reason(plan, action):
    with travel(TUESDAY_1500):
        out = run("lock_period", "--now", "--reason", "Exception report needed for the CQC call")
        current = services.period_current_row(plan=plan)
    period = ReportingPeriod.objects.get(lock_kind=ReportingPeriod.LockKind.EARLY)
    assert "Locked Week ending Wed 14 Jan 2026" in out
    assert period.locked_at == TUESDAY_1500
    assert period.lock_reason == "Exception report needed for the CQC call"
    assert period.locked_by is None
    event = PlanEvent.objects.get(kind=PlanEvent.Kind.LOCKED_EARLY)
    assert (event.period, event.detail) == (period, "Exception report needed for the CQC call")
    assert PeriodSnapshot.objects.filter(period=period, action=action).count() == 1
    assert current.deadline == dt.datetime(2026, 1, 21, 12, 0, tzinfo=dt.UTC)


def test_lock_period_then_save_to_locked_period_refused(plan, action):
    with travel(TUESDAY_1500):
        locked = services.period_current_row(plan=plan)
        run("lock_period", "--now", "--reason", "Board papers due early")
        with pytest.raises(services.PeriodLocked) as refused:
            services.update_submit(
                action=action,
                period=locked,
                author=action.action_lead,
                status=Status.GREEN,
                narrative="On plan",
            )
    assert str(refused.value) == "This period locked at Tuesday 15:00; your update was not saved"


def test_lock_period_run_twice_locks_one_period(plan):
    with travel(TUESDAY_1500):
        run("lock_period", "--now", "--reason", "Board papers due early")
        run("lock_period", "--now", "--reason", "Board papers due early")
    assert ReportingPeriod.objects.filter(lock_kind=ReportingPeriod.LockKind.EARLY).count() == 1
    assert PlanEvent.objects.filter(kind=PlanEvent.Kind.LOCKED_EARLY).count() == 1


@pytest.mark.parametrize(
    "args",
    [("--now",), ("--reason", "Board papers due early")],
    ids=["no_reason", "no_now"],
)
def test_lock_period_refuses_without_now_and_reason(plan, args):
    with travel(TUESDAY_1500), pytest.raises(CommandError) as refused:
        run("lock_period", *args)
    assert "required" in str(refused.value)
    assert not ReportingPeriod.objects.filter(lock_kind=ReportingPeriod.LockKind.EARLY).exists()


def test_lock_period_refuses_a_blank_reason(plan):
    with travel(TUESDAY_1500), pytest.raises(CommandError) as refused:
        run("lock_period", "--now", "--reason", "   ")
    assert str(refused.value) == services.LOCK_REASON_MESSAGE
    assert not ReportingPeriod.objects.filter(locked_at__isnull=False).exists()
    assert not PlanEvent.objects.exists()


def test_lock_period_with_several_plans_needs_plan_id(plan):
    other = PlanFactory()
    with travel(TUESDAY_1500), pytest.raises(CommandError) as refused:
        run("lock_period", "--now", "--reason", "Board papers due early")
    assert f"{plan.pk}: {plan}" in str(refused.value)
    assert f"{other.pk}: {other}" in str(refused.value)
    assert not ReportingPeriod.objects.filter(locked_at__isnull=False).exists()


def test_lock_period_with_plan_id_locks_only_that_plan(plan):
    other = PlanFactory()
    with travel(TUESDAY_1500):
        run("lock_period", "--now", "--reason", "Board papers due early", "--plan", str(other.pk))
    early = ReportingPeriod.objects.get(lock_kind=ReportingPeriod.LockKind.EARLY)
    assert early.plan == other
    assert not plan.periods.filter(lock_kind=ReportingPeriod.LockKind.EARLY).exists()
