"""Hostile spreadsheets: the plan and findings imports stay small and say what is wrong.

A workbook's sheet XML can claim ``A1:XFD1048576`` in a few bytes; read naively that is
10^10 cells. A CSV cell longer than Python's csv field limit used to give a 500.
"""

from __future__ import annotations

import csv
import io
import re
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.importer import plan_import
from actions.models import Action, ImportJob
from tests.actions.imports import worker_runs_after_each_request  # noqa: F401
from tests.factories import InspectionFactory, PlanFactory

pytestmark = pytest.mark.django_db

HEADER = ["Ref.", "Theme", "Dept", "Must do / should do", "Requirement and actions", "RAGB"]
ROW = ["T1", "Risk", "Trust wide", "Must do", "Risk: the Trust must act.", "G"]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(db):
    return PlanFactory(inspection=InspectionFactory())


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def claims_whole_sheet(data: bytes, far_cell: bool = True) -> bytes:
    """The workbook rewritten to claim A1:XFD1048576, with a cell in its far corner."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body, found = re.subn(
                    rb"<dimension ref=\"[^\"]*\" ?/>", b'<dimension ref="A1:XFD1048576"/>', body
                )
                assert found == 1
                if far_cell:
                    body = body.replace(
                        b"</sheetData>",
                        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                        b"</c></row></sheetData>",
                    )
            target.writestr(info.filename, body)
    return out.getvalue()


def measured(call):
    """(result, seconds, peak bytes traced) of ``call()``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak


# The workbook that claims the whole sheet ----------------------------------------------


def test_a_workbook_claiming_a_whole_sheet_is_read_quickly_in_little_memory(plan):
    data = claims_whole_sheet(xlsx([HEADER, ROW]), far_cell=False)
    assert len(data) < 6_000

    report, seconds, peak = measured(
        lambda: plan_import(plan=plan, data=data, filename="plan.xlsx", dry_run=False)
    )

    assert report.ok, report.errors
    assert report.created == 1
    assert seconds < 10
    assert peak < 20 * 1024 * 1024


def test_a_far_away_cell_past_the_caps_is_refused_quickly_in_little_memory(plan):
    data = claims_whole_sheet(xlsx([HEADER, ROW]))

    report, seconds, peak = measured(
        lambda: plan_import(plan=plan, data=data, filename="plan.xlsx", dry_run=False)
    )

    # The corner cell XFD1048576 is past both caps: it is not read, and nothing else is
    # there, so the file imports; what matters is that reading it stays small.
    assert seconds < 10
    assert peak < 20 * 1024 * 1024
    assert report.ok, report.errors
    assert Action.objects.filter(plan=plan).count() == 1


def test_more_rows_than_the_cap_is_a_clear_error(plan, settings):
    settings.IMPORT_MAX_ROWS = 50
    rows = [HEADER] + [[f"T{n}", *ROW[1:]] for n in range(1, 60)]

    for data, name in ((xlsx(rows), "plan.xlsx"), (_csv(rows), "plan.csv")):
        report = plan_import(plan=plan, data=data, filename=name)

        assert not report.ok
        assert report.errors[0].message.startswith("The file has more than 50 rows")
    assert Action.objects.count() == 0


def test_more_columns_than_the_cap_is_a_clear_error(plan, settings):
    settings.IMPORT_MAX_COLUMNS = 10
    rows = [HEADER, [*ROW, "", "", "", "", "column K"]]

    for data, name in ((xlsx(rows), "plan.xlsx"), (_csv(rows), "plan.csv")):
        report = plan_import(plan=plan, data=data, filename=name)

        assert not report.ok
        assert report.errors[0].message.startswith("The file has more than 10 columns")


def test_a_workbook_that_unpacks_too_large_is_refused(plan, settings):
    settings.IMPORT_MAX_XLSX_UNPACKED_BYTES = 2_000

    report = plan_import(plan=plan, data=xlsx([HEADER, ROW]), filename="plan.xlsx")

    assert not report.ok
    assert "unpacks to more than" in report.errors[0].message


# Through the pages ----------------------------------------------------------------------


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def too_long_cell_csv() -> bytes:
    return _csv([HEADER, [*ROW[:4], "x" * (csv.field_size_limit() + 1), "G"]])


def test_a_csv_cell_over_the_field_limit_is_a_clear_error_on_the_plan_import(client, pmo, plan):
    client.force_login(pmo)

    response = client.post(
        reverse("plan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.csv", too_long_cell_csv())},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Row 2 has a cell longer than 131,072 characters" in page
    assert "Confirm import" not in page
    assert ImportJob.objects.get().state == ImportJob.State.REFUSED
    assert Action.objects.count() == 0


def test_a_csv_cell_over_the_field_limit_is_a_clear_error_on_the_findings_import(client, pmo):
    inspection = InspectionFactory()
    client.force_login(pmo)

    response = client.post(
        reverse("findings_import", args=[inspection.pk]),
        {"file": SimpleUploadedFile("findings.csv", too_long_cell_csv())},
        follow=True,
    )

    page = response.content.decode()
    assert "Row 2 has a cell longer than 131,072 characters" in page
    assert "The file has errors; nothing was saved" in page
    assert ImportJob.objects.get().state == ImportJob.State.REFUSED


def test_the_findings_import_refuses_the_whole_sheet_workbook_quickly(client, pmo):
    inspection = InspectionFactory()
    client.force_login(pmo)
    data = claims_whole_sheet(xlsx([["Action No.", "Core Service", "CQC Finding"]] * 2))

    response, seconds, peak = measured(
        lambda: client.post(
            reverse("findings_import", args=[inspection.pk]),
            {"file": SimpleUploadedFile("findings.xlsx", data)},
        )
    )

    assert seconds < 10
    assert peak < 30 * 1024 * 1024
    assert response.status_code == 302
    # Read as a two-row table: on to the columns page.
    assert ImportJob.objects.get().state == ImportJob.State.COLUMNS


def test_the_findings_import_says_when_the_file_has_too_many_rows(client, pmo, settings):
    settings.IMPORT_MAX_ROWS = 20
    inspection = InspectionFactory()
    client.force_login(pmo)
    rows = [["Action No.", "Core Service", "CQC Finding"]] + [
        [f"M{n}", "Maternity", "Text"] for n in range(1, 30)
    ]

    response = client.post(
        reverse("findings_import", args=[inspection.pk]),
        {"file": SimpleUploadedFile("findings.xlsx", xlsx(rows))},
        follow=True,
    )

    assert "The file has more than 20 rows" in response.content.decode()


def test_only_the_pmo_can_upload_a_plan_file(client, lead, plan):
    client.force_login(lead)

    response = client.post(
        reverse("plan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.csv", too_long_cell_csv())},
    )

    assert response.status_code == 403
