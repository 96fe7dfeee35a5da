"""Importing a plan as trusts keep it: preview, errors by row and column, all or nothing."""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from actions.importer import ImportFileError, header_row_find, plan_import, rows_under_header
from actions.models import Action, ExecRole, Finding, HistoryEntry, PlanEvent, Status
from actions.selectors import status_by_kind
from tests.factories import InspectionFactory, PlanFactory

DEMO_CSV = Path(settings.BASE_DIR) / "fixtures" / "ccc-improvement-plan-2019.csv"
HEADER = (
    "Ref.,Theme,Dept,Must do / should do,Requirement and actions,RAGB,Exec lead,Start date,End date"
)


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


@pytest.fixture
def plan(db):
    return PlanFactory(inspection=InspectionFactory())


def test_demo_plan_imports_33_actions_matching_table_1_of_the_paper(plan):
    report = plan_import(
        plan=plan, data=DEMO_CSV.read_bytes(), filename=DEMO_CSV.name, dry_run=False
    )

    assert report.ok, report.errors
    assert report.created == 33
    table = status_by_kind(plan.actions.all())
    assert [table.count("must", s) for s in "RAGB"] == [0, 1, 11, 2]
    assert [table.count("should", s) for s in "RAGB"] == [0, 3, 14, 2]
    assert Finding.objects.filter(inspection=plan.inspection).count() == 33


def test_untidy_cells_are_read_as_the_paper_writes_them(plan):
    plan_import(plan=plan, data=DEMO_CSV.read_bytes(), filename=DEMO_CSV.name, dry_run=False)

    t3 = Action.objects.get(plan=plan, ref="T3")
    assert t3.exec_lead_label == "DOps/DWOD"  # written "DOps DWOD"
    assert Action.objects.get(plan=plan, ref="T5").exec_lead_label == "DOps/MD"
    assert Action.objects.get(plan=plan, ref="G9").exec_lead_label == ""  # empty exec lead
    t6 = Action.objects.get(plan=plan, ref="T6")
    assert t6.end_date == dt.date(2019, 9, 30)  # written 30.09.19
    assert t3.start_date == dt.date(2019, 1, 1)  # written 01/01/19
    assert Action.objects.get(plan=plan, ref="D1").status == Status.BLUE


def test_reimporting_the_same_file_changes_nothing(plan):
    plan_import(plan=plan, data=DEMO_CSV.read_bytes(), filename=DEMO_CSV.name, dry_run=False)
    history_before = HistoryEntry.objects.count()
    versions_before = list(plan.actions.order_by("id").values_list("version", flat=True))

    report = plan_import(
        plan=plan, data=DEMO_CSV.read_bytes(), filename=DEMO_CSV.name, dry_run=False
    )

    assert (report.created, report.updated, report.unchanged) == (0, 0, 33)
    assert HistoryEntry.objects.count() == history_before
    assert list(plan.actions.order_by("id").values_list("version", flat=True)) == versions_before


def test_changed_file_updates_by_ref_and_history_records_before_and_after(plan):
    plan_import(plan=plan, data=DEMO_CSV.read_bytes(), filename=DEMO_CSV.name, dry_run=False)
    changed = DEMO_CSV.read_text().replace(
        "(including basic life, immediate life support and advanced life support) deployed "
        'within the service at all times. Regulation 18",A,',
        "(including basic life, immediate life support and advanced life support) deployed "
        'within the service at all times. Regulation 18",G,',
    )
    assert changed != DEMO_CSV.read_text()

    preview = plan_import(plan=plan, data=changed.encode(), filename="plan.csv", dry_run=True)
    assert preview.updated == 1
    assert preview.rows[[r.ref for r in preview.rows].index("T3")].changes == {"RAGB": ["A", "G"]}
    assert Action.objects.get(plan=plan, ref="T3").status == Status.AMBER  # preview saved nothing

    plan_import(plan=plan, data=changed.encode(), filename="plan.csv", dry_run=False)
    t3 = Action.objects.get(plan=plan, ref="T3")
    assert t3.status == Status.GREEN
    entry = t3.history.filter(kind=HistoryEntry.Kind.IMPORTED).get()
    assert entry.changes == {"status": ["A", "G"]}
    assert PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED).count() == 2


def test_a_bad_date_names_row_column_and_value_and_saves_nothing(plan):
    data = _csv(
        "X1,Risk,Trust wide,Must do,Risk: the Trust must act.,G,CE,01/01/19,30/06/19",
        "X2,Risk,Trust wide,Should do,Risk: the Trust should act.,G,CE,01/01/19,31/13/19",
    )

    report = plan_import(plan=plan, data=data, filename="plan.csv", dry_run=False)

    assert not report.ok
    assert [(e.line, e.column, e.value) for e in report.errors] == [(3, "End date", "31/13/19")]
    assert "DD/MM/YY" in report.errors[0].message
    assert Action.objects.count() == 0
    assert ExecRole.objects.count() == 0


def test_unknown_status_and_kind_are_reported_per_cell(plan):
    data = _csv("X1,Risk,Trust wide,Could do,Risk text,Purple,CE,01/01/19,30/06/19")

    report = plan_import(plan=plan, data=data, filename="plan.csv")

    assert sorted((e.column, e.value) for e in report.errors) == [
        ("Must do / should do", "Could do"),
        ("RAGB", "Purple"),
    ]


def test_end_before_start_is_refused(plan):
    data = _csv("X1,Risk,Trust wide,Must do,Risk text,G,CE,30/06/19,01/01/19")

    report = plan_import(plan=plan, data=data, filename="plan.csv", dry_run=False)

    assert [e.message for e in report.errors] == ["The end date must not be before the start date."]
    assert Action.objects.count() == 0


def test_duplicate_ref_in_the_file_is_refused(plan):
    data = _csv(
        "X1,Risk,Trust wide,Must do,Risk text,G,CE,01/01/19,30/06/19",
        "X1,Risk,Trust wide,Must do,Other text,G,CE,01/01/19,30/06/19",
    )

    report = plan_import(plan=plan, data=data, filename="plan.csv")

    assert [(e.line, e.value) for e in report.errors] == [(3, "X1")]
    assert "also on row 2" in report.errors[0].message


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("plan.pdf", b"%PDF-1.4", "Upload the plan as .xlsx or .csv"),
        ("plan.xlsx", b"this is not a workbook", "not a readable Excel workbook"),
        ("plan.csv", b"Name,Age\nA,1\n", "No header row found"),
        ("plan.csv", b"Ref.,Theme,Dept\nX1,Risk,Trust wide\n", "no column for Must do / should do"),
    ],
)
def test_a_wrong_file_gets_a_clear_error(plan, filename, data, expected):
    report = plan_import(plan=plan, data=data, filename=filename, dry_run=False)

    assert not report.ok
    assert expected in report.errors[0].message
    assert Action.objects.count() == 0


def test_xlsx_with_title_row_blank_rows_and_real_dates_imports(plan):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["The Clatterbridge Cancer Centre Improvement Plan"])
    sheet.append([])
    sheet.append([])
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "R1",
            "Risk",
            "Trust wide",
            "Must do",
            "Risk: assess all risks.",
            "G",
            "CE",
            dt.datetime(2019, 3, 29),
            dt.datetime(2019, 5, 31),
        ]
    )
    sheet.append([])
    sheet.append(
        [
            "G2",
            "Governance",
            "Trust wide",
            "Should do",
            "Complaints.",
            "B",
            "DoN",
            dt.datetime(2019, 3, 29),
            "30/06/19",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    report = plan_import(plan=plan, data=buffer.getvalue(), filename="plan.xlsx", dry_run=False)

    assert report.ok, report.errors
    assert report.header_line == 4
    assert [r.line for r in report.rows] == [5, 7]
    r1 = Action.objects.get(plan=plan, ref="R1")
    assert (r1.start_date, r1.end_date) == (dt.date(2019, 3, 29), dt.date(2019, 5, 31))
    assert Action.objects.get(plan=plan, ref="G2").status == Status.BLUE


def test_control_and_invisible_characters_are_taken_out_of_every_imported_cell(plan):
    data = _csv(
        "\x01T9\u200b,\x1fTraining\ufeff,Surgery\u202e,Must do\x7f,"
        "\x01=SUM(A1) then train,G\x02,DoN\u2060,01/01/26,30/06/26"
    )

    report = plan_import(plan=plan, data=data, filename="plan.csv", dry_run=False)

    assert report.ok, report.errors
    action = Action.objects.get(plan=plan)
    assert (action.ref, action.theme, action.department) == ("T9", "Training", "Surgery")
    assert action.requirement == "=SUM(A1) then train"
    assert (action.kind, action.status, action.exec_lead_label) == ("must", Status.GREEN, "DoN")


def test_import_plan_command_dry_run_saves_nothing(plan, capsys):
    call_command("import_plan", str(DEMO_CSV), "--dry-run", "--plan", str(plan.pk))

    assert "Would import: 33 new" in capsys.readouterr().out
    assert Action.objects.count() == 0


def test_import_plan_command_fails_loudly_on_errors(plan, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("X1,Risk,Trust wide,Must do,Risk text,G,CE,someday,30/06/19"))

    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_plan", str(bad), "--plan", str(plan.pk))
    assert Action.objects.count() == 0


@pytest.mark.parametrize(("title_rows", "found"), [(19, True), (20, False)])
def test_the_header_is_looked_for_in_the_first_20_rows(plan, title_rows, found):
    """Titles and notes above the header are passed over, up to row 20 and no further."""
    rows = ["CQC improvement plan"] * title_rows + [HEADER]
    data = "\n".join([*rows, "X1,Risk,Trust wide,Must do,Risk text,G,CE,01/01/19,30/06/19"])

    report = plan_import(plan=plan, data=data.encode(), filename="plan.csv")

    if found:
        assert report.ok, report.errors
        assert report.header_line == 20
    else:
        assert "No header row found in the first 20 rows. The plan needs" in (
            report.errors[0].message
        )


def test_plan_findings_and_kpi_imports_search_for_the_header_alike():
    """One search serves every import: each row tested in turn, then the next test."""
    cells = [["Title"], ["", ""], ["Ref", "Text"], ["M1", "Staff must be trained"]]

    assert header_row_find(cells, lambda row: "Ref" in row, needs=".") == 2
    assert (
        header_row_find(cells, lambda row: "Missing" in row, lambda row: len(row) == 2, needs="")
        == 1
    )
    assert rows_under_header(cells, 2) == [(4, ["M1", "Staff must be trained"])]
    with pytest.raises(ImportFileError, match="in the first 20 rows: it needs a Ref column"):
        header_row_find(cells, lambda row: "Missing" in row, needs=": it needs a Ref column")
