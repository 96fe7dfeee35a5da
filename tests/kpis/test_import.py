"""The PMO imports KPI values from a spreadsheet: preview first, all or nothing."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from kpis.importer import kpi_values_import, read_import
from kpis.models import KpiValue, KpiValueReplaced

from .factories import KpiFactory, KpiValueFactory


@pytest.fixture
def kpis(plan, owner):
    return (
        KpiFactory(plan=plan, ref="K1", name="Children streamed within 15 minutes", owner=owner),
        KpiFactory(plan=plan, ref="", name="Falls per 1,000 bed days", unit="", owner=owner),
    )


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_CSV = (
    b"Improvement plan KPIs\n"
    b"\n"
    b"KPI ref,KPI name,Date,Value\n"
    b"K1,,30/09/2026,81.5%\n"
    b"k1,,2026-10-31,84\n"
    b',"falls per 1,000 bed days",31/10/2026,4.2\n'
)


def test_a_good_csv_records_every_value(plan, kpis, pmo):
    report = kpi_values_import(plan=plan, data=GOOD_CSV, filename="kpis.csv", by=pmo)

    assert report.ok, report.errors
    assert report.summary() == "3 new, 0 replaced, 0 unchanged"
    k1, falls = kpis
    assert list(k1.values.values_list("date", "value")) == [
        (dt.date(2026, 9, 30), 81.5),
        (dt.date(2026, 10, 31), 84.0),
    ]
    assert falls.values.get().entered_by == pmo


def test_an_xlsx_with_real_dates_and_numbers_is_read(plan, kpis, pmo):
    data = _xlsx(
        [
            ["KPI ref", "Date", "Value"],
            ["K1", dt.datetime(2026, 10, 31), 84],
            ["K1", dt.datetime(2026, 9, 30), 80.25],
        ]
    )

    report = kpi_values_import(plan=plan, data=data, filename="kpis.xlsx", by=pmo)

    assert report.ok, report.errors
    assert sorted(KpiValue.objects.values_list("value", flat=True)) == [80.25, 84.0]


def test_the_preview_says_which_values_replace_others_and_saves_nothing(plan, kpis, pmo):
    KpiValueFactory(kpi=kpis[0], date=dt.date(2026, 10, 31), value=70)

    report = read_import(plan=plan, data=GOOD_CSV, filename="kpis.csv")

    assert [r.outcome for r in report.rows] == ["New", "Replaces 70", "New"]
    assert KpiValue.objects.count() == 1


def test_a_replaced_value_is_kept_with_the_files_name(plan, kpis, pmo):
    KpiValueFactory(kpi=kpis[0], date=dt.date(2026, 10, 31), value=70)

    kpi_values_import(plan=plan, data=GOOD_CSV, filename="kpis.csv", by=pmo)

    replaced = KpiValueReplaced.objects.get()
    assert (replaced.old_value, replaced.new_value, replaced.source) == (70, 84, "kpis.csv")


def test_row_errors_are_listed_by_row_and_nothing_is_saved(plan, kpis, pmo):
    data = (
        b"KPI ref,KPI name,Date,Value\n"
        b"K1,,30/09/2026,81.5\n"  # good, but not saved: another row is wrong
        b"K9,,30/09/2026,3\n"
        b"K1,,31/13/2026,3\n"
        b"K1,,31/12/2026,3\n"
        b"K1,,31/08/2026,lots\n"
        b"K1,,30/09/2026,82\n"
    )

    report = kpi_values_import(plan=plan, data=data, filename="kpis.csv", by=pmo)

    assert not report.ok
    assert report.errors == [
        "Row 3: no KPI “K9” in this plan; use a KPI's ref or its name exactly as the KPI "
        "list shows it.",
        "Row 4: “31/13/2026” is not a date (write it as 30/04/2026).",
        "Row 5: 31/12/2026 is in the future. Values are entered once they are measured: give "
        "a date on or before today (23/11/2026).",
        "Row 6: “lots” is not a number.",
        "Row 7: row 2 already gives K1 Children streamed within 15 minutes a value for 30/09/2026.",
    ]
    assert not KpiValue.objects.exists()


def test_a_file_without_the_columns_says_which_to_add(plan, kpis, pmo):
    report = read_import(plan=plan, data=b"Date,Value\n30/09/2026,3\n", filename="kpis.csv")

    assert report.errors == [
        "Row 1 names the date and value columns but not the KPI: add a column “KPI ref” or "
        "“KPI name”."
    ]


def test_a_file_over_the_row_cap_is_refused(plan, kpis, pmo, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = ("KPI ref,Date,Value\n" + "K1,30/09/2026,1\n" * 5).encode()

    report = read_import(plan=plan, data=data, filename="kpis.csv")

    assert "more than 3 rows" in report.errors[0]


def test_the_pmo_previews_then_confirms_an_upload(client, plan, kpis, pmo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pmo)
    upload = io.BytesIO(GOOD_CSV)
    upload.name = "kpis.csv"

    preview = client.post(reverse("kpi_import", args=[plan.pk]), {"file": upload})

    assert preview.status_code == 200
    assert "Check the values before saving" in preview.content.decode()
    assert not KpiValue.objects.exists()
    token = preview.context["token"]
    response = client.post(reverse("kpi_import_confirm", args=[plan.pk]), {"token": token})
    assert response.status_code == 302
    assert KpiValue.objects.count() == 3
    again = client.post(reverse("kpi_import_confirm", args=[plan.pk]), {"token": token})
    assert again.status_code == 302  # a used preview is not used twice
    assert KpiValue.objects.count() == 3


def test_an_upload_with_errors_shows_them_and_offers_no_confirm(client, plan, kpis, pmo):
    client.force_login(pmo)
    upload = io.BytesIO(b"KPI ref,Date,Value\nK9,30/09/2026,1\n")
    upload.name = "kpis.csv"

    response = client.post(reverse("kpi_import", args=[plan.pk]), {"file": upload})

    html = response.content.decode()
    assert "The file has errors; nothing was saved" in html
    assert "Row 2: no KPI" in html
    assert "Confirm import" not in html


def test_only_the_pmo_imports_values(client, plan, kpis, owner, exec_lead):
    for user in (owner, exec_lead):
        client.force_login(user)
        assert client.get(reverse("kpi_import", args=[plan.pk])).status_code == 403
        assert client.post(reverse("kpi_import_confirm", args=[plan.pk])).status_code == 403
