"""Keeping it alive: health endpoints, the automation's record, and the PMO's page."""

from __future__ import annotations

import datetime as dt

import pytest
from celery import shared_task
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from actions import services as plan_services
from actions.tasks import lock_due_periods
from improvement import services, signals
from improvement.models import Heartbeat, TaskRun
from tests.factories import ActionFactory, PlanFactory, UserFactory

recording = override_settings(TASK_RUNS_RECORD=True)


@shared_task(name="tests.production.explode")
def explode() -> None:
    raise RuntimeError("the sweep could not reach the mail server")


# Health endpoints --------------------------------------------------------------------


@pytest.mark.django_db
def test_web_health_says_ok_when_the_database_answers(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_web_health_says_503_when_the_database_does_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_health_is_answered_over_plain_http_even_with_the_https_redirect_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("login")).status_code == 301


@pytest.mark.django_db
def test_automation_health_is_503_until_beat_and_a_worker_have_run(client):
    response = client.get("/healthz/automation")

    assert response.status_code == 503
    assert response.json()["beat"] == {"last_sent_at": None, "stale": True}
    assert response.json()["workers"]["stale"] is True


@pytest.mark.django_db
@recording
def test_automation_health_is_ok_when_beat_sent_and_a_worker_finished_lately(client):
    services.heartbeat_record(name="beat", detail="sent actions.tasks.lock_due_periods")
    lock_due_periods.apply()

    response = client.get("/healthz/automation")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["workers"]["tasks"]["lock-due-periods"]["last_run_ok"] is True


@pytest.mark.django_db
def test_automation_health_goes_stale_when_beat_stops(client, settings):
    services.heartbeat_record(
        name="beat", now=timezone.now() - dt.timedelta(seconds=settings.BEAT_STALE_SECONDS + 1)
    )

    assert client.get("/healthz/automation").json()["beat"]["stale"] is True


@pytest.mark.django_db
def test_beat_health_command_for_compose(settings):
    with pytest.raises(CommandError, match="Beat has not sent a task ever"):
        call_command("healthcheck", "beat")
    services.heartbeat_record(name="beat")
    call_command("healthcheck", "beat")


# The record: Celery signal handlers ----------------------------------------------------


@pytest.mark.django_db
@recording
def test_a_task_run_is_recorded_with_its_times():
    PlanFactory()
    lock_due_periods.apply()

    run = TaskRun.objects.get()
    assert run.task_name == "actions.tasks.lock_due_periods"
    assert run.ok is True and run.error == ""
    assert run.finished_at >= run.started_at


@pytest.mark.django_db
@recording
def test_a_failed_task_is_recorded_with_its_error():
    with override_settings(CELERY_TASK_EAGER_PROPAGATES=False):
        explode.apply()

    run = TaskRun.objects.get()
    assert run.ok is False
    assert "RuntimeError: the sweep could not reach the mail server" in run.error
    assert "Traceback" in run.error


@pytest.mark.django_db
def test_nothing_is_recorded_when_recording_is_off():
    lock_due_periods.apply()
    assert not TaskRun.objects.exists()


@pytest.mark.django_db
@recording
def test_a_record_that_cannot_be_written_does_not_fail_the_task(monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("the record's table is locked")

    monkeypatch.setattr(services, "task_run_start", broken)

    assert lock_due_periods.apply().successful()


@pytest.mark.django_db
@recording
def test_beat_records_a_heartbeat_each_time_it_sends(monkeypatch):
    monkeypatch.setattr(signals, "_in_beat", False)
    signals._task_sent(sender="actions.tasks.lock_due_periods")
    assert not Heartbeat.objects.exists()  # web and workers send tasks too: not beat

    monkeypatch.setattr(signals, "_in_beat", True)
    signals._task_sent(sender="actions.tasks.lock_due_periods")

    beat = Heartbeat.objects.get(name="beat")
    assert beat.detail == "sent actions.tasks.lock_due_periods"


@pytest.mark.django_db
def test_old_runs_are_pruned_failures_kept_longer():
    now = timezone.now()
    for days, ok in [(1, True), (20, True), (20, False), (100, False)]:
        TaskRun.objects.create(
            task_id=f"{days}-{ok}", task_name="x", started_at=now - dt.timedelta(days=days), ok=ok
        )

    assert services.task_runs_prune(now=now) == 2
    assert set(TaskRun.objects.values_list("task_id", flat=True)) == {"1-True", "20-False"}


# The PMO's Automation page -------------------------------------------------------------


@pytest.fixture
def pmo(db):
    return UserFactory(username="pmo", roles=["PMO"])


@pytest.mark.django_db
@recording
def test_pmo_sees_beat_the_last_lock_and_the_failed_task_with_its_error(client, pmo):
    plan = PlanFactory(name="CQC improvement plan 2026")
    ActionFactory(plan=plan)
    plan_services.plan_lock_now(plan=plan, by=pmo, reason="Board meets early")
    services.heartbeat_record(name="beat", detail="sent reporting.tasks.sweep")
    lock_due_periods.apply()
    with override_settings(CELERY_TASK_EAGER_PROPAGATES=False):
        explode.apply()
    client.force_login(pmo)

    response = client.get(reverse("automation"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Beat last ran" in page and "sent reporting.tasks.sweep" in page
    assert "CQC improvement plan 2026" in page and "Board meets early" in page
    assert "explode — failed" in page
    assert "RuntimeError: the sweep could not reach the mail server" in page
    assert "The automation is running." in page


@pytest.mark.django_db
def test_pmo_is_warned_when_beat_has_stopped(client, pmo):
    client.force_login(pmo)

    page = client.get(reverse("automation")).content.decode()

    assert "The automation may have stopped" in page
    assert "Ask IT to check the <strong>beat</strong> service" in page


@pytest.mark.django_db
def test_the_page_shows_the_last_exception_report_and_reminders(client, pmo):
    """Read from the reporting app's models (ExceptionReport.built_at/issued_at, Reminder)."""
    from django.apps import apps

    try:
        report_model = apps.get_model("reporting", "ExceptionReport")
        reminder_model = apps.get_model("reporting", "Reminder")
    except LookupError:
        pytest.skip("the reporting app has no ExceptionReport or Reminder yet")
    plan = PlanFactory()
    lead = UserFactory(username="lead", roles=["Action lead"])
    ActionFactory(plan=plan, action_lead=lead)
    period = plan_services.plan_lock_now(plan=plan, by=pmo, reason="test")
    now = timezone.now()
    report_model.objects.create(
        period=period,
        content={},
        built_at=now,
        issue_deadline=now,
        issued_at=now,
        status="issued",
    )
    reminder_model.objects.create(
        period=period, lead=lead, kind="scheduled", slot_at=now, status="sent", sent_at=now
    )
    client.force_login(pmo)

    page = client.get(reverse("automation")).content.decode()

    assert "Exception report:" in page and "Issued" in page
    assert "1 sent for the" in page


@pytest.mark.django_db
def test_the_page_takes_the_same_queries_however_many_runs(client, pmo, django_assert_num_queries):
    """Failures carry their 'succeeded since' from one grouped query, not one per failure."""
    now = timezone.now()
    for n in range(20):
        TaskRun.objects.create(
            task_id=f"f{n}", task_name=f"t{n % 3}", started_at=now, ok=False, error="boom"
        )
    client.force_login(pmo)
    # user, groups (the session is in the cache); the header's menu; beat's heartbeat;
    # last good runs + the last run of each of the 5 scheduled tasks; the last lock; the
    # last report; the last reminder; the week's Teams cards (none); the failures; when
    # each failed task last succeeded
    with django_assert_num_queries(16):
        response = client.get(reverse("automation"))
    assert response.content.decode().count("— failed") == 20


@pytest.mark.django_db
def test_only_the_pmo_sees_the_automation_page(client):
    lead = UserFactory(username="lead", roles=["Action lead"])
    client.force_login(lead)
    assert client.get(reverse("automation")).status_code == 403

    client.logout()
    response = client.get(reverse("automation"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_pmo_has_the_automation_page_in_the_menu(client, pmo):
    client.force_login(pmo)
    page = client.get(reverse("inspection_list")).content.decode()
    assert f'href="{reverse("automation")}">Automation<' in page
