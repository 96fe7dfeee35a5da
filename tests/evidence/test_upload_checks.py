"""Files are checked by name, content and size; a refused file leaves nothing behind."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import services
from evidence.files import ALLOWED_MESSAGE, MACROS_MESSAGE
from evidence.models import Evidence

from . import samples
from .conftest import stored_files, upload


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("register.pdf", samples.PDF, "application/pdf"),
        ("ward.PNG", samples.PNG, "image/png"),
        ("photo.jpg", samples.JPEG, "image/jpeg"),
        ("photo.jpeg", samples.JPEG, "image/jpeg"),
        ("chart.gif", samples.GIF, "image/gif"),
        ("policy.doc", samples.DOC, "application/msword"),
        ("audit.xls", samples.XLS, "application/vnd.ms-excel"),
        ("slides.ppt", samples.PPT, "application/vnd.ms-powerpoint"),
        ("email.msg", samples.MSG, "application/vnd.ms-outlook"),
        (
            "policy.docx",
            samples.DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "audit.xlsx",
            samples.XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "slides.pptx",
            samples.PPTX,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("email.eml", samples.EML, "message/rfc822"),
    ],
)
def test_each_allowed_kind_is_stored_under_a_generated_name(
    action, lead, evidence_root, name, content, content_type
):
    evidence = services.evidence_add(
        action=action, by=lead, kind="file", file=upload(name, content), description="Proof"
    )

    assert evidence.original_name == name
    assert evidence.content_type == content_type
    assert evidence.size == len(content)
    (stored,) = stored_files(evidence_root)
    assert stored.read_bytes() == content
    assert name not in str(stored) and "." not in stored.name  # no user-chosen name or suffix
    assert stored.is_relative_to(evidence_root)


REFUSED = [
    ("ELF program renamed .pdf", "report.pdf", samples.ELF, "is not a real PDF"),
    ("Windows program renamed .pdf", "report.pdf", samples.MZ, "is not a real PDF"),
    ("web page renamed .png", "chart.png", samples.HTML, "is not a real PNG image"),
    ("web page renamed .eml", "mail.eml", samples.HTML_EML, "is not a real saved email"),
    ("text renamed .eml", "mail.eml", samples.TEXT_NOT_EMAIL, "is not a real saved email"),
    ("an xlsx renamed .docx", "policy.docx", samples.XLSX, "is not a real Word document"),
    ("a plain zip renamed .xlsx", "audit.xlsx", samples.PLAIN_ZIP, "is not a real Excel"),
    ("a .doc that is a spreadsheet", "policy.doc", samples.XLS, "is not a real Word document"),
    ("a PDF renamed .doc", "policy.doc", samples.PDF, "is not a real Word document"),
    ("a program", "setup.exe", samples.MZ, "is not a type of file we accept"),
    ("a web page", "page.html", samples.HTML, "is not a type of file we accept"),
    ("an SVG", "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a type of file"),
    ("no extension", "README", samples.PDF, "is not a type of file we accept"),
]


@pytest.mark.parametrize(
    ("case", "name", "content", "message"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_impostors_are_refused_with_what_is_allowed_and_nothing_is_stored(
    action, lead, evidence_root, case, name, content, message
):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action, by=lead, kind="file", file=upload(name, content), description="x"
        )

    (text,) = refused.value.message_dict["file"]
    assert message in text
    assert ALLOWED_MESSAGE in text
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


WITH_MACROS = [
    ("a Word 97 document with macros", "policy.doc", samples.DOC_WITH_MACROS),
    ("an Excel 97 workbook with macros", "audit.xls", samples.XLS_WITH_MACROS),
    ("an Excel 4.0 macro sheet", "audit.xls", samples.XLS_WITH_MACRO_SHEET),
    ("a PowerPoint 97 presentation with macros", "slides.ppt", samples.PPT_WITH_MACROS),
    ("macros behind filler", "slides.ppt", samples.PPT_WITH_MACROS_AFTER_FILLER),
    ("a document embedding a workbook with macros", "policy.doc", samples.DOC_WITH_EMBEDDED_MACROS),
    ("an email with a document with macros attached", "mail.msg", samples.MSG_WITH_MACROS_ATTACHED),
    ("a macro-enabled Word file renamed .docx", "policy.docx", samples.DOCX_WITH_MACROS),
]


@pytest.mark.parametrize(("case", "name", "content"), WITH_MACROS, ids=[r[0] for r in WITH_MACROS])
def test_office_files_with_macros_are_refused_and_nothing_is_stored(
    action, lead, evidence_root, case, name, content
):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action, by=lead, kind="file", file=upload(name, content), description="x"
        )

    assert refused.value.message_dict["file"] == [f"“{name}” {MACROS_MESSAGE}"]
    assert MACROS_MESSAGE == (
        "contains macros, which can carry viruses. Save it without macros (for example, as "
        ".docx, .xlsx or .pptx) and upload it again."
    )
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_upload_page_refuses_a_legacy_document_with_macros(client, action, lead, evidence_root):
    client.force_login(lead)

    response = client.post(
        reverse("evidence_add", args=[action.pk]),
        {"kind": "file", "file": upload("audit.xls", samples.XLS_WITH_MACROS), "description": "x"},
    )

    assert response.status_code == 422
    assert "“audit.xls” contains macros, which can carry viruses." in response.content.decode()
    assert stored_files(evidence_root) == []


def test_a_damaged_legacy_office_file_is_refused_with_what_to_do(action, lead, evidence_root):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action,
            by=lead,
            kind="file",
            file=upload("policy.doc", samples.OLE_DAMAGED),
            description="x",
        )

    assert refused.value.message_dict["file"] == [
        "“policy.doc” cannot be read: it starts like a Word document but the rest is damaged. "
        "Open it, save it again and upload it again."
    ]
    assert stored_files(evidence_root) == []


def test_a_workbook_protected_with_a_password_is_refused_as_it_cannot_be_checked(
    action, lead, evidence_root
):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action,
            by=lead,
            kind="file",
            file=upload("audit.xls", samples.XLS_WITH_PASSWORD),
            description="x",
        )

    assert refused.value.message_dict["file"] == [
        "“audit.xls” is protected with a password, so it cannot be checked for macros. "
        "Remove the password, save it and upload it again."
    ]
    assert stored_files(evidence_root) == []


def test_a_file_one_byte_over_the_limit_is_refused_and_not_stored(
    action, lead, evidence_root, settings
):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = len(samples.PDF) - 1

    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action,
            by=lead,
            kind="file",
            file=upload("big.pdf", samples.PDF),
            description="Too big",
        )

    assert "is larger than" in refused.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_a_file_exactly_at_the_limit_is_accepted(action, lead, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = len(samples.PDF)

    services.evidence_add(
        action=action, by=lead, kind="file", file=upload("ok.pdf", samples.PDF), description="x"
    )

    assert Evidence.objects.count() == 1


def test_the_default_limit_is_25_mb_and_the_page_says_so(client, action, lead):
    client.force_login(lead)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert "up to 25 MB" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", samples.ELF, "“report.pdf” is not a real PDF"),
        ("chart.png", samples.HTML, "“chart.png” is not a real PNG image"),
        ("setup.exe", samples.MZ, "“setup.exe” is not a type of file we accept"),
    ],
)
def test_upload_page_shows_the_refusal_and_what_is_allowed(
    client, action, lead, evidence_root, name, content, message
):
    client.force_login(lead)

    response = client.post(
        reverse("evidence_add", args=[action.pk]),
        {"kind": "file", "file": upload(name, content), "description": "Proof"},
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert message in page
    assert ALLOWED_MESSAGE in page
    assert "There is a problem" in page
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_upload_page_over_the_limit(client, action, lead, evidence_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    client.force_login(lead)

    response = client.post(
        reverse("evidence_add", args=[action.pk]),
        {"kind": "file", "file": upload("big.pdf", samples.PDF), "description": "Proof"},
    )

    assert response.status_code == 422
    assert "“big.pdf” is larger than 100 bytes" in response.content.decode()
    assert stored_files(evidence_root) == []


def test_a_blank_description_is_refused_before_anything_is_stored(action, lead, evidence_root):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action, by=lead, kind="file", file=upload("a.pdf", samples.PDF), description=" "
        )

    assert "description" in refused.value.message_dict
    assert stored_files(evidence_root) == []


def test_a_file_is_removed_if_the_database_write_fails(action, lead, evidence_root, monkeypatch):
    from evidence import services as evidence_services

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(evidence_services, "_history", broken)

    with pytest.raises(RuntimeError):
        services.evidence_add(
            action=action, by=lead, kind="file", file=upload("a.pdf", samples.PDF), description="x"
        )

    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []
