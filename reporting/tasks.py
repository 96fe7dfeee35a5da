"""Thin Celery tasks for the reports: each takes ids, calls a service, and is safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def sweep() -> dict:
    """Build drafts after locks, issue overdue reports, send due reminders (every plan)."""
    result = services.reports_sweep()
    return {
        "built": [r.pk for r in result.built],
        "issued": [r.pk for r in result.issued],
        "reminders": result.reminders,
        "emails_retried": result.emails_retried,
    }


@shared_task
def send_report_emails(report_id: int) -> int:
    """Email an issued report to every recipient not yet sent it."""
    return services.report_emails_send(report_id=report_id)
