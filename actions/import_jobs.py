"""Imports run by the worker: the PMO uploads a plan or findings file, the worker reads and
checks it into a preview, the PMO confirms, the worker imports it in one transaction.

The job's state is on the ``ImportJob`` row, as a board report's is. Its progress ("row
1,200 of 4,000") is kept in the cache instead: the rows are checked and saved inside one
transaction, whose writes the page polling the job would not see until the end.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .importer import ImportFileError, RowError, plan_import, plan_report_from_json, report_as_json
from .inspections import findings_import
from .models import ImportJob, Inspection, Plan

logger = logging.getLogger(__name__)

State = ImportJob.State
PROGRESS_SECONDS = 6 * 60 * 60  # longer than any import; the job's state outlives it


# Progress -------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import-job-progress:{job_id}"


def progress_of(job: ImportJob) -> dict[str, Any]:
    """What the worker last said: {"step", "done", "total"}; the state's label if nothing."""
    said = cache.get(_progress_key(job.pk)) if job.is_running else None
    return said or {"step": job.get_state_display(), "done": 0, "total": 0}


class _Progress:
    """Passes a row count on to the cache about a hundred times an import, not every row."""

    def __init__(self, job_id: int):
        self.key = _progress_key(job_id)

    def __call__(self, step: str, done: int, total: int) -> None:
        every = max(1, total // 100)
        if total and 0 < done < total and done % every:
            return
        cache.set(self.key, {"step": step, "done": done, "total": total}, PROGRESS_SECONDS)


# Starting -------------------------------------------------------------------------------


def _start(job: ImportJob, data: bytes) -> ImportJob:
    from . import tasks

    with transaction.atomic():
        job.file.save(job.filename, ContentFile(data), save=False)
        job.save()
        transaction.on_commit(lambda: tasks.import_job_preview.delay(job.pk))
    return job


def plan_import_start(*, plan: Plan, filename: str, data: bytes, by: AbstractBaseUser) -> ImportJob:
    """Keep the uploaded plan file and queue its preview."""
    job = ImportJob(kind=ImportJob.Kind.PLAN, plan=plan, uploaded_by=by, filename=filename)
    return _start(job, data)


def findings_import_start(
    *, inspection: Inspection, filename: str, data: bytes, by: AbstractBaseUser
) -> ImportJob:
    """Keep the uploaded findings file and queue its reading (the columns come next)."""
    job = ImportJob(
        kind=ImportJob.Kind.FINDINGS, inspection=inspection, uploaded_by=by, filename=filename
    )
    return _start(job, data)


def findings_columns_choose(
    *, job: ImportJob, mapping: findings_import.ColumnMapping, by: AbstractBaseUser
) -> bool:
    """Remember the PMO's columns for the trust's next file and queue the preview.

    False if the job is past choosing columns (being imported, or imported).
    """
    from . import tasks

    table = findings_import.table_from_json(job.table or {})
    with transaction.atomic():
        chosen = ImportJob.objects.filter(
            pk=job.pk,
            state__in=[State.COLUMNS, State.PREVIEW, State.REFUSED],
            table__isnull=False,
        ).update(
            state=State.CHECKING,
            mapping={"columns": mapping.columns, "kind_values": mapping.kind_values},
            report=None,
            finished_at=None,
        )
        if chosen:
            findings_import.finding_mapping_remember(
                inspection=job.inspection, table=table, mapping=mapping, by=by
            )
            transaction.on_commit(lambda: tasks.import_job_preview.delay(job.pk))
    return bool(chosen)


def import_job_confirm(*, job: ImportJob, by: AbstractBaseUser) -> bool:
    """Queue the import of a clean preview, once: a second confirm (a double click, two
    tabs) finds the job no longer waiting and returns False."""
    from . import tasks

    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, uploaded_by=by, state=State.PREVIEW).update(
            state=State.IMPORTING, confirmed_at=timezone.now(), finished_at=None
        )
        if claimed:
            transaction.on_commit(lambda: tasks.import_job_apply.delay(job.pk))
    return bool(claimed)


# The worker's part ----------------------------------------------------------------------


def _drop_file(job: ImportJob) -> None:
    """The upload is not needed once the job has what it needs from it."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def _failure(failure: Exception) -> str:
    return f"{type(failure).__name__}: {failure}"[:2000]


def import_job_preview(*, job_id: int) -> ImportJob:
    """Read and check the file into the preview (a task's whole work); safe to run twice.

    A findings file is first read into its cells (the PMO then chooses the columns); once
    the columns are chosen its rows are checked. A plan file is read and checked at once.
    """
    job = ImportJob.objects.select_related("plan", "inspection", "uploaded_by").get(pk=job_id)
    if job.state not in (State.READING, State.CHECKING):
        return job
    progress = _Progress(job.pk)
    fields: dict[str, Any]
    try:
        if job.kind == ImportJob.Kind.PLAN:
            with job.file.open("rb") as upload:
                data = upload.read()
            report = plan_import(
                plan=job.plan,
                data=data,
                filename=job.filename,
                by=job.uploaded_by,
                progress=progress,
            )
            fields = {
                "state": State.PREVIEW if report.ok else State.REFUSED,
                "report": report_as_json(report),
            }
        elif job.state == State.READING:
            progress("Reading the file", 0, 0)
            with job.file.open("rb") as upload:
                data = upload.read()
            remembered = findings_import.mapping_remembered(job.inspection)
            try:
                table = findings_import.findings_table_read(
                    data,
                    job.filename,
                    known_headers=remembered.columns.values() if remembered else (),
                )
            except ImportFileError as error:
                report = findings_import.FindingImportReport()
                report.errors.append(RowError(0, "", "", str(error)))
                fields = {"state": State.REFUSED, "report": report_as_json(report)}
            else:
                fields = {"state": State.COLUMNS, "table": findings_import.table_as_json(table)}
        else:
            report = findings_import.findings_import(
                inspection=job.inspection,
                table=findings_import.table_from_json(job.table or {}),
                mapping=_mapping(job),
                progress=progress,
            )
            fields = {
                "state": State.PREVIEW if report.ok else State.REFUSED,
                "report": report_as_json(report),
            }
    except Exception as failure:
        logger.exception("Import job %s could not be previewed", job_id)
        fields = {"state": State.FAILED, "error": _failure(failure)}
    # Only if no one moved the job on meanwhile (a second run of this task, new columns).
    same = {"mapping__isnull": True} if job.mapping is None else {"mapping": job.mapping}
    ImportJob.objects.filter(pk=job.pk, state=job.state, **same).update(
        finished_at=timezone.now(), **fields
    )
    job.refresh_from_db()
    if job.state in (State.REFUSED, State.FAILED) or job.table is not None:
        _drop_file(job)
    return job


def _prepare_suggestions_on_commit(inspection_id: int) -> None:
    """The worker embeds the new findings, and the newest plan's open actions, ahead of the
    mapping page (which opens on the newest plan)."""
    from . import tasks

    newest = Plan.objects.order_by("-created_at", "-id").values_list("pk", flat=True).first()
    transaction.on_commit(
        lambda: tasks.prepare_suggestions.delay(inspection_id=inspection_id, plan_id=newest)
    )


def _mapping(job: ImportJob) -> findings_import.ColumnMapping:
    chosen = job.mapping or {}
    return findings_import.ColumnMapping(
        columns={name: int(i) for name, i in chosen.get("columns", {}).items()},
        kind_values=dict(chosen.get("kind_values", {})),
    )


def import_job_apply(*, job_id: int) -> ImportJob:
    """Import a confirmed preview in one transaction (a task's whole work); safe to run
    twice: a job already imported, or never confirmed, is left as it is."""
    try:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("plan", "inspection", "uploaded_by")
                .get(pk=job_id)
            )
            if job.state != State.IMPORTING:
                return job
            progress = _Progress(job.pk)
            if job.kind == ImportJob.Kind.PLAN:
                with job.file.open("rb") as upload:
                    data = upload.read()
                report = plan_import(
                    plan=job.plan,
                    data=data,
                    filename=job.filename,
                    by=job.uploaded_by,
                    dry_run=False,
                    progress=progress,
                )
            else:
                report = findings_import.findings_import(
                    inspection=job.inspection,
                    table=findings_import.table_from_json(job.table or {}),
                    mapping=_mapping(job),
                    dry_run=False,
                    progress=progress,
                )
            # Refused here means the plan or findings changed under the preview: the
            # import saved nothing, and the report says why.
            job.state = State.IMPORTED if report.ok else State.REFUSED
            job.report = report_as_json(report)
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "report", "finished_at"])
            if job.state == State.IMPORTED and job.kind != ImportJob.Kind.PLAN:
                _prepare_suggestions_on_commit(job.inspection_id)
    except Exception as failure:
        logger.exception("Import job %s could not be imported", job_id)
        ImportJob.objects.filter(pk=job_id, state=State.IMPORTING).update(
            state=State.FAILED, error=_failure(failure), finished_at=timezone.now()
        )
    job = ImportJob.objects.get(pk=job_id)
    if job.state != State.IMPORTING:
        _drop_file(job)
    return job


# Reading the job back -------------------------------------------------------------------


def job_report(job: ImportJob):
    """The job's preview or outcome as the report the templates know, or None."""
    if job.report is None:
        return None
    if job.kind == ImportJob.Kind.PLAN:
        return plan_report_from_json(job.report)
    return findings_import.report_from_json(job.report)
