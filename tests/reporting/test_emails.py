"""Issuing emails the report: HTML and plain text, the PDF attached, to the distribution list.

Each recipient gets one email per version, however often the task runs; a failed send is
tried again later; an exec lead's copy puts their own actions first.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import override_settings

from actions.models import Status
from reporting import services, tasks
from reporting.models import Delivery, ExceptionReport, ReportEmail
from tests.factories import ActionFactory, PlanFactory

from .conftest import london, pdf_text, requires_pdftotext, submit, travel, week

SITE = "https://improvement.trust.example.nhs.uk"
SUBJECT = "Exception report: CQC improvement plan 2026 — Week ending Wed 25 Nov 2026"


@pytest.fixture
def plan(db):
    """The plan's first week ends Wed 25 Nov 2026."""
    return PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=dt.date(2026, 11, 19))


@pytest.fixture
def report(plan, lead, don, md, pmo, exec_lead, medical_director):
    """The week ending Wed 25 Nov locked with a Red DoN action and an Amber MD action."""
    t1 = ActionFactory(plan=plan, ref="T1", action_lead=lead)
    t1.exec_roles.set([don])
    m1 = ActionFactory(plan=plan, ref="M1", action_lead=lead)
    m1.exec_roles.set([md])
    period = week(plan, dt.date(2026, 11, 25))
    submit(t1, period, Status.RED, "Recruitment delayed.")
    submit(m1, period, Status.AMBER, "Audit slipped.")
    with travel(london(2026, 11, 25, 12, 1)):
        tasks.sweep()
    for who, role in [
        (exec_lead, "Executive lead (DoN)"),
        (medical_director, "Executive lead (MD)"),
    ]:
        services.distribution_entry_add(
            plan=plan, name=who.get_full_name(), email=who.email, role=role, by=pmo
        )
    services.distribution_entry_add(
        plan=plan, name="Sam Jones", email="sam.jones@trust.example.nhs.uk", role="Ops", by=pmo
    )
    return ExceptionReport.objects.get()


def issue(report, pmo, capture):
    with capture(execute=True), travel(london(2026, 11, 25, 15)):
        issued, _ = services.report_issue(report=report, by=pmo)
    return issued


def actions_part(text: str) -> str:
    """The report after its summary: the actions, grouped by exec lead."""
    return text[text.index("Actions by exec lead") :]


def message_to(address: str):
    (message,) = [m for m in mail.outbox if any(address in to for to in m.to)]
    return message


@override_settings(SITE_URL=SITE)
def test_issuing_emails_everyone_on_the_list_once_with_subject_links_and_pdf(
    report, pmo, django_capture_on_commit_callbacks
):
    issue(report, pmo, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "Helen Carter <helen.carter@trust.example.nhs.uk>",
        "Raj Patel <raj.patel@trust.example.nhs.uk>",
        "Sam Jones <sam.jones@trust.example.nhs.uk>",
    ]
    message = message_to("sam.jones@")
    assert message.subject == SUBJECT
    assert message.from_email == "improvement-plan@localhost"
    assert f"{SITE}/exception-reports/{report.pk}/" in message.body
    assert f"{SITE}/exception-reports/{report.pk}/pdf/" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{SITE}/exception-reports/{report.pk}/"' in html
    ((name, content, pdf_type),) = message.attachments
    assert (name, pdf_type) == ("exception-report-2026-11-25.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert set(ReportEmail.objects.values_list("status", flat=True)) == {Delivery.SENT}


def test_the_email_holds_no_control_or_invisible_characters_typed_into_the_plan(
    report, pmo, django_capture_on_commit_callbacks
):
    ExceptionReport.objects.filter(pk=report.pk).update(
        commentary="Recruitment\x07 delayed\u202e.\u200b\ufeff"
    )
    report.refresh_from_db()
    issue(report, pmo, django_capture_on_commit_callbacks)

    unsafe = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e\ufeff]")
    message = message_to("sam.jones@")
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        assert not unsafe.search(text)
    assert "Recruitment delayed." in message.body and "Recruitment delayed." in html


def test_running_the_send_task_again_sends_nothing_more(
    report, pmo, django_capture_on_commit_callbacks
):
    issue(report, pmo, django_capture_on_commit_callbacks)
    assert tasks.send_report_emails(report.pk) == 0
    with travel(london(2026, 11, 25, 16)):
        tasks.sweep()
    assert len(mail.outbox) == 3
    assert ReportEmail.objects.count() == 3


@requires_pdftotext
def test_an_exec_leads_copy_puts_their_own_actions_first(
    report, pmo, django_capture_on_commit_callbacks, tmp_path
):
    issue(report, pmo, django_capture_on_commit_callbacks)
    md_copy = message_to("raj.patel@")
    assert "Your actions: MD · Medical Director · Raj Patel" in md_copy.body
    assert "Amber: M1" in md_copy.body
    md_pdf = actions_part(pdf_text(md_copy.attachments[0][1], tmp_path))
    assert md_pdf.index("MD · Medical Director") < md_pdf.index("DoN · Director of Nursing")
    everyone = actions_part(pdf_text(message_to("sam.jones@").attachments[0][1], tmp_path))
    assert everyone.index("DoN · Director of Nursing") < everyone.index("MD · Medical Director")
    assert "Your actions" not in message_to("sam.jones@").body


def test_the_recipients_are_those_on_the_list_when_it_was_issued(
    report, pmo, django_capture_on_commit_callbacks
):
    issue(report, pmo, django_capture_on_commit_callbacks)
    services.distribution_entry_add(
        plan=report.period.plan, name="Late Comer", email="late@trust.example.nhs.uk", by=pmo
    )
    with travel(london(2026, 11, 26, 9)):
        tasks.sweep()
    assert not [m for m in mail.outbox if "late@" in m.to[0]]


def test_a_failed_send_is_marked_and_tried_again_by_the_sweep(
    report, pmo, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send

    def refuse_sam(self, *args, **kwargs):
        if "sam.jones@" in self.to[0]:
            raise ConnectionRefusedError("SMTP server down")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_sam)
    issue(report, pmo, django_capture_on_commit_callbacks)
    failed = ReportEmail.objects.get(email="sam.jones@trust.example.nhs.uk")
    assert (failed.status, failed.attempts) == (Delivery.FAILED, 1)
    assert "SMTP server down" in failed.error
    assert len(mail.outbox) == 2

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    with travel(london(2026, 11, 25, 15, 2)):
        result = tasks.sweep()
    assert result["emails_retried"] == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Delivery.SENT, 2)
    assert len(mail.outbox) == 3


def test_a_row_claimed_by_a_worker_that_died_is_not_sent_again(
    report, pmo, django_capture_on_commit_callbacks
):
    """At most once: a claim whose send never finished stays claimed rather than risk a double."""
    with travel(london(2026, 11, 25, 15)):
        services.report_issue(report=report, by=pmo)
    ReportEmail.objects.filter(email="sam.jones@trust.example.nhs.uk").update(
        status=Delivery.SENDING, attempts=1
    )
    assert tasks.send_report_emails(report.pk) == 2
    assert not [m for m in mail.outbox if "sam.jones@" in m.to[0]]


def test_the_automatic_issue_says_so_in_the_email(report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), travel(london(2026, 11, 26, 12, 1)):
        tasks.sweep()
    message = message_to("sam.jones@")
    assert "Issued automatically at Thursday 12:00 because it had not been issued." in message.body


def test_a_correction_is_emailed_with_its_reason(report, pmo, django_capture_on_commit_callbacks):
    issue(report, pmo, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    correction = services.report_correct(report=report, reason="M1 is Amber, not Red", by=pmo)
    issue(correction, pmo, django_capture_on_commit_callbacks)
    message = message_to("sam.jones@")
    assert message.subject == SUBJECT + " (correction, version 2)"
    assert "Reason: M1 is Amber, not Red" in message.body
    assert message.attachments[0][0] == "exception-report-2026-11-25-v2.pdf"
