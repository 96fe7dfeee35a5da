"""The board highlight report's figures: Table 1, trajectory, as at the month's end, the PDF.

Hand-made plans with known answers; time frozen with time_machine, never slept on.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from PIL import Image

from actions import services as plan_services
from actions.models import ExecRole, FindingKind, Role, Status
from demo.seed import demo_seed
from evidence import services as evidence_services
from reporting.board.pdf import render_board_html, render_board_pdf
from reporting.board.services import board_report_document
from tests.factories import RECOVERY, PlanFactory, UserFactory

from .conftest import london, pdf_text, requires_pdftotext, travel

FEB = dt.date(2026, 2, 1)
MAR = dt.date(2026, 3, 1)


@pytest.fixture
def people(db):
    return {
        "pmo": UserFactory(username="pmo", roles=[Role.PMO]),
        "lead": UserFactory(username="lead", roles=[Role.ACTION_LEAD]),
        "reviewer": UserFactory(username="reviewer", roles=[Role.REVIEWER]),
    }


def create(plan, people, ref, *, kind=FindingKind.MUST, end=None, at=None, **fields):
    """An action made as the PMO makes one, so the history records when."""
    return plan_services.action_create(
        plan=plan,
        by=people["pmo"],
        now=at or london(2026, 1, 5, 9),
        ref=ref,
        kind=kind,
        requirement=fields.pop("requirement", f"{ref}: the Trust must act."),
        department=fields.pop("department", "Trust wide"),
        end_date=end,
        start_date=dt.date(2026, 1, 1),
        action_lead=people["lead"],
        status=fields.pop("status", Status.GREEN),
        **fields,
    )


def sign_off(action, people, at: dt.datetime):
    """The lead asks for closure with a note as evidence; a reviewer approves it at ``at``."""
    evidence = evidence_services.evidence_add(
        action=action,
        by=people["lead"],
        kind="note",
        description="Audit of compliance",
        note="Audit shows 95% compliance.",
        now=at - dt.timedelta(hours=2),
    )
    closure = evidence_services.closure_request(
        action=action,
        by=people["lead"],
        summary="Done and audited.",
        evidence=[evidence],
        now=at - dt.timedelta(hours=1),
    )
    return evidence_services.closure_approve(closure=closure, by=people["reviewer"], now=at)


# Table 1 from the demo plan -------------------------------------------------------------


@pytest.fixture
def demo_plan(db):
    with travel(london(2026, 11, 23, 10)), override_settings(DEBUG=True):
        return demo_seed()


@requires_pdftotext
def test_table_1_of_the_demo_plan_is_read_back_from_the_pdf(demo_plan, tmp_path):
    with travel(london(2026, 11, 23, 11)):
        document = board_report_document(plan=demo_plan, month=dt.date(2026, 11, 1))
    text = pdf_text(render_board_pdf(document), tmp_path)
    # Columns: Red, Amber, Green, Blue, White, Total; "-" for none (seed 000, Table 1).
    assert re.search(r"Must do actions \(14\)\s+-\s+1\s+11\s+2\s+-\s+14", text)
    assert re.search(r"Should do actions \(19\)\s+-\s+3\s+14\s+2\s+-\s+19", text)
    # Every Red and Amber action is in Table 2, and the appendix carries the keys.
    for ref in ("T3", "E1", "E2", "S4"):
        assert re.search(rf"\b{ref}\b.*Amber", text), ref
    assert "RAGB key" in text and "Role abbreviations key" in text
    assert "Director of Workforce and Organisational Development" in text
    assert re.search(r"Page 1 of \d+", text)
    assert "The Clatterbridge Cancer Centre NHS Foundation Trust" in text


def test_the_pdf_has_its_sections_in_the_outline_and_a_first_page_that_is_not_blank(
    demo_plan, tmp_path
):
    import weasyprint

    with travel(london(2026, 11, 23, 11)):
        document = board_report_document(plan=demo_plan, month=dt.date(2026, 11, 1))
    laid_out = weasyprint.HTML(string=render_board_html(document)).render()
    outline = [bookmark[0] for bookmark in laid_out.make_bookmark_tree()]
    assert outline == [
        "Cover sheet",
        "Status of actions by finding kind",
        "Off-track actions",
        "Progress against trajectory",
        "Progress by CQC key question",
        "Progress by department or division",
        "KPIs",  # the demo plan's KPIs, charted: it has no workstreams
        "Evidence assurance",
        "Update compliance",
        "Risks, mitigations and next steps",
        "Appendix: the improvement plan",
    ]
    assert {page.width < page.height for page in laid_out.pages} == {
        True,
        False,
    }  # A4, appendix landscape

    path = tmp_path / "report.pdf"
    path.write_bytes(render_board_pdf(document))
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path,
            tmp_path / "p1",
        ],
        check=True,
    )
    image = Image.open(tmp_path / "p1.png").convert("L")
    assert (image.width, image.height) == (331, 468)  # A4 portrait at 40 dpi
    dark = sum(image.histogram()[:200])  # pixels darker than light grey
    assert dark / (image.width * image.height) > 0.01, "the first page is blank"


# Trajectory ------------------------------------------------------------------------------


@pytest.fixture
def five_actions(plan, people):
    """Made on 5 Jan 2026. Due: A1 Jan, A2 Feb, A5 Mar (must); A3 Mar, A4 Apr (should).

    Signed off: A1 on 20 Jan, A2 on 5 Mar. Nothing completes in February.
    """
    actions = {
        "A1": create(plan, people, "A1", end=dt.date(2026, 1, 31)),
        "A2": create(plan, people, "A2", end=dt.date(2026, 2, 15)),
        "A3": create(plan, people, "A3", kind=FindingKind.SHOULD, end=dt.date(2026, 3, 31)),
        "A4": create(plan, people, "A4", kind=FindingKind.SHOULD, end=dt.date(2026, 4, 30)),
        "A5": create(plan, people, "A5", end=dt.date(2026, 3, 10)),
    }
    sign_off(actions["A1"], people, london(2026, 1, 20, 15))
    sign_off(actions["A2"], people, london(2026, 3, 5, 15))
    return actions


def test_trajectory_counts_planned_by_end_date_and_signed_off_by_month(plan, five_actions):
    with travel(london(2026, 4, 2, 9)):
        trajectory = board_report_document(plan=plan, month=MAR)["trajectory"]
    assert trajectory["months"] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    overall = trajectory["overall"]
    assert overall["total"] == 5
    assert overall["planned"] == [1, 2, 4]
    assert overall["actual"] == [1, 1, 2]  # February: no completions, the total stands
    assert overall["planned_pct"] == [20.0, 40.0, 80.0]
    assert overall["actual_pct"] == [20.0, 20.0, 40.0]
    assert overall["sentence"].startswith("40% against a trajectory of 80%")
    kinds = {k["kind"]: k for k in trajectory["by_kind"]}
    assert kinds["must"]["planned"] == [1, 2, 3] and kinds["must"]["actual"] == [1, 1, 2]
    assert kinds["must"]["sentence"].startswith("67% against a trajectory of 100%")
    assert kinds["should"]["planned"] == [0, 0, 1] and kinds["should"]["actual"] == [0, 0, 0]
    assert kinds["should"]["sentence"].startswith("0% against a trajectory of 50%")
    assert (trajectory["due_later"], trajectory["due_later_by"]) == (1, "April 2026")


def test_a_month_with_no_completions_reads_as_the_month_before(plan, five_actions):
    with travel(london(2026, 4, 2, 9)):
        february = board_report_document(plan=plan, month=FEB)
    assert february["trajectory"]["months"] == ["Jan 2026", "Feb 2026"]
    assert february["trajectory"]["overall"]["actual"] == [1, 1]
    assert february["trajectory"]["overall"]["sentence"].startswith(
        "20% against a trajectory of 40%"
    )
    # A2 was signed off in March: at the end of February it was still open.
    assert february["status_by_kind"]["rows"][0]["counts"] == [0, 0, 2, 1, 0]


def test_the_trajectory_starts_at_the_plans_first_month_before_anything_is_due(plan, five_actions):
    """A plan started in November 2025 shows its months before the first end date at 0%."""
    type(plan).objects.filter(pk=plan.pk).update(cycle_starts_on=dt.date(2025, 11, 12))
    plan.refresh_from_db()
    with travel(london(2026, 4, 2, 9)):
        trajectory = board_report_document(plan=plan, month=MAR)["trajectory"]
    assert trajectory["months"] == ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026"]
    assert trajectory["overall"]["planned"] == [0, 0, 1, 2, 4]
    assert trajectory["overall"]["actual"] == [0, 0, 1, 1, 2]


def test_a_reopened_action_stops_counting_as_complete(plan, five_actions, people):
    evidence_services.action_reopen(
        action=five_actions["A1"], by=people["pmo"], reason="Audit failed.", now=london(2026, 3, 20)
    )
    with travel(london(2026, 4, 2, 9)):
        overall = board_report_document(plan=plan, month=MAR)["trajectory"]["overall"]
    assert overall["actual"] == [1, 1, 1]


def test_an_empty_plan_gives_a_report_with_no_figures(plan):
    with travel(london(2026, 3, 10, 9)):
        document = board_report_document(plan=plan, month=MAR)
    assert document["totals"] == {"actions": 0, "complete": 0, "open": 0}
    assert document["trajectory"]["overall"]["sentence"] == "no actions"
    assert render_board_pdf(document).startswith(b"%PDF")


# As at the month's end -------------------------------------------------------------------


@pytest.fixture
def february_plan(db, people):
    """Weekly, Wednesday 12:00; two actions updated through February 2026."""
    plan = PlanFactory(name="Plan 2026", cycle_starts_on=dt.date(2026, 2, 1))
    don = ExecRole.objects.create(code="DoN", title="Director of Nursing")
    md = ExecRole.objects.create(code="MD", title="Medical Director")
    t1 = create(
        plan, people, "T1", end=dt.date(2026, 6, 30), exec_roles=[don], at=london(2026, 2, 2, 9)
    )
    t2 = create(
        plan,
        people,
        "T2",
        kind=FindingKind.SHOULD,
        end=dt.date(2026, 2, 27),
        exec_roles=[md],
        department="Medicine",
        at=london(2026, 2, 2, 9),
    )
    for n, monday in enumerate([2, 9, 16, 23]):
        now = london(2026, 2, monday, 10)
        period = plan_services.period_current_row(plan=plan, now=now)
        status, text = (Status.AMBER, f"Recruitment delayed, week {n + 1}.")
        plan_services.update_submit(
            recovery=RECOVERY,
            action=t1,
            period=period,
            author=people["lead"],
            status=status,
            narrative=text,
            now=now,
        )
        if n < 2:  # T2's lead misses the last two weeks
            plan_services.update_submit(
                action=t2,
                period=period,
                author=people["lead"],
                status=Status.GREEN,
                narrative="On plan",
                now=now,
            )
    plan_services.plan_lock_due(plan=plan, now=london(2026, 2, 25, 12, 1))
    return plan, {"T1": t1, "T2": t2, "DoN": don, "MD": md}


def test_the_report_shows_each_action_as_it_stood_at_the_months_end(february_plan):
    plan, _ = february_plan
    with travel(london(2026, 3, 2, 9)):
        document = board_report_document(plan=plan, month=FEB)
    assert document["as_at"] == {
        "moment": "2026-03-01T00:00:00+00:00",
        "complete": True,
        "label": "28 February 2026",
    }
    [row] = document["off_track"]
    assert (row["ref"], row["status_label"], row["exec_leads"]) == ("T1", "Amber", "DoN")
    assert row["narrative"] == "Recruitment delayed, week 4."
    assert row["narrative_date"] == "2026-02-23"


def test_update_compliance_is_the_share_in_by_the_deadline_per_exec_lead(february_plan):
    plan, _ = february_plan
    with travel(london(2026, 3, 2, 9)):
        compliance = board_report_document(plan=plan, month=FEB)["compliance"]
    assert len(compliance["periods"]) == 4
    rows = {r["code"]: r for r in compliance["rows"]}
    assert (rows["DoN"]["expected"], rows["DoN"]["on_time"], rows["DoN"]["share_pct"]) == (
        4,
        4,
        100.0,
    )
    assert (rows["MD"]["expected"], rows["MD"]["on_time"], rows["MD"]["missing"]) == (4, 2, 2)
    assert rows["MD"]["share_pct"] == 50.0
    assert compliance["total"]["share_pct"] == 75.0


def test_changing_the_plan_after_the_month_leaves_its_report_as_it_was(february_plan, people):
    plan, things = february_plan
    with travel(london(2026, 3, 2, 9)):
        before = board_report_document(plan=plan, month=FEB)
    t1, t2 = things["T1"], things["T2"]
    # March: T1 turns Red with a new narrative and is re-planned; T2 is signed off.
    now = london(2026, 3, 2, 10)
    period = plan_services.period_current_row(plan=plan, now=now)
    plan_services.update_submit(
        recovery=RECOVERY,
        action=t1,
        period=period,
        author=people["lead"],
        status=Status.RED,
        narrative="Escalated: no recruits.",
        now=now,
    )
    t1.refresh_from_db()
    plan_services.action_edit(
        action=t1,
        by=people["pmo"],
        base_version=t1.version,
        exec_roles=[things["MD"]],
        end_date=dt.date(2026, 9, 30),
        department="Surgery",
        kind=FindingKind.SHOULD,
        requirement="Rewritten requirement.",
        now=london(2026, 3, 3, 9),
    )
    sign_off(t2, people, london(2026, 3, 4, 15))
    create(plan, people, "T9", at=london(2026, 3, 5, 9))  # a new action in March

    with travel(london(2027, 5, 1, 9)):
        again = board_report_document(plan=plan, month=FEB)
        march = board_report_document(plan=plan, month=MAR)
    # Every figure and table is the same; only the cover's default date written moves on.
    figures = [{k: v for k, v in doc.items() if k != "cover"} for doc in (again, before)]
    assert figures[0] == figures[1]
    # ... while March's report shows the changes.
    assert [r["ref"] for r in march["off_track"]] == ["T1"]
    assert march["off_track"][0]["status_label"] == "Red"
    assert march["off_track"][0]["narrative"] == "Escalated: no recruits."
    assert march["totals"] == {"actions": 3, "complete": 1, "open": 2}


def test_a_narrative_replaced_after_the_month_is_shown_as_it_was(february_plan, people):
    plan, things = february_plan
    # The lead is given a late window on the last February week and rewrites T1's update.
    period = plan.periods.get(deadline__date=dt.date(2026, 2, 25))
    plan_services.late_window_grant(
        period=period,
        lead=people["lead"],
        expires_at=london(2026, 3, 6, 17),
        reason="Correction",
        by=people["pmo"],
        now=london(2026, 3, 2, 9),
    )
    plan_services.update_submit(
        action=things["T1"],
        period=period,
        author=people["lead"],
        status=Status.AMBER,
        narrative="Corrected text written in March.",
        now=london(2026, 3, 2, 10),
    )
    with travel(london(2026, 4, 1, 9)):
        document = board_report_document(plan=plan, month=FEB)
    assert document["off_track"][0]["narrative"] == "Recruitment delayed, week 4."


# Breakdowns, assurance and the command ----------------------------------------------------


def test_progress_by_department_and_evidence_assurance_of_the_month(plan, five_actions, people):
    with travel(london(2026, 4, 2, 9)):
        document = board_report_document(plan=plan, month=MAR)
    departments = {r["label"]: r for r in document["by_department"]["rows"]}
    assert departments["Trust wide"]["total"] == 5
    assert departments["Trust wide"]["complete_pct"] == 40.0
    assert [r["label"] for r in document["by_key_question"]["rows"]] == [
        "Key question not recorded"
    ]
    assurance = document["assurance"]
    assert (assurance["total"]["presented"], assurance["total"]["approved"]) == (1, 1)
    assert assurance["total"]["declined"] == 0


def test_the_pdf_holds_no_control_or_invisible_characters_typed_into_the_plan(plan, people):
    hostile = "Estates\x01 and\u202e facilities\u200b\x07"
    create(plan, people, "X1", department=hostile, requirement=hostile, status=Status.RED)
    with travel(london(2026, 4, 2, 9)):
        document = board_report_document(plan=plan, month=MAR)
    html = render_board_html(document)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e]", html)
    assert "Estates and facilities" in html


def test_the_command_writes_the_same_pdf_for_a_month(plan, five_actions, tmp_path):
    target = tmp_path / "board.pdf"
    with travel(london(2026, 4, 2, 9)):
        call_command("board_report", "--month", "2026-03", "--pdf", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("board_report", "--month", "March", "--pdf", str(target))
