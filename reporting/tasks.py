"""Thin Celery tasks for the reports: each calls services and is safe to run twice."""

from celery import shared_task


@shared_task
def sweep() -> None:
    """Build drafts after locks, issue overdue reports, send due reminders."""
