"""Two sweeps (or the PMO and the sweep) at once, on the real PostgreSQL with real transactions.

As in tests/actions/test_races.py, each interleaving is made certain: the first worker does
its work inside a transaction and holds it open; the second starts and the test waits until
PostgreSQL reports it blocked by the first; only then does the first commit.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from reporting import services
from reporting.models import ExceptionReport, Reminder
from tests.factories import ActionFactory, PlanFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

from .conftest import lock_at, london, week

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan_with_leads(db):
    """First week ends Wed 25 Nov 2026; two leads, neither has updated."""
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 11, 19))
    for n in range(2):
        ActionFactory(plan=plan, ref=f"T{n}", action_lead=UserFactory(username=f"race{n}"))
    return plan


def test_two_builds_at_once_make_one_report(race, plan_with_leads):
    lock_at(plan_with_leads, london(2026, 11, 25, 12, 1))
    period = plan_with_leads.periods.get()
    first = race(Holder(lambda: services.report_build(period=period)))
    second = race(Worker(lambda: services.report_build(period=period)))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)
    assert second.error is None, second.error
    assert first.result.pk == second.result.pk
    assert ExceptionReport.objects.count() == 1


def test_the_pmo_issuing_as_the_sweep_auto_issues_gives_one_issue(race, plan_with_leads):
    lock_at(plan_with_leads, london(2026, 11, 25, 12, 1))
    report = services.report_build(period=plan_with_leads.periods.get())
    pmo = UserFactory(username="race-pmo", roles=["PMO"])
    first = race(
        Holder(lambda: services.report_issue(report=report, by=pmo, now=london(2026, 11, 26, 12)))
    )
    second = race(
        Worker(
            lambda: services.report_issue_automatically(
                report=report, now=london(2026, 11, 26, 12, 0, 5)
            )
        )
    )
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)
    assert second.error is None, second.error
    assert first.result[1] is True and second.result is False
    report.refresh_from_db()
    assert report.issued_by == pmo and not report.auto_issued


def test_two_reminder_runs_at_once_send_each_lead_one_email(race, plan_with_leads):
    week(plan_with_leads, dt.date(2026, 11, 25))
    at = london(2026, 11, 24, 9, 1)
    first = race(Holder(lambda: services.reminders_send_due(plan=plan_with_leads, now=at)))
    second = race(Worker(lambda: services.reminders_send_due(plan=plan_with_leads, now=at)))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)
    assert second.error is None, second.error
    assert (first.result.sent, second.result.sent) == (2, 0)
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2
