"""Import previews nobody confirms are deleted after a day, uploaded file and all; using
one that has expired says so and what to do."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actions import import_previews, tasks
from actions.models import Action, Finding, ImportJob
from tests.actions.imports import worker_runs_after_each_request  # noqa: F401
from tests.factories import InspectionFactory, PlanFactory

pytestmark = pytest.mark.django_db

PLAN_CSV = (
    b"Ref.,Theme,Dept,Must do / should do,Requirement and actions,RAGB,Exec lead,"
    b"Start date,End date\nX1,Risk,Trust wide,Must do,Risk text,G,CE,01/01/19,30/06/19\n"
)
FINDINGS_CSV = (
    b"Action No.,Core Service,Domain,CQC Finding\n"
    b"M1,Maternity,Safe,The trust must ensure midwives complete CTG training.\n"
)
EXPIRED = "This preview has expired (previews are kept for 24 hours); nothing was saved."


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Sessions outlive the preview here, as they can when SESSION_IDLE_MINUTES is long.
    settings.SESSION_COOKIE_AGE = 3 * 24 * 3600


@pytest.fixture
def plan(db):
    return PlanFactory(inspection=InspectionFactory())


def later(hours: float):
    return time_machine.travel(timezone.now() + dt.timedelta(hours=hours), tick=False)


def waiting_files() -> list[str]:
    folder = settings.MEDIA_ROOT / import_previews.PENDING_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def upload_plan(client, plan):
    client.post(
        reverse("plan_import", args=[plan.pk]), {"file": SimpleUploadedFile("plan.csv", PLAN_CSV)}
    )
    job = ImportJob.objects.get(plan=plan)
    assert job.state == ImportJob.State.PREVIEW
    return str(job.token)


def upload_findings(client, inspection):
    response = client.post(
        reverse("findings_import", args=[inspection.pk]),
        {"file": SimpleUploadedFile("findings.csv", FINDINGS_CSV)},
    )
    assert response.status_code == 302


def test_the_hourly_task_deletes_previews_older_than_a_day_and_keeps_newer_ones(client, pmo, plan):
    client.force_login(pmo)
    upload_plan(client, plan)
    upload_findings(client, plan.inspection)
    assert ImportJob.objects.count() == 2
    assert len(waiting_files()) == 1, "the findings file is read into its job, then dropped"

    with later(hours=23):
        assert tasks.expire_import_previews.delay().get() == 0
    assert ImportJob.objects.count() == 2

    with later(hours=25):
        assert tasks.expire_import_previews.delay().get() == 2
        assert tasks.expire_import_previews.delay().get() == 0  # safe to run twice
    assert waiting_files() == [] and not ImportJob.objects.exists()


def test_the_age_is_a_setting(client, pmo, plan, settings):
    settings.IMPORT_PREVIEW_MAX_AGE_HOURS = 2
    client.force_login(pmo)
    upload_plan(client, plan)

    with later(hours=3):
        assert import_previews.import_previews_expire() == 1


def test_the_sweep_is_on_beats_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["expire-import-previews"]
    assert entry["task"] == tasks.expire_import_previews.name


def test_confirming_a_plan_preview_the_sweep_deleted_says_it_expired(client, pmo, plan):
    client.force_login(pmo)
    token = upload_plan(client, plan)

    with later(hours=25):
        tasks.expire_import_previews.delay()
        response = client.post(reverse("plan_import_confirm", args=[plan.pk]), {"token": token})

    assert response.status_code == 302
    assert response.url == reverse("plan_import", args=[plan.pk])
    # The sweep took the upload away: the page cannot tell expired from used, and says both.
    assert any("has expired" in m and "Upload the file again" in m for m in messages_of(response))
    assert not Action.objects.filter(plan=plan).exists()


def test_confirming_a_day_old_plan_preview_before_the_sweep_refuses_it_too(client, pmo, plan):
    client.force_login(pmo)
    token = upload_plan(client, plan)

    with later(hours=25):
        response = client.post(reverse("plan_import_confirm", args=[plan.pk]), {"token": token})

    assert response.url == reverse("plan_import", args=[plan.pk])
    assert any(m.startswith(EXPIRED) for m in messages_of(response))
    assert "Upload the file again" in messages_of(response)[0]
    assert not Action.objects.filter(plan=plan).exists()
    assert waiting_files() == []


def test_a_plan_preview_confirmed_within_the_day_still_imports(client, pmo, plan):
    client.force_login(pmo)
    token = upload_plan(client, plan)

    with later(hours=23):
        response = client.post(reverse("plan_import_confirm", args=[plan.pk]), {"token": token})

    assert response.status_code == 302
    assert Action.objects.filter(plan=plan, ref="X1").exists()


def test_an_expired_findings_upload_says_it_expired(client, pmo, plan):
    inspection = plan.inspection
    client.force_login(pmo)
    upload_findings(client, inspection)

    with later(hours=25):
        columns = client.get(reverse("findings_import_columns", args=[inspection.pk]))

    assert columns.url == reverse("findings_import", args=[inspection.pk])
    assert any(m.startswith(EXPIRED) for m in messages_of(columns))
    assert not Finding.objects.exists()
    assert waiting_files() == []
