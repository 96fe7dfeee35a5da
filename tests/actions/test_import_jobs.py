"""Imports run on the worker: the upload's page shows progress, then the preview, then what
was imported; a confirm imports once; an upload is its PMO's alone."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions import import_jobs, tasks
from actions.models import Action, Finding, ImportJob, PlanEvent
from tests.actions.imports import worker_runs_after_each_request  # noqa: F401
from tests.factories import InspectionFactory, PlanFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

pytestmark = pytest.mark.django_db

HEADER = "Ref.,Theme,Dept,Must do / should do,Requirement and actions,RAGB,Start date,End date"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(db):
    return PlanFactory(inspection=InspectionFactory())


def plan_csv(rows: int) -> bytes:
    lines = [HEADER] + [
        f"T{n},Risk,Trust wide,Must do,Risk register {n} reviewed monthly.,G,01/04/26,30/06/26"
        for n in range(1, rows + 1)
    ]
    return "\n".join(lines).encode()


def upload(client, plan, data: bytes, **kwargs):
    return client.post(
        reverse("plan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.csv", data)},
        **kwargs,
    )


def status_url(job: ImportJob) -> str:
    return reverse("import_job_status", args=[job.token])


def confirm(client, job: ImportJob, **kwargs):
    return client.post(
        reverse("plan_import_confirm", args=[job.plan_id]), {"token": job.token.hex}, **kwargs
    )


# The worker's path -------------------------------------------------------------------------


def test_the_upload_is_read_by_the_worker_and_its_page_shows_the_preview(client, pmo, plan):
    client.force_login(pmo)

    response = upload(client, plan, plan_csv(3))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("import_job", args=[job.token])
    assert (job.kind, job.plan, job.uploaded_by, job.state) == ("plan", plan, pmo, "preview")
    page = client.get(response.url).content.decode()
    assert "Check the import before saving" in page
    assert "<strong>3</strong> new actions" in page
    assert f'name="token" value="{job.token.hex}"' in page
    assert "hx-trigger" not in page  # finished: nothing left to poll
    assert not Action.objects.exists()  # a preview saves nothing


def test_the_reading_is_queued_only_once_the_upload_is_saved(
    pmo, plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        job = import_jobs.plan_import_start(
            plan=plan, filename="plan.csv", data=plan_csv(1), by=pmo
        )

    assert job.state == ImportJob.State.READING
    assert len(queued) == 1  # on commit: the worker never looks for an unsaved upload
    queued[0]()
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEW


def test_the_progress_fragment_polls_and_counts_the_rows_while_the_file_is_read(client, pmo, plan):
    job = ImportJob.objects.create(kind="plan", plan=plan, uploaded_by=pmo, filename="plan.csv")
    import_jobs._Progress(job.pk)("Reading the file", 1200, 4000)
    client.force_login(pmo)

    fragment = client.get(status_url(job))

    text = fragment.content.decode()
    assert fragment.status_code == 200
    assert f'hx-get="{status_url(job)}"' in text and 'hx-trigger="every 1s"' in text
    assert "Reading the file… row 1,200 of 4,000" in text
    assert 'max="4000" value="1200"' in text
    assert "Nothing is saved yet" in text


def test_the_fragment_stops_polling_and_shows_the_preview_when_the_file_is_read(client, pmo, plan):
    client.force_login(pmo)
    upload(client, plan, plan_csv(2))
    job = ImportJob.objects.get()

    text = client.get(status_url(job)).content.decode()

    assert "hx-trigger" not in text
    assert "Check the import before saving" in text
    assert "Confirm import" in text


def test_row_errors_are_shown_as_before_and_cannot_be_confirmed(client, pmo, plan):
    client.force_login(pmo)
    data = plan_csv(2) + b"\nT1,Risk,Trust wide,Must do,Twice.,G,01/04/26,30/06/26"

    page = upload(client, plan, data, follow=True).content.decode()

    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.REFUSED
    assert "The file has errors; nothing was saved" in page
    assert "This Ref. is also on row 2." in page
    assert "Confirm import" not in page
    assert not job.file  # a refused upload is not kept
    confirm(client, job)
    assert not Action.objects.exists()


def test_confirming_shows_the_result_and_imports_once(client, pmo, plan):
    client.force_login(pmo)
    upload(client, plan, plan_csv(3))
    job = ImportJob.objects.get()

    first = confirm(client, job, follow=True)
    second = confirm(client, job, follow=True)  # the double click

    assert first.status_code == second.status_code == 200
    text = second.content.decode()
    assert "Plan imported from plan.csv: 3 new, 0 changed, 0 unchanged." in text
    assert "Go to the plan" in text
    assert not list(get_messages(second.wsgi_request))  # no "expired" for a double click
    assert Action.objects.filter(plan=plan).count() == 3
    assert PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED).count() == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORTED and job.confirmed_at is not None
    assert not job.file  # the upload is not kept once imported


def test_the_tasks_are_safe_to_run_twice(client, pmo, plan):
    client.force_login(pmo)
    upload(client, plan, plan_csv(2))
    job = ImportJob.objects.get()

    assert tasks.import_job_preview(job.pk) == "preview"  # already read: left as it is
    assert tasks.import_job_apply(job.pk) == "preview"  # not confirmed: nothing imported
    assert not Action.objects.exists()
    confirm(client, job)
    assert tasks.import_job_apply(job.pk) == "imported"
    assert Action.objects.filter(plan=plan).count() == 2
    assert PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED).count() == 1


def test_an_import_that_fails_after_saving_its_rows_saves_nothing(client, pmo, plan, monkeypatch):
    client.force_login(pmo)
    upload(client, plan, plan_csv(3))
    job = ImportJob.objects.get()

    def fails(**kwargs):
        assert Action.objects.filter(plan=plan).count() == 3  # every row saved by now
        raise RuntimeError("the database went away")

    monkeypatch.setattr(PlanEvent.objects, "create", fails)

    page = confirm(client, job, follow=True).content.decode()

    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert "The import could not be finished; nothing was saved" in page
    assert "RuntimeError: the database went away" in page
    assert not Action.objects.exists()


def test_the_plan_changed_under_the_preview_is_refused_with_its_errors(client, pmo, plan):
    """Blue may come in only with the first import into an empty plan: an action added
    between the preview and the confirm makes the import refuse it, and save nothing."""
    client.force_login(pmo)
    upload(client, plan, f"{HEADER}\nT1,Risk,Trust wide,Must do,Closed.,B,,".encode())
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.PREVIEW
    Action.objects.create(plan=plan, ref="X1", kind="must_do", requirement="Added meanwhile.")

    page = confirm(client, job, follow=True).content.decode()

    job.refresh_from_db()
    assert job.state == ImportJob.State.REFUSED
    assert "The file has errors; nothing was saved" in page
    assert "T1 is new: an action becomes Blue only when its closure is signed off" in page
    assert list(Action.objects.values_list("ref", flat=True)) == ["X1"]


# Whose upload it is ------------------------------------------------------------------------


def test_another_pmo_cannot_see_or_confirm_the_upload(client, pmo, plan):
    client.force_login(pmo)
    upload(client, plan, plan_csv(2))
    job = ImportJob.objects.get()
    client.force_login(UserFactory(username="pmo2", roles=["PMO"]))

    assert client.get(reverse("import_job", args=[job.token])).status_code == 404
    assert client.get(status_url(job)).status_code == 404
    response = confirm(client, job)

    assert response.status_code == 302
    assert "nothing was saved" in [str(m) for m in get_messages(response.wsgi_request)][0]
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEW
    assert not Action.objects.exists()


@pytest.mark.parametrize("role", ["Action lead", "Executive lead", "Board member"])
def test_only_the_pmo_sees_an_upload_or_its_progress(client, pmo, plan, role):
    client.force_login(pmo)
    upload(client, plan, plan_csv(2))
    job = ImportJob.objects.get()
    client.force_login(UserFactory(roles=[role]))

    assert client.get(reverse("import_job", args=[job.token])).status_code == 403
    assert client.get(status_url(job)).status_code == 403
    assert confirm(client, job).status_code == 403
    assert upload(client, plan, plan_csv(1)).status_code == 403
    assert ImportJob.objects.count() == 1
    assert not Action.objects.exists()


# Findings: read, then the columns ------------------------------------------------------------


def test_the_findings_fragment_sends_the_pmo_on_to_the_columns_once_read(client, pmo):
    inspection = InspectionFactory()
    client.force_login(pmo)
    data = b"Action No.,Core Service,Domain,CQC Finding\nM1,Maternity,Safe,Train staff.\n"
    client.post(
        reverse("findings_import", args=[inspection.pk]),
        {"file": SimpleUploadedFile("findings.csv", data)},
    )
    job = ImportJob.objects.get()

    fragment = client.get(status_url(job), HTTP_HX_REQUEST="true")

    assert job.state == ImportJob.State.COLUMNS
    assert fragment["HX-Redirect"] == reverse("findings_import_columns", args=[inspection.pk])
    assert job.table["headers"] == ["Action No.", "Core Service", "Domain", "CQC Finding"]
    assert not job.file  # the cells are kept; the file is not needed again


# Two confirms at once, on the real PostgreSQL ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_import_the_plan_once(race, pmo, plan):
    """The double click: the second confirm waits for the first, then finds it taken."""
    job = import_jobs.plan_import_start(plan=plan, filename="plan.csv", data=plan_csv(3), by=pmo)
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEW  # read on commit (the worker is eager)

    first = race(Holder(lambda: import_jobs.import_job_confirm(job=job, by=pmo)))
    second = race(Worker(lambda: import_jobs.import_job_confirm(job=job, by=pmo)))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert (first.result, second.result, second.error) == (True, False, None)
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORTED
    assert Action.objects.filter(plan=plan).count() == 3
    assert PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED).count() == 1


def test_another_pmo_cannot_confirm_or_see_a_findings_upload(client, pmo):
    inspection = InspectionFactory()
    client.force_login(pmo)
    data = b"Action No.,Core Service,Domain,CQC Finding\nM1,Maternity,Safe,Train staff.\n"
    client.post(
        reverse("findings_import", args=[inspection.pk]),
        {"file": SimpleUploadedFile("findings.csv", data)},
    )
    page = client.get(reverse("findings_import_columns", args=[inspection.pk]))
    form = page.context["form"]
    client.post(
        reverse("findings_import_columns", args=[inspection.pk]),
        {name: form[name].value() or "" for name in form.fields},
    )
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.PREVIEW
    client.force_login(UserFactory(username="pmo2", roles=["PMO"]))

    assert client.get(reverse("import_job", args=[job.token])).status_code == 404
    columns = client.get(reverse("findings_import_columns", args=[inspection.pk]))
    confirmed = client.post(
        reverse("findings_import_confirm", args=[inspection.pk]), {"token": job.token.hex}
    )

    assert columns.status_code == confirmed.status_code == 302
    assert confirmed.url == reverse("findings_import", args=[inspection.pk])
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEW
    assert not Finding.objects.exists()


def test_the_polled_fragment_reads_the_job_in_one_query(
    client, pmo, plan, django_assert_num_queries
):
    """Polled every second while the worker runs: the session, the user, and the job with
    its plan or inspection in one query; the rows' progress comes from the cache."""
    job = ImportJob.objects.create(kind="plan", plan=plan, uploaded_by=pmo, filename="plan.csv")
    client.force_login(pmo)
    client.get(status_url(job))  # the first request may load the session's two-factor state

    with django_assert_num_queries(3):
        response = client.get(status_url(job))

    assert response.status_code == 200
