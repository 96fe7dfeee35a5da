"""The finished board pack sent to each committee's distribution list (PMO only): recorded
who, when, to which committee and which version; once per committee and version unless
sent again; failures recorded and tried again by the sweep, like the exception report's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from actions.models import Role
from reporting import services as report_services
from reporting import tasks
from reporting.board import services
from reporting.models import BoardReport, BoardReportSending, Committee, Delivery
from tests.factories import UserFactory

from .conftest import london, travel

PDF = b"%PDF-1.7 the board pack"
QUALITY = "Jane Smith <jane.smith@trust.example.nhs.uk>\nquality.committee@trust.example.nhs.uk"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def december():
    with travel(london(2026, 12, 2, 10)):
        yield


def ready(plan, pmo, version: int = 1) -> BoardReport:
    report = BoardReport(
        plan=plan,
        month=dt.date(2026, 11, 1),
        version=version,
        paper_title="CQC improvement plan: progress update, November 2026",
        requested_by=pmo,
        requested_at=london(2026, 12, 1, 9),
        status=BoardReport.State.READY,
        progress=100,
    )
    report.pdf.save("board-report-2026-11.pdf", ContentFile(PDF), save=False)
    report.save()
    return report


@pytest.fixture
def report(plan, pmo):
    return ready(plan, pmo)


@pytest.fixture
def quality(plan, pmo):
    return services.committee_add(plan=plan, name="Quality Committee", recipients=QUALITY, by=pmo)


def send(client, report, committee, **extra):
    data = {"committee": committee.pk, **extra}
    return client.post(reverse("board_report_send", args=[report.pk]), data)


def test_pmo_sends_the_pdf_to_the_committees_list_and_it_is_recorded(
    client, report, quality, pmo, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, report, quality)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [
        "Jane Smith <jane.smith@trust.example.nhs.uk>",
        "quality.committee@trust.example.nhs.uk",
    ]
    assert "Quality Committee" in message.subject
    [(filename, content, mimetype)] = message.attachments
    assert (filename, content, mimetype) == ("board-report-2026-11.pdf", PDF, "application/pdf")
    sending = BoardReportSending.objects.get()
    assert (sending.committee_name, sending.report.version, sending.requested_by) == (
        "Quality Committee",
        1,
        pmo,
    )
    assert sending.status == Delivery.SENT and sending.requested_at == london(2026, 12, 2, 10)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Sent to committees" in page and "Send again to Quality Committee" in page


def test_each_version_goes_to_a_committee_once_unless_sent_again(
    client, report, quality, pmo, django_capture_on_commit_callbacks
):
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, report, quality)
        send(client, report, quality)  # a second press: refused, with when and by whom
    assert len(mail.outbox) == 1
    with pytest.raises(ValidationError, match="was sent to Quality Committee on 2 Dec 2026"):
        services.board_report_send(report=report, committee=quality, by=pmo)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, report, quality, again="1")
    assert len(mail.outbox) == 2
    assert list(BoardReportSending.objects.order_by("round").values_list("round", flat=True)) == [
        1,
        2,
    ]
    # A new version is a new paper: it goes to the committee once more.
    version_2 = ready(report.plan, pmo, version=2)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, version_2, quality)
    assert len(mail.outbox) == 3


def test_a_large_pdf_is_sent_as_a_link(
    client, report, quality, pmo, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "ATTACH_MAX_BYTES", 10)
    client.force_login(pmo)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, report, quality)
    [message] = mail.outbox
    assert message.attachments == []
    assert reverse("board_report_pdf", args=[report.pk]) in message.body
    assert BoardReportSending.objects.get().as_link


def test_a_failed_send_is_recorded_and_the_sweep_tries_again(
    report, quality, pmo, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def down(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", down)
    with django_capture_on_commit_callbacks(execute=True):
        services.board_report_send(report=report, committee=quality, by=pmo)
    sending = BoardReportSending.objects.get()
    assert sending.status == Delivery.FAILED and "mail server down" in sending.error
    monkeypatch.setattr(EmailMessage, "send", real_send)
    with travel(london(2026, 12, 2, 10, 6)):
        report_services.reports_sweep()
    sending.refresh_from_db()
    assert sending.status == Delivery.SENT and sending.attempts == 2
    assert len(mail.outbox) == 1
    # Run again, the task sends nothing more.
    assert tasks.send_board_report_to_committee(sending.pk) is False
    assert len(mail.outbox) == 1


def test_a_report_not_yet_made_cannot_be_sent(plan, pmo, quality):
    report = BoardReport.objects.create(
        plan=plan,
        month=dt.date(2026, 11, 1),
        paper_title="Progress update",
        requested_by=pmo,
        requested_at=london(2026, 12, 1, 9),
    )
    with pytest.raises(ValidationError, match="not made yet"):
        services.board_report_send(report=report, committee=quality, by=pmo)
    assert not BoardReportSending.objects.exists()


def test_a_list_with_a_line_that_is_not_an_address_is_refused(client, plan, pmo):
    client.force_login(pmo)
    response = client.post(
        reverse("board_committees", args=[plan.pk]),
        {"name": "Board", "recipients": "chair@trust.example.nhs.uk\nthe chair's PA"},
    )
    assert response.status_code == 422
    assert "the chair's PA" in response.context["form"].errors["recipients"][0]
    assert not Committee.objects.exists()
    response = client.post(
        reverse("board_committees", args=[plan.pk]),
        {"name": "Trust Board", "recipients": "Chair <chair@trust.example.nhs.uk>"},
    )
    assert response.status_code == 302
    assert Committee.objects.get().addresses == [("Chair", "chair@trust.example.nhs.uk")]


@pytest.mark.parametrize("role", [Role.BOARD, Role.EXEC_LEAD, Role.ACTION_LEAD])
def test_only_the_pmo_sends_and_keeps_the_committees(client, report, quality, role):
    client.force_login(UserFactory(username="someone", roles=[role]))
    assert send(client, report, quality).status_code == 403
    assert client.get(reverse("board_committees", args=[report.plan_id])).status_code == 403
    remove = reverse("board_committee_remove", args=[quality.pk])
    assert client.post(remove).status_code == 403
    assert not BoardReportSending.objects.exists() and Committee.objects.exists()
    if role == Role.BOARD:  # the board reads the report, without the sending section
        page = client.get(report.get_absolute_url()).content.decode()
        assert "Send to a committee" not in page


def test_the_board_reports_page_links_the_pmo_to_the_committees(client, plan, pmo, report):
    client.force_login(pmo)
    page = client.get(reverse("board_reports", args=[plan.pk])).content.decode()
    assert reverse("board_committees", args=[plan.pk]) in page
