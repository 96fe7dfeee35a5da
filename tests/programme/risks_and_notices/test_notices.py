"""Regulatory notices: numbered conditions, links within the plan, overdue flags, counts with
29A and S31 apart, and the conditions report with each action's latest update."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from actions.models import Finding, FindingKind, ReportingPeriod, Status, WeeklyUpdate
from programme import notices as services
from programme.models import ConditionStatus, NoticeKind
from tests.factories import ActionFactory, InspectionFactory, PlanFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_conditions_are_numbered_in_turn_unless_given_a_number(plan):
    notice = services.notice_create(
        plan=plan, kind=NoticeKind.SECTION_31, reference="S31 Maternity"
    )

    first = services.condition_create(notice=notice, text="CTG training")
    second = services.condition_create(notice=notice, text="Fetal monitoring audit")
    fifth = services.condition_create(notice=notice, number=5, text="Weekly report to the CQC")

    assert [first.number, second.number, fifth.number] == [1, 2, 5]
    with pytest.raises(ValidationError):
        services.condition_create(notice=notice, number=2, text="Duplicate number")


def test_a_condition_links_to_actions_and_findings_of_its_plan(inspected_plan, finding):
    notice = services.notice_create(plan=inspected_plan, kind=NoticeKind.SECTION_31, reference="N1")
    condition = services.condition_create(notice=notice, text="CTG training")
    action = ActionFactory(plan=inspected_plan, ref="M1")

    services.condition_links_set(condition=condition, actions=[action], findings=[finding])

    assert list(action.notice_conditions.all()) == [condition]
    assert list(finding.notice_conditions.all()) == [condition]
    with pytest.raises(ValidationError):
        services.condition_links_set(
            condition=condition, actions=[ActionFactory(plan=PlanFactory())]
        )
    stranger = Finding.objects.create(
        inspection=InspectionFactory(), ref="X", kind=FindingKind.MUST, text="x"
    )
    with pytest.raises(ValidationError):
        services.condition_links_set(condition=condition, findings=[stranger])
    assert list(condition.actions.all()) == [action]


def test_an_open_condition_past_its_deadline_is_overdue_and_a_met_one_is_not(plan):
    notice = services.notice_create(
        plan=plan, kind=NoticeKind.SECTION_29A, reference="29A Medicine", deadline=TODAY
    )
    services.condition_create(notice=notice, text="Past", deadline=dt.date(2026, 10, 31))
    services.condition_create(
        notice=notice, text="Met", deadline=dt.date(2026, 10, 31), status=ConditionStatus.MET
    )
    services.condition_create(notice=notice, text="Due today, by the notice's deadline")

    [block] = services.conditions_report(plan, TODAY)

    assert [line.overdue for line in block.lines] == [True, False, False]
    assert block.lines[2].due == TODAY
    assert block.overdue_count == 1 and block.open_count == 2


def test_counts_show_29a_and_s31_apart(plan):
    s29a = services.notice_create(plan=plan, kind=NoticeKind.SECTION_29A, reference="W1")
    s31 = services.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference="C1")
    services.condition_create(notice=s29a, text="a", deadline=dt.date(2026, 1, 1))
    for n in range(3):
        services.condition_create(
            notice=s31, text=f"c{n}", status=ConditionStatus.MET if n else "open"
        )

    counts = {row["short"]: row for row in services.notice_counts(plan, TODAY)}

    assert set(counts) == {"29A", "S31"}
    assert (counts["29A"]["conditions"], counts["29A"]["overdue"]) == (1, 1)
    assert (counts["S31"]["conditions"], counts["S31"]["met"], counts["S31"]["open"]) == (3, 2, 1)


def test_the_conditions_report_shows_each_actions_latest_update(plan, lead):
    notice = services.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference="C1")
    condition = services.condition_create(notice=notice, text="CTG training")
    action = ActionFactory(plan=plan, ref="M1", action_lead=lead, status=Status.AMBER)
    services.condition_links_set(condition=condition, actions=[action])
    for day, words in [(4, "Older words"), (11, "Newest words")]:
        period = ReportingPeriod.objects.create(
            plan=plan, deadline=dt.datetime(2026, 11, day, 12, tzinfo=dt.UTC)
        )
        WeeklyUpdate.objects.create(
            action=action, period=period, status=Status.AMBER, narrative=words, author=lead,
            submitted_at=dt.datetime(2026, 11, day, 9, tzinfo=dt.UTC),
        )  # fmt: skip

    [block] = services.conditions_report(plan, TODAY)

    [shown] = block.lines[0].actions
    assert shown.latest_narrative == "Newest words"
    assert shown.latest_status == Status.AMBER


def test_the_conditions_report_reads_in_a_fixed_number_of_queries(plan, django_assert_num_queries):
    """Notices, conditions, their actions (with latest updates), exec roles and findings:
    five queries, not one per condition or action."""
    for n in range(3):
        notice = services.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference=f"C{n}")
        for _ in range(3):
            condition = services.condition_create(notice=notice, text="x")
            services.condition_links_set(
                condition=condition, actions=[ActionFactory(plan=plan), ActionFactory(plan=plan)]
            )

    with django_assert_num_queries(5):
        blocks = services.conditions_report(plan, TODAY)
        assert sum(len(line.actions) for b in blocks for line in b.lines) == 18


def test_board_notices_are_json_safe(plan):
    notice = services.notice_create(
        plan=plan, kind=NoticeKind.SECTION_31, reference="C1", deadline=dt.date(2026, 12, 1)
    )
    services.condition_create(notice=notice, text="CTG training")

    data = services.board_notices(plan, TODAY)

    import json

    assert json.loads(json.dumps(data)) == data
    assert data["notices"][0]["conditions"][0]["due"] == "2026-12-01"
    assert data["counts"][0]["short"] == "S31"


def test_the_conditions_report_pdf_prints_inside_the_margins(plan, lead, tmp_path):
    from programme.notice_pdf import render_conditions_pdf
    from tests.reporting.pdf_layout import pdf_pages, words_outside_printable_area

    notice = services.notice_create(
        plan=plan, kind=NoticeKind.SECTION_29A, reference="Medicine", deadline=TODAY
    )
    for n in range(6):
        condition = services.condition_create(
            notice=notice,
            text="The trust must ensure deteriorating patients are escalated in line with NEWS2. "
            * 3,
            deadline=dt.date(2026, 11, 1 + n),
        )
        action = ActionFactory(plan=plan, action_lead=lead, requirement="x")
        services.condition_links_set(condition=condition, actions=[action])
        period = ReportingPeriod.objects.create(
            plan=plan, deadline=dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)
        ) if n == 0 else ReportingPeriod.objects.get(plan=plan)  # fmt: skip
        WeeklyUpdate.objects.create(
            action=action, period=period, status=Status.RED, author=lead,
            narrative="Escalation audit: 72% compliance; recovery plan agreed with the DoN. " * 4,
            submitted_at=dt.datetime(2026, 11, 17, 9, tzinfo=dt.UTC),
        )  # fmt: skip
    blocks = services.conditions_report(plan, TODAY)
    context = {"plan": plan, "today": TODAY, "blocks": blocks, "counts": services.counts_of(blocks)}

    pages = pdf_pages(render_conditions_pdf(context), tmp_path)

    assert words_outside_printable_area(pages) == []
    text = " ".join(w.text for p in pages for w in p.words)
    assert "(overdue)" in text
