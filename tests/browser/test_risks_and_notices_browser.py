"""The risk register and the conditions report in a real browser, on a phone and a desktop:
the board reads them; axe finds nothing; nothing scrolls sideways at 390 px."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from actions.models import Role, Status
from programme import notices, risks
from programme.models import Alignment, ConditionStatus, NoticeKind, RiskKind
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(frozen_now):
    plan = PlanFactory(name="CQC improvement plan 2026")
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    m1 = ActionFactory(plan=plan, ref="M1", action_lead=lead, status=Status.AMBER)
    m2 = ActionFactory(plan=plan, ref="M2", action_lead=lead, status=Status.GREEN)
    baf = risks.risk_create(
        plan=plan,
        kind=RiskKind.BAF,
        reference="BAF 1",
        title="If we do not optimise quality outcomes we will not provide outstanding care",
        owner_name="Director of Nursing",
        likelihood=4,
        consequence=5,
    )
    risks.risk_links_set(risk=baf, actions=[m1, m2])
    risks.risk_create(
        plan=plan,
        reference="R1234",
        title="Deteriorating patient: NEWS2 escalation not consistently followed",
        score=12,
        theme="Deteriorating patient",
        alignment=Alignment.NEEDS_UPDATE,
    )
    risks.risk_create(
        plan=plan,
        title="End of life care: DNACPR decisions not documented",
        theme="End of life care",
        alignment=Alignment.NOT_ON_REGISTER,
    )
    notice = notices.notice_create(
        plan=plan,
        kind=NoticeKind.SECTION_31,
        reference="Maternity services",
        deadline=dt.date(2027, 1, 31),
    )
    first = notices.condition_create(
        notice=notice, text="CTG training for every midwife", deadline=dt.date(2026, 1, 1)
    )
    notices.condition_links_set(condition=first, actions=[m1])
    second = notices.condition_create(
        notice=notice, text="Weekly staffing report", status=ConditionStatus.MET
    )
    notices.condition_links_set(condition=second, actions=[m2])
    warning = notices.notice_create(plan=plan, kind=NoticeKind.SECTION_29A, reference="Medicine")
    notices.condition_create(notice=warning, text="Deteriorating patient escalation")
    return plan


def _fits(page, width: int) -> None:
    assert page_width(page) <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_the_board_reads_the_risk_register(page, plan, width):
    UserFactory(username="board", roles=[Role.BOARD])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "board")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Risks and BAF").click()

    expect(
        page.get_by_role("heading", level=1, name="Risks and Board Assurance Framework")
    ).to_be_visible()
    expect(page.get_by_text("20 Extreme")).to_be_visible()
    expect(page.get_by_role("link", name="Add a risk")).to_have_count(0)
    expect(page.get_by_text("Risks identified once themed")).to_be_visible()
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_role("link", name="If we do not optimise quality outcomes").click()
    expect(page.get_by_role("heading", level=2, name="Linked actions")).to_be_visible()
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_board_reads_the_conditions_report(page, plan, width):
    UserFactory(username="board", roles=[Role.BOARD])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "board")
    page.goto(f"/plans/{plan.pk}/notices/")
    expect(page.get_by_role("heading", level=1, name="Regulatory notices")).to_be_visible()
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)

    page.get_by_role("link", name="Conditions report").click()
    expect(page.get_by_role("heading", level=1, name="Conditions report")).to_be_visible()
    expect(page.get_by_role("heading", name="Condition 1 Overdue")).to_be_visible()
    expect(page.get_by_role("table", name="Notices and conditions by kind")).to_contain_text("29A")
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    _fits(page, width)
    assert not (violations := run_axe(page)), describe_violations(violations)


def test_the_pmo_links_a_condition_to_an_action(page, plan):
    UserFactory(username="pmo", roles=[Role.PMO])
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/conditions-report/")
    page.get_by_role("link", name="Edit condition 1 and its links").first.click()
    page.get_by_label("Actions").fill("M1, M2")
    page.get_by_role("button", name="Save the condition").click()

    expect(page.get_by_text("Condition 1 saved.")).to_be_visible()
    _fits(page, 390)
    assert not (violations := run_axe(page)), describe_violations(violations)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_pmos_risk_and_notice_forms_fit_and_pass_axe(page, plan, width):
    UserFactory(username="pmo", roles=[Role.PMO])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "pmo")
    for path, heading in [
        (f"/plans/{plan.pk}/risks/new/", "Add a risk"),
        (f"/plans/{plan.pk}/risks/import/", "Import risks from a spreadsheet"),
        (f"/plans/{plan.pk}/notices/new/", "Add a regulatory notice"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        _fits(page, width)
        assert not (violations := run_axe(page)), (path, describe_violations(violations))
    page.goto(f"/plans/{plan.pk}/risks/new/")
    page.get_by_role("button", name="Add the risk").click()
    expect(page.get_by_text("Enter the risk's title.").first).to_be_visible()
    assert not (violations := run_axe(page)), describe_violations(violations)
