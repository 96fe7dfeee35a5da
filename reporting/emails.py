"""The emails: the issued report (HTML, plain text, the PDF attached) and the reminders.

Messages are composed here and sent by the services, which claim each one in the database
first. Links are absolute (``SITE_URL``): they are read in a mail client.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from actions.models import Action, ReportingPeriod
from improvement import text as typed

from .pdf import pdf_filename
from .presenter import present
from .unsubscribe import unsubscribe_path


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def report_subject(document: dict[str, Any]) -> str:
    """'Exception report: <plan> — Week ending Wed 25 Nov 2026', saying so if corrected."""
    content = document["content"]
    subject = f"Exception report: {content['plan']['name']} — {content['period']['label']}"
    version = document.get("version", 1)
    if version > 1:
        subject += f" (correction, version {version})"
    return subject


def report_message(
    *,
    document: dict[str, Any],
    to: str,
    name: str,
    first_codes: Iterable[str],
    pdf: bytes,
    connection=None,
) -> EmailMultiAlternatives:
    """One recipient's copy: their own actions first, in the body and in the PDF."""
    report = present(document, first_codes=first_codes)
    report_id = document["report_id"]
    context = {
        "report": report,
        "name": name,
        "report_url": absolute(reverse("exception_report", args=[report_id])),
        "pdf_url": absolute(reverse("exception_report_pdf", args=[report_id])),
        "list_url": absolute(reverse("exception_report_list")),
    }
    # No control or invisible characters from what people typed (narratives, comments).
    message = EmailMultiAlternatives(
        subject=typed.clean(report_subject(document)),
        body=typed.clean(render_to_string("reporting/email/report.txt", context)),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[f"{name} <{to}>" if name else to],
        connection=connection,
    )
    message.attach_alternative(
        typed.clean(render_to_string("reporting/email/report.html", context)), "text/html"
    )
    message.attach(pdf_filename(document), pdf, "application/pdf")
    return message


def reminder_message(
    *,
    lead,
    period: ReportingPeriod,
    actions: list[Action],
    nudge: bool,
    connection=None,
) -> EmailMultiAlternatives:
    """The lead's open actions still to update, each with a link straight to its form."""
    plan = period.plan
    deadline = period.local_deadline
    due = f"{deadline:%A} {deadline.day} {deadline:%B} {deadline:%H:%M}"
    count = len(actions)
    noun = "action" if count == 1 else "actions"
    if nudge:
        subject = f"The PMO asks you to update {count} {noun} by {due}: {plan.name}"
    else:
        subject = f"Reminder: update {count} {noun} by {due}: {plan.name}"
    context = {
        "lead": lead,
        "name": lead.get_full_name() or lead.get_username(),
        "plan": plan,
        "period": period,
        "due": due,
        "nudge": nudge,
        "items": [
            {
                "action": action,
                "update_url": absolute(reverse("action_update", args=[action.pk])),
            }
            for action in actions
        ],
        "my_actions_url": absolute(reverse("my_actions")),
    }
    headers = {}
    if not nudge:
        unsubscribe = absolute(unsubscribe_path(plan_id=plan.pk, user_id=lead.pk))
        context["unsubscribe_url"] = unsubscribe
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reporting/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[lead.email],
        connection=connection,
        headers=headers,
    )
    message.attach_alternative(
        render_to_string("reporting/email/reminder.html", context), "text/html"
    )
    return message
