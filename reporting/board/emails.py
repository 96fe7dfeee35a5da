"""The email that tells the PMO a board report is ready to download."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from ..emails import absolute
from ..models import BoardReport


def board_report_ready_message(*, report: BoardReport, to) -> EmailMessage:
    name = to.get_full_name() or to.get_username()
    context = {
        "report": report,
        "plan": report.plan,
        "name": name,
        "report_url": absolute(reverse("board_report", args=[report.pk])),
        "pdf_url": absolute(reverse("board_report_pdf", args=[report.pk])),
    }
    return EmailMessage(
        subject=f"{report.title} is ready: {report.plan.name}",
        body=render_to_string("reporting/board/email/ready.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[f"{name} <{to.email}>"],
    )


def board_report_committee_message(*, sending, pdf: bytes | None) -> EmailMessage:
    """The finished pack to one committee's list: the PDF attached, or a link if too large."""
    from email.utils import formataddr

    from .pdf import pdf_filename

    report = sending.report
    context = {
        "report": report,
        "plan": report.plan,
        "committee": sending.committee_name,
        "sender": sending.requested_by.get_full_name() or sending.requested_by.get_username()
        if sending.requested_by
        else "The PMO",
        "attached": pdf is not None,
        "pdf_url": absolute(reverse("board_report_pdf", args=[report.pk])),
    }
    message = EmailMessage(
        subject=f"{report.title} for {sending.committee_name}: {report.plan.name}",
        body=render_to_string("reporting/board/email/committee.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((name, email)) for name, email in sending.recipients],
    )
    if pdf is not None:
        document = {
            "month": {"key": f"{report.month:%Y-%m}"},
            "report": {"version": report.version},
        }
        message.attach(pdf_filename(document), pdf, "application/pdf")
    return message
