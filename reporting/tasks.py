"""Thin Celery tasks for the reports: each takes ids, calls a service, and is safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def sweep() -> dict:
    """Build drafts after locks, issue overdue reports, send due reminders (every plan),
    and queue again any public PDF lost on the way."""
    from .publication.services import publications_pdf_requeue

    result = services.reports_sweep()
    return {
        "built": [r.pk for r in result.built],
        "issued": [r.pk for r in result.issued],
        "reminders": result.reminders,
        "emails_retried": result.emails_retried,
        "publication_pdfs_requeued": publications_pdf_requeue(),
    }


@shared_task
def send_report_emails(report_id: int) -> int:
    """Email an issued report to every recipient not yet sent it."""
    return services.report_emails_send(report_id=report_id)


@shared_task
def send_board_report_to_committee(sending_id: int) -> bool:
    """Email a finished board report to one committee's list; safe to run twice."""
    from .board.services import board_report_sending_deliver

    return board_report_sending_deliver(sending_id=sending_id)


@shared_task
def render_pdf_board_report(report_id: int) -> str:
    """Make one board highlight report's PDF (queue "pdf", by its name) and tell the PMO."""
    from .board.services import board_report_render

    return board_report_render(report_id=report_id).status


@shared_task
def render_pdf_publication(publication_id: int) -> bool:
    """Make one public publication's PDF (queue "pdf", by its name); safe to run twice."""
    from .publication.services import publication_pdf_render

    return publication_pdf_render(publication_id=publication_id)
