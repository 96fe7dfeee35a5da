"""Shared data for the exception report tests: a plan whose first week ends Wed 11 Nov 2026.

Time is frozen with time_machine; the services read the clock unless a test passes ``now``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from actions import services as plan_services
from actions.models import ExecRole, Plan, ReportingPeriod, Role, Status
from reporting import services
from reporting.models import DistributionEntry
from tests.factories import RECOVERY, ActionFactory, PlanFactory, UserFactory

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def travel(instant: dt.datetime):
    return time_machine.travel(instant, tick=False)


def week(plan: Plan, deadline_day: dt.date) -> ReportingPeriod:
    """The period ending on ``deadline_day``, as the leads saw it on its Monday morning."""
    monday = deadline_day - dt.timedelta(days=deadline_day.weekday())
    period = plan_services.period_current_row(plan=plan, now=london(*monday.timetuple()[:3], 9))
    assert period.local_deadline.date() == deadline_day
    return period


def submit(action, period, status=Status.GREEN, narrative="On plan", at=None):
    """The lead's update, saved on the Monday of ``period``'s week unless ``at`` says when."""
    day = period.local_deadline.date()
    at = at or london(*(day - dt.timedelta(days=day.weekday())).timetuple()[:3], 10)
    return plan_services.update_submit(
        recovery=RECOVERY,
        action=action,
        period=period,
        author=action.action_lead,
        status=status,
        narrative=narrative,
        now=at,
    )


def lock_at(plan: Plan, instant: dt.datetime) -> list[ReportingPeriod]:
    return plan_services.plan_lock_due(plan=plan, now=instant)


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text, laid out as on the page (poppler's pdftotext)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


requires_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"
)


@pytest.fixture
def plan(db):
    """Weekly, Wednesday 12:00 UK time; the first deadline is Wed 11 Nov 2026."""
    return PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=dt.date(2026, 11, 5))


@pytest.fixture
def exec_lead(db):
    """Helen Carter, Director of Nursing (DoN)."""
    user = UserFactory(
        username="exec",
        first_name="Helen",
        last_name="Carter",
        email="helen.carter@trust.example.nhs.uk",
        roles=[Role.EXEC_LEAD],
    )
    ExecRole.objects.update_or_create(
        code="DoN", defaults={"title": "Director of Nursing", "holder": user}
    )
    return user


@pytest.fixture
def medical_director(db):
    user = UserFactory(
        username="md",
        first_name="Raj",
        last_name="Patel",
        email="raj.patel@trust.example.nhs.uk",
        roles=[Role.EXEC_LEAD],
    )
    ExecRole.objects.update_or_create(
        code="MD", defaults={"title": "Medical Director", "holder": user}
    )
    return user


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", roles=[Role.REVIEWER])


@pytest.fixture
def don(exec_lead):
    return ExecRole.objects.get(code="DoN")


@pytest.fixture
def md(medical_director):
    return ExecRole.objects.get(code="MD")


def add_distribution(plan: Plan, exec_lead, pmo) -> list[DistributionEntry]:
    """The DoN (exec lead) and an operational lead receive ``plan``'s report."""
    services.distribution_entry_add(
        plan=plan,
        name=exec_lead.get_full_name(),
        email=exec_lead.email,
        role="Executive lead (DoN)",
        by=pmo,
    )
    services.distribution_entry_add(
        plan=plan,
        name="Sam Jones",
        email="Sam.Jones@trust.example.nhs.uk",
        role="Operational lead",
        by=pmo,
    )
    return list(plan.distribution_list.order_by("name"))


@pytest.fixture
def distribution(plan, exec_lead, pmo):
    return add_distribution(plan, exec_lead, pmo)


@pytest.fixture
def locked_week(plan, lead, don):
    """Three actions; the week ending Wed 25 Nov 2026 locked at its deadline with two updated.

    T1 (DoN, Red), T2 (DoN, Green), T3 (no exec lead, not updated).
    """
    t1 = ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.GREEN)
    t2 = ActionFactory(plan=plan, ref="T2", action_lead=lead, status=Status.GREEN)
    ActionFactory(plan=plan, ref="T3", action_lead=lead, status=Status.GREEN)
    t1.exec_roles.set([don])
    t2.exec_roles.set([don])
    period = week(plan, dt.date(2026, 11, 25))
    submit(t1, period, Status.RED, "Recruitment delayed; recovery plan due next week.")
    submit(t2, period, Status.GREEN, "On plan")
    lock_at(plan, london(2026, 11, 25, 12, 0, 30))
    period.refresh_from_db()
    assert period.is_locked
    return period


def group(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]
