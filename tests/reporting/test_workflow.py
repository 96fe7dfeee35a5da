"""The draft after the lock, the PMO's issue, the automatic issue at Thursday 12:00, corrections.

Every task and service here is run twice where it matters: one report, one version.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from actions.models import Status
from reporting import services, tasks
from reporting.models import ExceptionReport, ReportComment
from tests.factories import ActionFactory, PlanFactory

from .conftest import add_distribution, lock_at, london, submit, travel, week

GMT_WEEK = dt.date(2026, 11, 25)  # Thursday 26 Nov 12:00 GMT is 12:00 UTC
BST_WEEK = dt.date(2026, 6, 17)  # Thursday 18 Jun 12:00 BST is 11:00 UTC


@pytest.fixture
def gmt_plan(db, lead):
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 11, 19))
    ActionFactory(plan=plan, ref="T1", action_lead=lead)
    return plan


@pytest.fixture
def bst_plan(db, lead):
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 6, 11))
    ActionFactory(plan=plan, ref="T1", action_lead=lead)
    return plan


def sweep_at(instant: dt.datetime):
    with travel(instant):
        return tasks.sweep()


# The draft -------------------------------------------------------------------------------


def test_sweep_locks_the_period_and_builds_its_draft_right_after_the_deadline(gmt_plan):
    result = sweep_at(london(2026, 11, 25, 12, 2))
    report = ExceptionReport.objects.get()
    assert result["built"] == [report.pk]
    assert report.is_draft and report.version == 1
    assert report.period.local_deadline == london(2026, 11, 25, 12)
    assert report.content["period"]["label"] == "Week ending Wed 25 Nov 2026"


def test_nothing_is_built_before_the_lock(gmt_plan):
    sweep_at(london(2026, 11, 25, 11, 59))
    assert not ExceptionReport.objects.exists()


def test_running_the_build_twice_gives_one_report(gmt_plan):
    sweep_at(london(2026, 11, 25, 12, 2))
    result = sweep_at(london(2026, 11, 25, 12, 4))
    assert result["built"] == []
    period = gmt_plan.periods.get(locked_at__isnull=False)
    assert services.report_build(period=period).pk == ExceptionReport.objects.get().pk
    assert ExceptionReport.objects.count() == 1


def test_bulk_loaded_history_gets_no_drafts_only_recent_locks_do(lead):
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 1, 1))
    ActionFactory(plan=plan, action_lead=lead)
    with travel(london(2026, 11, 24, 9)):
        lock_at(plan, london(2026, 11, 24, 9))  # 46 weeks of history locked at once
    sweep_at(london(2026, 11, 24, 9, 2))
    built = ExceptionReport.objects.order_by("period__deadline")
    assert [r.period.local_deadline.date() for r in built] == [
        dt.date(2026, 11, 11),
        dt.date(2026, 11, 18),
    ]


def test_an_early_lock_gets_its_draft_at_the_next_sweep(gmt_plan, pmo):
    from actions import services as plan_services

    with travel(london(2026, 11, 24, 16)):
        period = plan_services.plan_lock_now(plan=gmt_plan, by=pmo, reason="Bank holiday")
        tasks.sweep()
    report = ExceptionReport.objects.get()
    assert report.period == period
    assert report.content["period"]["lock_kind"] == "early"
    assert report.issue_deadline == london(2026, 11, 26, 12)


# Issuing ---------------------------------------------------------------------------------


def test_issuing_twice_gives_one_issued_version(
    locked_week, pmo, distribution, django_capture_on_commit_callbacks
):
    report = services.report_build(period=locked_week)
    with django_capture_on_commit_callbacks(execute=True):
        first, issued_now = services.report_issue(report=report, by=pmo)
        again, issued_again = services.report_issue(report=report, by=pmo)
    assert issued_now and not issued_again
    assert first.pk == again.pk and again.is_issued
    assert again.issued_by == pmo
    assert ExceptionReport.objects.count() == 1
    assert len(mail.outbox) == len(distribution)


def test_an_issued_report_is_immutable(locked_week, pmo):
    report = services.report_build(period=locked_week)
    action_pk = report.content["actions"][0]["id"]
    services.report_comment_save(report=report, action_pk=action_pk, text="Escalated", by=pmo)
    services.report_issue(report=report, by=pmo)
    with pytest.raises(ValidationError, match="cannot change"):
        services.report_commentary_save(report=report, commentary="Late thought")
    with pytest.raises(ValidationError, match="cannot change"):
        services.report_comment_save(report=report, action_pk=action_pk, text="Changed", by=pmo)
    assert ReportComment.objects.get().text == "Escalated"


def test_a_comment_on_an_action_not_in_the_report_is_refused(locked_week, pmo, lead):
    report = services.report_build(period=locked_week)
    elsewhere = ActionFactory(action_lead=lead)
    with pytest.raises(ValidationError, match="not in this report"):
        services.report_comment_save(report=report, action_pk=elsewhere.pk, text="x", by=pmo)


def test_a_blank_comment_removes_the_comment(locked_week, pmo):
    report = services.report_build(period=locked_week)
    action_pk = report.content["actions"][0]["id"]
    services.report_comment_save(report=report, action_pk=action_pk, text="Escalated", by=pmo)
    assert (
        services.report_comment_save(report=report, action_pk=action_pk, text=" ", by=pmo) is None
    )
    assert not ReportComment.objects.exists()


# The automatic issue at Thursday 12:00 ---------------------------------------------------


@pytest.mark.parametrize(
    ("plan_name", "deadline", "utc_hour"),
    [
        pytest.param("gmt_plan", london(2026, 11, 26, 12), 12, id="gmt_week"),
        pytest.param("bst_plan", london(2026, 6, 18, 12), 11, id="bst_week"),
    ],
)
def test_a_draft_not_issued_by_thursday_1200_is_issued_automatically_then(
    request, plan_name, deadline, utc_hour
):
    request.getfixturevalue(plan_name)
    assert deadline.astimezone(dt.UTC).hour == utc_hour
    sweep_at(deadline - dt.timedelta(days=1))  # Wednesday, just after the lock
    report = ExceptionReport.objects.get()
    assert report.issue_deadline == deadline
    sweep_at(deadline - dt.timedelta(seconds=1))
    report.refresh_from_db()
    assert report.is_draft
    result = sweep_at(deadline + dt.timedelta(seconds=30))
    report.refresh_from_db()
    assert result["issued"] == [report.pk]
    assert report.is_issued and report.auto_issued and report.issued_by is None
    assert report.issued_at == deadline
    assert report.issue_note == (
        "Issued automatically at Thursday 12:00 because it had not been issued."
    )


def test_a_missed_thursday_is_caught_up_once_as_of_the_deadline(
    gmt_plan, pmo, exec_lead, django_capture_on_commit_callbacks
):
    distribution = add_distribution(gmt_plan, exec_lead, pmo)
    # The worker was down from Tuesday to Friday: the lock, the draft and the issue all late.
    runs = []
    for minute in (15, 17, 30):  # the last is past the retry delay: nothing left to send
        with django_capture_on_commit_callbacks(execute=True):
            runs.append(sweep_at(london(2026, 11, 27, 9, minute)))
    first, second, third = runs
    report = ExceptionReport.objects.get()
    assert first["built"] == [report.pk] and first["issued"] == [report.pk]
    assert second["built"] == [] and second["issued"] == []
    assert third["emails_retried"] == 0
    assert report.issued_at == london(2026, 11, 26, 12)
    assert report.issue_recorded_at == london(2026, 11, 27, 9, 15)
    assert report.issue_note.startswith(
        "Issued automatically at Thursday 12:00 because it had not been issued. "
        "Caught up at Fri 27 Nov 2026 09:15"
    )
    assert len(mail.outbox) == len(distribution)


def test_a_report_the_pmo_issued_is_not_issued_again_automatically(gmt_plan, pmo):
    sweep_at(london(2026, 11, 25, 12, 2))
    report = ExceptionReport.objects.get()
    with travel(london(2026, 11, 26, 10)):
        services.report_issue(report=report, by=pmo)
    sweep_at(london(2026, 11, 26, 12, 2))
    report.refresh_from_db()
    assert not report.auto_issued
    assert report.issued_at == london(2026, 11, 26, 10)


def test_changing_the_issue_time_moves_the_draft_deadline(gmt_plan):
    sweep_at(london(2026, 11, 25, 12, 2))
    services.report_settings_save(
        plan=gmt_plan,
        issue_weekday=4,
        issue_time=dt.time(9, 0),
        oversight_group="IPAG",
        reminder_slots=[],
    )
    report = ExceptionReport.objects.get()
    assert report.issue_deadline == london(2026, 11, 27, 9)


# Corrections ------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_with_a_reason_and_the_old_one_stays(locked_week, pmo):
    report = services.report_build(period=locked_week)
    services.report_commentary_save(report=report, commentary="Two Reds this week.")
    action_pk = report.content["actions"][0]["id"]
    services.report_comment_save(report=report, action_pk=action_pk, text="Escalated", by=pmo)
    services.report_issue(report=report, by=pmo)

    correction = services.report_correct(report=report, reason="Wrong commentary", by=pmo)
    assert (correction.version, correction.status) == (2, ExceptionReport.Status.DRAFT)
    assert correction.content == report.content
    assert correction.commentary == "Two Reds this week."
    assert correction.comments.get().text == "Escalated"
    services.report_commentary_save(report=correction, commentary="One Red this week.")
    correction, _ = services.report_issue(report=correction, by=pmo)

    report.refresh_from_db()
    assert report.is_issued and report.commentary == "Two Reds this week."
    assert correction.is_issued and correction.correction_reason == "Wrong commentary"
    assert correction.title == "Exception report: week ending Wed 25 Nov 2026 (version 2)"


def test_a_correction_needs_a_reason_and_only_one_at_a_time(locked_week, pmo):
    report = services.report_build(period=locked_week)
    services.report_issue(report=report, by=pmo)
    with pytest.raises(ValidationError, match="reason"):
        services.report_correct(report=report, reason="  ", by=pmo)
    services.report_correct(report=report, reason="Typo", by=pmo)
    with pytest.raises(ValidationError, match="already being prepared"):
        services.report_correct(report=report, reason="Another", by=pmo)


def test_a_correction_draft_is_never_issued_automatically(gmt_plan, pmo):
    sweep_at(london(2026, 11, 26, 12, 2))
    report = ExceptionReport.objects.get()
    assert report.auto_issued
    with travel(london(2026, 11, 26, 15)):
        correction = services.report_correct(report=report, reason="Typo", by=pmo)
    sweep_at(london(2026, 11, 26, 15, 2))
    correction.refresh_from_db()
    assert correction.is_draft


def test_an_issued_report_keeps_what_the_updates_said_at_the_lock(locked_week, pmo, lead):
    report = services.report_build(period=locked_week)
    services.report_issue(report=report, by=pmo)
    t1 = locked_week.plan.actions.get(ref="T1")
    submit(t1, week(locked_week.plan, dt.date(2026, 12, 2)), Status.GREEN, "Recovered")
    report.refresh_from_db()
    red = next(a for a in report.content["actions"] if a["ref"] == "T1")
    assert red["status"] == Status.RED
    assert red["narrative"] == "Recruitment delayed; recovery plan due next week."
