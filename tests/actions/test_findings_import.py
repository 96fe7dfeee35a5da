"""Importing a new report's findings from a spreadsheet in the trust's own layout.

The fixture is seed 001's December 2020 findings as a trust keeps them: a title row,
"Action No." holding M1…M3 and S1…S33, "Core Service", "Domain", "CQC Finding".
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse

from actions.inspections import findings_import, mapping
from actions.inspections.views import PENDING_KEY
from actions.models import (
    Finding,
    FindingColumnMapping,
    FindingKind,
    HistoryEntry,
    ImportJob,
    KeyQuestion,
)
from tests.actions.imports import worker_runs_after_each_request  # noqa: F401
from tests.factories import ActionFactory, InspectionFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "cqc-findings-december-2020.csv"
TRUST = "Example NHS Foundation Trust"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def inspection(db):
    return InspectionFactory(provider=TRUST)


def fixture_rows() -> list[list[str]]:
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client, inspection, data: bytes, name: str):
    return client.post(
        reverse("findings_import", args=[inspection.pk]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


def columns_url(inspection) -> str:
    return reverse("findings_import_columns", args=[inspection.pk])


def mapping_post(response, **overrides) -> dict:
    """What the columns page posts as shown: its preselected columns and kind values."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# The trust's layout through the mapping ---------------------------------------------------


def test_seed_001_findings_in_the_trusts_layout_import_through_the_mapping(client, pmo, inspection):
    client.force_login(pmo)
    response = upload(client, inspection, xlsx(fixture_rows()), "CQC findings Dec 2020.xlsx")
    # The worker reads the file; its page then sends the PMO on to the columns.
    assert response.redirect_chain[-1][0] == columns_url(inspection)

    page = client.get(columns_url(inspection))
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("Action No. (column A)", "Core Service (column B)", "CQC Finding (column D)"):
        assert label in text
    assert "Header on row 3; 36 rows below it." in text
    form = page.context["form"]
    # Recognised headings are preselected; the kind is read from the ref (M1, S1).
    assert form["column-ref"].value() == "0"
    assert form["column-kind"].value() == "0"
    assert form["column-core_service"].value() == "1"
    assert form["column-key_question"].value() == "2"
    assert form["column-text"].value() == "3"
    assert [f.label for f in form.kind_fields] == ["“M1” (and M2, M3)", "“S1” (and S2, S3)"]
    assert [f.value() for f in form.kind_fields] == [FindingKind.MUST, FindingKind.SHOULD]

    preview = client.post(columns_url(inspection), mapping_post(page), follow=True)
    assert preview.status_code == 200
    report = preview.context["report"]
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (36, 0, 0)
    assert Finding.objects.count() == 0  # a preview saves no finding

    done = client.post(
        reverse("findings_import_confirm", args=[inspection.pk]),
        {"token": preview.context["token"]},
        follow=True,
    )
    assert done.status_code == 200
    assert (
        "Findings imported from CQC findings Dec 2020.xlsx: 36 new, 0 changed, 0 unchanged."
        in done.content.decode()
    )
    kinds = dict(
        Finding.objects.filter(inspection=inspection).values_list("kind").annotate(n=Count("id"))
    )
    assert kinds == {FindingKind.MUST: 3, FindingKind.SHOULD: 33}
    s31 = Finding.objects.get(inspection=inspection, ref="S31")
    assert s31.kind == FindingKind.SHOULD  # should do 31, not a Section 31 condition
    assert s31.core_service == "Diagnostic Imaging"
    assert s31.key_question == KeyQuestion.SAFE
    assert s31.text == "The trust should ensure that staff are up to date with mandatory training."
    assert Finding.objects.get(ref="S30").key_question == KeyQuestion.WELL_LED


def test_the_mapping_is_remembered_for_the_trusts_next_file(client, pmo, inspection):
    """Headings nobody would guess; the PMO maps them once; the next file comes preselected."""
    first = [
        ["Item", "Area", "Type", "Narrative", "KLOE area"],
        ["A-1", "Surgery", "Req", "Theatre checklists must be audited.", "Safe"],
        ["A-2", "Surgery", "Rec", "Consider a surgical dashboard.", "Well led"],
    ]
    client.force_login(pmo)
    upload(client, inspection, csv_bytes(first), "first.csv")
    page = client.get(columns_url(inspection))
    form = page.context["form"]
    assert form["column-ref"].value() == ""  # nothing recognised yet
    req, rec = (f.name for f in form.kind_fields)
    response = client.post(
        columns_url(inspection),
        mapping_post(
            page,
            **{
                "column-ref": "0",
                "column-core_service": "1",
                "column-kind": "2",
                "column-text": "3",
                "column-key_question": "4",
                req: FindingKind.MUST,
                rec: FindingKind.SHOULD,
            },
        ),
        follow=True,
    )
    assert response.context["report"].created == 2
    remembered = FindingColumnMapping.objects.get(provider=TRUST)
    assert remembered.columns == {
        "ref": "Item",
        "core_service": "Area",
        "kind": "Type",
        "text": "Narrative",
        "key_question": "KLOE area",
    }
    assert remembered.kind_values == {"req": FindingKind.MUST, "rec": FindingKind.SHOULD}
    assert remembered.updated_by == pmo

    # Another inspection of the same trust; the columns come in another order.
    later = InspectionFactory(provider=TRUST)
    second = [
        ["Narrative", "Type", "Item", "Area", "KLOE area"],
        ["Theatre lists must start on time.", "Req", "B-1", "Surgery", "Responsive"],
    ]
    upload(client, later, csv_bytes(second), "second.csv")
    page = client.get(columns_url(later))
    form = page.context["form"]
    assert [form[f"column-{n}"].value() for n in ("text", "kind", "ref", "core_service")] == [
        "0",
        "1",
        "2",
        "3",
    ]
    assert [f.value() for f in form.kind_fields] == [FindingKind.MUST]
    assert "as the last file from Example NHS Foundation Trust was mapped" in page.content.decode()


def test_errors_are_listed_by_row_and_column_and_nothing_is_saved(client, pmo, inspection):
    rows = [
        ["Action No.", "Core Service", "Domain", "CQC Finding"],
        ["M1", "Maternity", "Safe", "Anaesthetists must complete PROMPT training."],
        ["", "Surgery", "Safe", "A finding with no number."],
        ["M1", "Surgery", "Safe", "A second M1."],
        ["S1", "Medicine", "Kind", "Audits in line with targets."],
        ["S2", "Medicine", "Effective", ""],
    ]
    client.force_login(pmo)
    upload(client, inspection, csv_bytes(rows), "findings.csv")
    page = client.get(columns_url(inspection))
    preview = client.post(columns_url(inspection), mapping_post(page), follow=True)
    report = preview.context["report"]
    assert [(e.line, e.column, e.value, e.message) for e in report.errors] == [
        (3, "Action No.", "", "Every finding needs a reference; this one is blank."),
        (3, "Action No.", "", "The kind is blank: write Must do or Should do (or M1, S1)."),
        (4, "Action No.", "M1", "This reference is also on row 2."),
        (5, "Domain", "Kind", "Write Safe, Effective, Caring, Responsive or Well-led."),
        (6, "CQC Finding", "", "The finding's text is blank."),
    ]
    text = preview.content.decode()
    assert "The file has errors; nothing was saved" in text
    assert "Confirm import" not in text
    # The preview never stored a mapping to apply: confirming is refused.
    response = client.post(
        reverse("findings_import_confirm", args=[inspection.pk]),
        {"token": client.session[PENDING_KEY]["token"]},
    )
    assert Finding.objects.count() == 0
    assert response.status_code == 302


def test_a_reupload_updates_changed_findings_and_keeps_their_links(client, pmo, inspection):
    """Same refs update the findings (their links to actions stay); nothing is duplicated."""
    rows = fixture_rows()
    client.force_login(pmo)
    upload(client, inspection, csv_bytes(rows), "first.csv")
    page = client.get(columns_url(inspection))
    preview = client.post(columns_url(inspection), mapping_post(page), follow=True)
    client.post(
        reverse("findings_import_confirm", args=[inspection.pk]),
        {"token": preview.context["token"]},
    )
    m1 = Finding.objects.get(inspection=inspection, ref="M1")
    action = ActionFactory(ref="T3")
    mapping.finding_link(finding=m1, action=action, by=pmo)

    changed = [list(r) for r in rows]
    changed[3][3] = "The trust must ensure that all anaesthetists complete PROMPT training."
    upload(client, inspection, csv_bytes(changed), "second.csv")
    page = client.get(columns_url(inspection))
    preview = client.post(columns_url(inspection), mapping_post(page), follow=True)
    report = preview.context["report"]
    assert (report.created, report.updated, report.unchanged) == (0, 1, 35)
    assert report.rows[0].changes == {
        "What the report says": [m1.text, changed[3][3]],
    }
    client.post(
        reverse("findings_import_confirm", args=[inspection.pk]),
        {"token": preview.context["token"]},
    )
    m1.refresh_from_db()
    assert m1.text == changed[3][3]
    assert list(m1.actions.all()) == [action]
    assert Finding.objects.filter(inspection=inspection).count() == 36


def test_changing_the_kind_column_asks_to_check_its_values(client, pmo, inspection):
    rows = [
        ["Ref", "Must/should", "Finding"],
        ["1", "Must do", "Staff must complete mandatory training."],
        ["2", "Should do", "Staff should store records securely."],
    ]
    client.force_login(pmo)
    upload(client, inspection, csv_bytes(rows), "findings.csv")
    page = client.get(columns_url(inspection))
    form = page.context["form"]
    assert form["column-kind"].value() == "1"
    assert [f.value() for f in form.kind_fields] == [FindingKind.MUST, FindingKind.SHOULD]
    # The PMO points the kind at the Ref column: its values (1, 2) need a meaning.
    data = mapping_post(page, **{"column-kind": "0"})
    response = client.post(columns_url(inspection), data)
    assert response.status_code == 422
    assert "The kind column changed" in response.content.decode()
    assert [f.label for f in response.context["form"].kind_fields] == ["“1”", "“2”"]
    assert Finding.objects.count() == 0


def test_confirm_needs_the_preview_token(client, pmo, inspection):
    client.force_login(pmo)
    upload(client, inspection, xlsx(fixture_rows()), "findings.xlsx")
    page = client.get(columns_url(inspection))
    client.post(columns_url(inspection), mapping_post(page), follow=True)
    response = client.post(
        reverse("findings_import_confirm", args=[inspection.pk]), {"token": "forged"}
    )
    assert response.status_code == 302
    assert "nothing was saved" in messages_of(response)[0]
    assert Finding.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("findings.txt", b"M1,Maternity", "Upload the findings as .xlsx or .csv."),
        ("findings.xlsx", b"not a workbook", "not a readable Excel workbook"),
        ("findings.csv", b"just a title\n\n", "No header row found in the first 20 rows"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_clearly(
    client, pmo, inspection, name, data, message
):
    client.force_login(pmo)
    response = upload(client, inspection, data, name)
    assert message in response.content.decode()
    assert "Choose the columns" not in response.content.decode()
    assert not ImportJob.objects.filter(state=ImportJob.State.COLUMNS).exists()


def test_the_columns_page_without_an_upload_sends_the_pmo_back(client, pmo, inspection):
    client.force_login(pmo)
    response = client.get(columns_url(inspection))
    assert response.status_code == 302
    assert response.url == reverse("findings_import", args=[inspection.pk])


@pytest.mark.parametrize("role", ["Action lead", "Board member", "Executive lead"])
def test_only_the_pmo_imports_findings(client, inspection, role):
    client.force_login(UserFactory(roles=[role]))
    urls = [
        reverse("findings_import", args=[inspection.pk]),
        columns_url(inspection),
        reverse("findings_import_confirm", args=[inspection.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, {"token": "x"}).status_code == 403, url
    assert upload(client, inspection, csv_bytes(fixture_rows()), "f.csv").status_code == 403
    assert Finding.objects.count() == 0
    assert not ImportJob.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, inspection):
    response = client.get(reverse("findings_import", args=[inspection.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# The service on its own ---------------------------------------------------------------------


def test_kind_cells_are_read_with_their_numbers_taken_off():
    assert findings_import.kind_pattern("M1") == "m"
    assert findings_import.kind_pattern("S 12") == "s"
    assert findings_import.kind_pattern("RN2") == "rn"
    assert findings_import.kind_pattern("Must do") == "must do"
    assert findings_import.kind_pattern("Section 31") == "section 31"
    assert findings_import.KIND_GUESSES["m"] == FindingKind.MUST
    assert findings_import.KIND_GUESSES["section 31"] == FindingKind.SECTION_31


def test_key_questions_are_read_as_trusts_write_them():
    assert findings_import.key_question_for("Well Led") == KeyQuestion.WELL_LED
    assert findings_import.key_question_for("Is it safe?") == KeyQuestion.SAFE
    assert findings_import.key_question_for("") == ""
    assert findings_import.key_question_for("Safe and effective") is None


def test_service_import_is_all_or_nothing(pmo, inspection):
    table = findings_import.findings_table_read(csv_bytes(fixture_rows()), "f.csv")
    mapping = findings_import.ColumnMapping(
        columns={"ref": 0, "kind": 0, "core_service": 1, "key_question": 2, "text": 3},
        kind_values={"m": FindingKind.MUST},  # the shoulds' "S" is not mapped
    )
    report = findings_import.findings_import(
        inspection=inspection, table=table, mapping=mapping, dry_run=False
    )
    assert not report.ok
    assert len(report.errors) == 33
    assert report.errors[0].line == 7  # S1, under the title, blank and header rows
    assert Finding.objects.count() == 0
    assert not HistoryEntry.objects.exists()
