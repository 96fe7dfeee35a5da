"""The demo plan with a past: weeks of updates, locks, reports and sign-offs, via the services.

Seeded on Monday 23 Nov 2026 10:00 (London): eighteen weeks have locked, the last on Wed
18 Nov, and the week ending Wed 25 Nov is open. Time is frozen with time_machine.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from actions.models import (
    Action,
    FindingKind,
    HistoryEntry,
    LateWindow,
    PeriodSnapshot,
    Plan,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from demo.history import HISTORY_WEEKS
from demo.seed import demo_seed
from evidence.models import AssuranceMeeting, ClosureRequest, Evidence, SignOff
from reporting import selectors
from reporting.board.services import board_report_document
from reporting.models import ExceptionReport
from reporting.presenter import present

LONDON = ZoneInfo("Europe/London")
SEEDED_AT = dt.datetime(2026, 11, 23, 10, tzinfo=LONDON)
PAPER = {
    FindingKind.MUST: {Status.AMBER: 1, Status.GREEN: 11, Status.BLUE: 2},
    FindingKind.SHOULD: {Status.AMBER: 3, Status.GREEN: 14, Status.BLUE: 2},
}
COUNTED = (
    Plan,
    Action,
    WeeklyUpdate,
    HistoryEntry,
    ReportingPeriod,
    PeriodSnapshot,
    LateWindow,
    ExceptionReport,
    Evidence,
    ClosureRequest,
    SignOff,
    AssuranceMeeting,
)


def travel(instant: dt.datetime):
    return time_machine.travel(instant, tick=False)


def seed(at: dt.datetime = SEEDED_AT) -> Plan:
    with travel(at), override_settings(DEBUG=True):
        return demo_seed(history=True)


@pytest.fixture(scope="module")
def seeded_plan(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module (about 70 s saved) inside a transaction that is
    rolled back when the module ends. Each test runs in a savepoint of it (``db``), so what
    one test changes, the next does not see."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def plan(seeded_plan, db):
    return seeded_plan


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_the_plan_ends_as_the_board_paper_records_it(plan):
    """Table 1 of seed 000, from the actions and from the board report of the month."""
    found = Counter(Action.objects.filter(plan=plan).values_list("kind", "status"))
    for kind, statuses in PAPER.items():
        for status in Status:
            assert found[(kind, status)] == statuses.get(status, 0), (kind, status)
    with travel(SEEDED_AT + dt.timedelta(hours=1)):
        document = board_report_document(plan=plan, month=dt.date(2026, 11, 1))
    rows = {row["kind"]: row["counts"] for row in document["status_by_kind"]["rows"]}
    # Columns: Red, Amber, Green, Blue, White.
    assert rows == {"must": [0, 1, 11, 2, 0], "should": [0, 3, 14, 2, 0]}


def test_every_past_week_is_locked_with_its_snapshot_and_an_issued_exception_report(plan):
    locked = list(plan.periods.filter(locked_at__isnull=False).order_by("deadline"))
    assert len(locked) == HISTORY_WEEKS
    assert locked[-1].local_deadline == dt.datetime(2026, 11, 18, 12, tzinfo=LONDON)
    assert plan.cycle_starts_on < locked[0].local_deadline.date()
    for period in locked:
        assert PeriodSnapshot.objects.filter(period=period).count() == 33
        assert period.lock_kind == ReportingPeriod.LockKind.SCHEDULED
        report = ExceptionReport.objects.get(period=period)
        assert report.status == ExceptionReport.Status.ISSUED
        assert report.issued_at > period.deadline
    # Most open actions were updated each week; a few updates were missed.
    snapshots = PeriodSnapshot.objects.filter(period__in=locked).exclude(action_status="B")
    updated = snapshots.filter(updated=True).count()
    assert 0.8 < updated / snapshots.count() < 0.98

    # The last exception report's Table 1 is the paper's.
    table = present(selectors.report_document(ExceptionReport.objects.get(period=locked[-1])))
    for kind, statuses in PAPER.items():
        for status in Status:
            assert table.table.count(kind, status) == statuses.get(status, 0), (kind, status)


def test_updates_were_written_inside_their_weeks_by_the_actions_leads(plan):
    """Each update is dated in its own period, before the lock unless in a late window."""
    deadlines = list(plan.periods.order_by("deadline").values_list("deadline", flat=True))
    opened = dict(zip(deadlines[1:], deadlines, strict=False))  # deadline -> the one before
    for update in WeeklyUpdate.objects.select_related("period", "action").order_by("id"):
        period = update.period
        before = opened.get(period.deadline)
        if update.late:
            window = LateWindow.objects.get(period=period)
            assert period.deadline < update.submitted_at < window.expires_at
        else:
            assert before is None or before < update.submitted_at
            assert update.submitted_at < period.deadline
        assert update.author_id == update.action.action_lead_id
        assert update.narrative.strip()
    assert WeeklyUpdate.objects.filter(late=True).exists()
    # Narratives vary: no one text makes up most of the updates.
    texts = Counter(WeeklyUpdate.objects.values_list("narrative", flat=True))
    assert len(texts) > 60
    assert texts.most_common(1)[0][1] < WeeklyUpdate.objects.count() / 10


def test_the_open_week_has_updates_on_about_half_the_actions(plan):
    period = plan.periods.get(locked_at__isnull=True)
    assert period.local_deadline == dt.datetime(2026, 11, 25, 12, tzinfo=LONDON)
    open_actions = Action.objects.filter(plan=plan).open().count()
    updated = period.updates.count()
    assert 0.3 * open_actions <= updated <= 0.7 * open_actions
    assert all(u.submitted_at < SEEDED_AT for u in period.updates.all())


def test_blue_actions_reached_blue_through_a_signed_off_closure(plan):
    blue = Action.objects.filter(plan=plan, status=Status.BLUE)
    assert sorted(blue.values_list("ref", flat=True)) == ["D1", "G2", "G3", "S2"]
    for action in blue:
        closure = ClosureRequest.objects.get(action=action, state=ClosureRequest.State.APPROVED)
        assert closure.evidence.exists()
        assert closure.sign_off.decided_by.username == "reviewer"
        assert closure.sign_off.decided_at < SEEDED_AT
        assert closure.meetings.exists()
        entry = action.history.get(kind=HistoryEntry.Kind.CLOSURE_APPROVED)
        assert entry.changes["status"] == ["G", "B"]
        # No update was written after the sign-off.
        assert not action.updates.filter(submitted_at__gt=closure.sign_off.decided_at).exists()
    # One closure was declined and one still waits for a decision.
    assert ClosureRequest.objects.filter(state=ClosureRequest.State.DECLINED).count() == 1
    assert ClosureRequest.objects.waiting().count() == 1


def test_last_months_board_report_reads_a_living_plan(plan):
    with travel(SEEDED_AT + dt.timedelta(hours=1)):
        document = board_report_document(plan=plan, month=dt.date(2026, 10, 1))
    assert document["as_at"]["complete"] is True
    overall = document["trajectory"]["overall"]
    # By 31 October seven actions were due to end and two were signed off.
    assert overall["planned"][-1] == 7
    assert overall["actual"][-1] == 2
    assert overall["sentence"].startswith("6% against a trajectory of 21%")
    assert document["trajectory"]["due_later"] == 33 - 7
    off_track = document["off_track"]
    assert off_track, "some actions were Amber at the end of October"
    for row in off_track:
        assert row["status"] in (Status.RED, Status.AMBER)
        assert len(row["narrative"]) > 40
        assert row["narrative_date"] and row["narrative_date"] <= "2026-10-31"
    compliance = document["compliance"]
    assert len(compliance["periods"]) == 4  # the locks of 7, 14, 21 and 28 October
    total = compliance["total"]
    assert total["expected"] > 0 and 0 < total["missing"] < total["on_time"]
    assert document["assurance"]["total"]["approved"] == 2
    assert document["assurance"]["total"]["declined"] == 1
    # The trajectory runs from the plan's first month, July, when it was loaded.
    assert document["trajectory"]["months"][0] == "Jul 2026"
    by_question = {row["label"]: row["total"] for row in document["by_key_question"]["rows"]}
    assert by_question == {"Safe": 15, "Effective": 3, "Responsive": 2, "Well-led": 13}


def test_seeding_again_adds_nothing(plan):
    before = counts()
    statuses = dict(Action.objects.values_list("ref", "status"))
    seed(SEEDED_AT + dt.timedelta(days=1))
    assert counts() == before
    assert dict(Action.objects.values_list("ref", "status")) == statuses
