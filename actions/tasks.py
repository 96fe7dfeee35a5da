"""Thin Celery tasks: each calls one service and is safe to run twice."""

from celery import shared_task

from . import import_previews, services


@shared_task
def lock_due_periods() -> int:
    """Lock every period whose deadline has passed (the schedule is each plan's data)."""
    return len(services.periods_lock_due())


@shared_task
def expire_import_previews() -> int:
    """Delete the uploads behind import previews nobody confirmed in time (hourly)."""
    return import_previews.import_previews_expire()


@shared_task
def import_job_preview(job_id: int) -> str:
    """Read and check an uploaded plan or findings file into its preview."""
    from .import_jobs import import_job_preview

    return import_job_preview(job_id=job_id).state


@shared_task
def import_job_apply(job_id: int) -> str:
    """Import a confirmed preview, all or nothing."""
    from .import_jobs import import_job_apply

    return import_job_apply(job_id=job_id).state


@shared_task
def prepare_suggestions(inspection_id: int | None = None, plan_id: int | None = None) -> int:
    """Embed an inspection's findings and a plan's open actions ahead of the mapping page."""
    from .inspections.suggestions import ModelMissing, suggestion_vectors_prepare

    try:
        return suggestion_vectors_prepare(inspection_id=inspection_id, plan_id=plan_id)
    except ModelMissing:  # the mapping page says so; nothing to prepare without the model
        return 0
