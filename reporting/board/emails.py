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
