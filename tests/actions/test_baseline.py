"""An honest baseline and change control (issue 13, part 4).

The baseline holds the end dates agreed when the plan was approved; the trajectory is
measured against it, with the current end dates beside it as the forecast. Once an action
is in the baseline, its end date and scope change only through a change request that the
PMO or the executive improvement board approves, never the requester.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from actions import baseline, services
from actions.importer import plan_import
from actions.models import (
    Action,
    BaselineDate,
    ChangeRequest,
    FindingKind,
    HistoryEntry,
    PlanEvent,
    Role,
    Status,
)
from reporting.board.content import board_content
from tests.factories import ActionFactory, ExecRoleFactory, PlanFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
APPROVED_ON = dt.datetime(2026, 2, 2, 10, tzinfo=LONDON)
MAY = dt.date(2026, 5, 1)
AFTER_MAY = dt.datetime(2026, 6, 3, 9, tzinfo=LONDON)


@pytest.fixture
def plan(db):
    return PlanFactory(cycle_starts_on=dt.date(2026, 1, 1))


@pytest.fixture
def exec_lead(db):
    return UserFactory(username="don", roles=[Role.EXEC_LEAD])


@pytest.fixture
def actions(plan, lead):
    """Eleven actions: two due by the end of April (one overdue and open), the rest later."""
    made = {
        "D1": ActionFactory(plan=plan, ref="D1", action_lead=lead, end_date=dt.date(2026, 3, 31)),
        "D2": ActionFactory(plan=plan, ref="D2", action_lead=lead, end_date=dt.date(2026, 4, 30)),
    }
    for n in range(3, 12):
        made[f"D{n}"] = ActionFactory(
            plan=plan, ref=f"D{n}", action_lead=lead, end_date=dt.date(2026, 12, 31)
        )
    return made


@pytest.fixture
def baselined(plan, pmo, actions):
    with time_machine.travel(APPROVED_ON, tick=False):
        return baseline.baseline_take(
            plan=plan, by=pmo, reason="Approved by the Executive Improvement Board"
        )


def may_report(plan) -> dict:
    return board_content(plan=plan, month=MAY, cover={}, now=AFTER_MAY)["trajectory"]


def moved(action: Action, *, by, approver, to: dt.date, at: dt.datetime) -> ChangeRequest:
    """Move an end date the only way a baselined action's end date moves."""
    with time_machine.travel(at, tick=False):
        [request] = baseline.change_request_raise(
            action=action, by=by, reason="Waiting for the new system", proposed_end_date=to
        )
        return baseline.change_request_approve(request=request, by=approver)


# The trajectory ---------------------------------------------------------------------------


def test_without_a_baseline_moving_an_end_date_moves_the_trajectory(plan, pmo, actions):
    before = may_report(plan)["overall"]
    with time_machine.travel(dt.datetime(2026, 4, 20, 11, tzinfo=LONDON), tick=False):
        services.action_edit(
            action=actions["D2"], by=pmo, base_version=None, end_date=dt.date(2026, 9, 30)
        )

    after = may_report(plan)["overall"]

    assert (before["planned"][-1], after["planned"][-1]) == (2, 1)
    assert may_report(plan)["baseline"] is None


def test_trajectory_from_the_baseline_is_unchanged_when_end_dates_move(
    plan, pmo, lead, exec_lead, actions, baselined
):
    before = may_report(plan)

    moved(
        actions["D2"],
        by=lead,
        approver=exec_lead,
        to=dt.date(2026, 9, 30),
        at=dt.datetime(2026, 4, 20, 11, tzinfo=LONDON),
    )
    moved(
        actions["D1"],
        by=lead,
        approver=pmo,
        to=dt.date(2026, 10, 31),
        at=dt.datetime(2026, 5, 6, 11, tzinfo=LONDON),
    )
    after = may_report(plan)

    assert after["overall"]["planned"] == before["overall"]["planned"]
    assert after["overall"]["planned"][-1] == 2  # D1 and D2, as the baseline had them
    assert after["overall"]["forecast"][-1] == 0  # both moved out: the forecast says so
    assert after["overall"]["planned_pct"][-1] == pytest.approx(18.2)
    assert "0% against a trajectory of 18% from the baseline" in after["overall"]["sentence"]
    assert after["baseline"]["moved"] == 2
    must = next(k for k in after["by_kind"] if k["kind"] == FindingKind.MUST)
    assert must["planned"] == before["by_kind"][0]["planned"]


def test_actions_added_after_the_baseline_count_by_their_own_end_dates(
    plan, lead, actions, baselined
):
    ActionFactory(plan=plan, ref="N1", action_lead=lead, end_date=dt.date(2026, 5, 15))

    trajectory = may_report(plan)

    assert trajectory["overall"]["planned"][-1] == 3
    assert trajectory["overall"]["total"] == 12
    assert trajectory["baseline"]["outside"] == 1


def test_a_report_for_a_month_before_the_baseline_reads_as_it_did(plan, pmo, actions):
    january = dt.date(2026, 1, 1)
    first = board_content(plan=plan, month=january, cover={}, now=AFTER_MAY)
    with time_machine.travel(APPROVED_ON, tick=False):
        baseline.baseline_take(plan=plan, by=pmo, reason="Approved")

    again = board_content(plan=plan, month=january, cover={}, now=AFTER_MAY)

    assert again["trajectory"] == first["trajectory"]
    assert again["plan_changes"] == {"approved": []}


def test_the_board_report_lists_the_months_approved_changes(
    plan, pmo, lead, exec_lead, actions, baselined
):
    moved(
        actions["D2"],
        by=lead,
        approver=exec_lead,
        to=dt.date(2026, 9, 30),
        at=dt.datetime(2026, 4, 20, 11, tzinfo=LONDON),
    )
    moved(
        actions["D1"],
        by=lead,
        approver=pmo,
        to=dt.date(2026, 10, 31),
        at=dt.datetime(2026, 5, 6, 11, tzinfo=LONDON),
    )
    with time_machine.travel(dt.datetime(2026, 5, 7, 9, tzinfo=LONDON), tick=False):
        [refused] = baseline.change_request_raise(
            action=actions["D3"],
            by=lead,
            reason="More time",
            proposed_end_date=dt.date(2027, 3, 31),
        )
        baseline.change_request_refuse(request=refused, by=pmo, note="Not agreed")

    changes = board_content(plan=plan, month=MAY, cover={}, now=AFTER_MAY)["plan_changes"]

    assert [(c["ref"], c["before"], c["after"], c["approved_by"]) for c in changes["approved"]] == [
        ("D1", "31 March 2026", "31 October 2026", pmo.get_full_name())
    ]
    assert changes["approved"][0]["reason"] == "Waiting for the new system"
    assert changes["approved"][0]["approved_on"] == "2026-05-06"


def test_the_board_pdf_and_dashboard_show_the_forecast_and_the_changes(
    client, plan, pmo, lead, exec_lead, actions, baselined, board
):
    moved(
        actions["D1"],
        by=lead,
        approver=pmo,
        to=dt.date(2026, 10, 31),
        at=dt.datetime(2026, 5, 6, 11, tzinfo=LONDON),
    )
    client.force_login(board)
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=LONDON), tick=False):
        page = client.get(reverse("board_dashboard", args=[plan.pk])).content.decode()

    assert "Forecast (current end dates)" in page
    assert "Changes to the plan approved in May 2026" in page
    assert "End date 31 March 2026 → 31 October 2026" in page
    assert "measured against the original baseline" in page


# Editing a baselined action -----------------------------------------------------------------


def test_the_pmo_cannot_move_a_baselined_end_date_directly(plan, pmo, actions, baselined):
    with pytest.raises(ValidationError) as refused:
        services.action_edit(
            action=actions["D2"], by=pmo, base_version=None, end_date=dt.date(2026, 9, 30)
        )
    assert "change request" in refused.value.message_dict["end_date"][0]
    with pytest.raises(ValidationError) as scope:
        services.action_edit(
            action=actions["D2"], by=pmo, base_version=None, requirement="Something else."
        )
    assert "scope" in scope.value.message_dict["requirement"][0]
    actions["D2"].refresh_from_db()
    assert actions["D2"].end_date == dt.date(2026, 4, 30)
    # Other fields still change directly.
    services.action_edit(action=actions["D2"], by=pmo, base_version=None, theme="Staffing")


def test_the_pmo_edit_page_says_to_raise_a_change_request(client, plan, pmo, actions, baselined):
    action = actions["D2"]
    client.force_login(pmo)
    data = {
        "ref": action.ref,
        "theme": action.theme,
        "department": action.department,
        "kind": action.kind,
        "requirement": action.requirement,
        "action_lead": action.action_lead_id,
        "start_date": "01/01/2026",
        "end_date": "30/09/2026",
        "status": action.status,
        "version": action.version,
    }

    response = client.post(reverse("action_edit", args=[action.pk]), data)

    assert response.status_code == 422
    assert "change request" in response.content.decode()
    action.refresh_from_db()
    assert action.end_date == dt.date(2026, 4, 30)


def test_an_action_added_after_the_baseline_is_edited_directly(plan, pmo, lead, baselined):
    added = ActionFactory(plan=plan, ref="N1", action_lead=lead, end_date=dt.date(2026, 5, 15))

    services.action_edit(action=added, by=pmo, base_version=None, end_date=dt.date(2026, 7, 1))

    added.refresh_from_db()
    assert added.end_date == dt.date(2026, 7, 1)
    with pytest.raises(ValidationError, match="not in the plan's baseline"):
        baseline.change_request_raise(
            action=added, by=lead, reason="x", proposed_end_date=dt.date(2026, 8, 1)
        )


def test_an_import_cannot_move_a_baselined_end_date(plan, pmo, actions, baselined):
    header = "Ref.,Theme,Dept,Must do / should do,Requirement and actions,RAGB,Start date,End date"
    d2 = actions["D2"]
    row = f"D2,Governance,Trust wide,Must do,{d2.requirement},G,01/01/26,30/09/26"

    report = plan_import(
        plan=plan, data=f"{header}\n{row}".encode(), filename="plan.csv", dry_run=False, by=pmo
    )

    assert not report.ok
    [error] = report.errors
    assert error.message.startswith("D2 is in the plan's baseline: its end date changes only")
    assert "30/04/2026" in error.message
    d2.refresh_from_db()
    assert d2.end_date == dt.date(2026, 4, 30)


# Change requests ------------------------------------------------------------------------------


def test_change_requests_need_approval(plan, lead, exec_lead, actions, baselined):
    action = actions["D2"]
    [request] = baseline.change_request_raise(
        action=action, by=lead, reason="Supplier delay", proposed_end_date=dt.date(2026, 9, 30)
    )

    action.refresh_from_db()
    assert action.end_date == dt.date(2026, 4, 30)  # nothing moves until it is approved
    assert request.state == ChangeRequest.State.PENDING

    baseline.change_request_approve(request=request, by=exec_lead, note="ECIB 14/04")

    action.refresh_from_db()
    assert action.end_date == dt.date(2026, 9, 30)
    entry = action.history.get(kind=HistoryEntry.Kind.CHANGE_APPROVED)
    assert entry.changes == {"end_date": ["2026-04-30", "2026-09-30"]}
    assert entry.actor == exec_lead
    assert "Supplier delay" in entry.note
    # The baseline itself keeps the agreed date.
    assert BaselineDate.objects.get(baseline=baselined, action=action).end_date == dt.date(
        2026, 4, 30
    )


def test_a_refused_change_leaves_the_date_as_it_was(plan, lead, pmo, actions, baselined):
    action = actions["D2"]
    [request] = baseline.change_request_raise(
        action=action, by=lead, reason="More time", proposed_end_date=dt.date(2026, 9, 30)
    )
    with pytest.raises(ValidationError, match="reason for refusing"):
        baseline.change_request_refuse(request=request, by=pmo, note="  ")

    refused = baseline.change_request_refuse(request=request, by=pmo, note="Not agreed at ECIB")

    action.refresh_from_db()
    assert action.end_date == dt.date(2026, 4, 30)
    assert refused.state == ChangeRequest.State.REFUSED
    assert action.history.filter(kind=HistoryEntry.Kind.CHANGE_REFUSED).exists()
    assert not action.history.filter(kind=HistoryEntry.Kind.CHANGE_APPROVED).exists()


def test_a_scope_change_is_approved_like_a_date(plan, lead, pmo, actions, baselined):
    action = actions["D3"]
    [request] = baseline.change_request_raise(
        action=action, by=lead, reason="Narrowed to wards", proposed_requirement="Wards only."
    )

    baseline.change_request_approve(request=request, by=pmo)

    action.refresh_from_db()
    assert action.requirement == "Wards only."
    assert request.kind == ChangeRequest.Kind.SCOPE


def test_nobody_decides_their_own_change(plan, pmo, actions, baselined):
    [request] = baseline.change_request_raise(
        action=actions["D2"], by=pmo, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )
    with pytest.raises(PermissionDenied):
        baseline.change_request_approve(request=request, by=pmo)


def test_only_the_pmo_and_the_executive_board_decide(
    plan, lead, other_lead, board, actions, baselined
):
    [request] = baseline.change_request_raise(
        action=actions["D2"], by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )
    for user in (other_lead, board):
        with pytest.raises(PermissionDenied):
            baseline.change_request_approve(request=request, by=user)
    # An exec role holder sits on the board even outside the Executive lead group.
    holder = UserFactory(username="dops")
    ExecRoleFactory(code="DOps", holder=holder)
    baseline.change_request_approve(request=request, by=holder)


def test_a_decided_request_cannot_be_decided_again(plan, lead, pmo, exec_lead, actions, baselined):
    [request] = baseline.change_request_raise(
        action=actions["D2"], by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )
    baseline.change_request_refuse(request=request, by=pmo, note="No")

    with pytest.raises(baseline.AlreadyDecided, match="already refused by"):
        baseline.change_request_approve(request=request, by=exec_lead)
    actions["D2"].refresh_from_db()
    assert actions["D2"].end_date == dt.date(2026, 4, 30)


def test_a_second_request_of_the_same_kind_waits_for_the_first(plan, lead, actions, baselined):
    baseline.change_request_raise(
        action=actions["D2"], by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )
    with pytest.raises(ValidationError, match="already waiting"):
        baseline.change_request_raise(
            action=actions["D2"], by=lead, reason="y", proposed_end_date=dt.date(2026, 10, 30)
        )


def test_the_requester_withdraws_and_nothing_changes(plan, lead, other_lead, actions, baselined):
    [request] = baseline.change_request_raise(
        action=actions["D2"], by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )
    with pytest.raises(PermissionDenied):
        baseline.change_request_withdraw(request=request, by=other_lead)

    withdrawn = baseline.change_request_withdraw(request=request, by=lead)

    assert withdrawn.state == ChangeRequest.State.WITHDRAWN
    actions["D2"].refresh_from_db()
    assert actions["D2"].end_date == dt.date(2026, 4, 30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_decide_it_once(race):
    """Both submit; the second waits on the first's row lock, then sees it decided."""
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    pmo = UserFactory(username="pmo", roles=[Role.PMO])
    don = UserFactory(username="don", roles=[Role.EXEC_LEAD])
    action = ActionFactory(action_lead=lead, end_date=dt.date(2026, 4, 30))
    baseline.baseline_take(plan=action.plan, by=pmo, reason="Approved")
    [request] = baseline.change_request_raise(
        action=action, by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )

    first = race(Holder(lambda: baseline.change_request_approve(request=request, by=pmo)))
    second = race(
        Worker(lambda: baseline.change_request_refuse(request=request, by=don, note="No"))
    )
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert first.error is None
    assert isinstance(second.error, baseline.AlreadyDecided)
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (ChangeRequest.State.APPROVED, pmo)
    assert action.history.filter(kind=HistoryEntry.Kind.CHANGE_APPROVED).count() == 1


# Baselines ----------------------------------------------------------------------------------


def test_re_baselining_is_recorded_and_keeps_the_old_baseline(
    plan, pmo, lead, exec_lead, actions, baselined
):
    moved(
        actions["D2"],
        by=lead,
        approver=exec_lead,
        to=dt.date(2026, 9, 30),
        at=dt.datetime(2026, 4, 20, 11, tzinfo=LONDON),
    )
    added = ActionFactory(plan=plan, ref="N1", action_lead=lead, end_date=dt.date(2026, 5, 15))
    with pytest.raises(ValidationError):
        baseline.baseline_take(plan=plan, by=pmo, reason=" ")

    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False):
        second = baseline.baseline_take(plan=plan, by=pmo, reason="Board approved revised plan")

    assert (second.number, second.label) == (2, "Re-baseline 1")
    assert BaselineDate.objects.get(baseline=baselined, action=actions["D2"]).end_date == (
        dt.date(2026, 4, 30)
    )
    assert BaselineDate.objects.get(baseline=second, action=actions["D2"]).end_date == (
        dt.date(2026, 9, 30)
    )
    assert BaselineDate.objects.filter(baseline=second, action=added).exists()
    kinds = list(PlanEvent.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds == [PlanEvent.Kind.REBASELINED, PlanEvent.Kind.BASELINED]
    # A report for May, made after the re-baseline, still reads May's baseline: D1 and D2
    # by their original dates, and N1, outside it, by its own.
    may = may_report(plan)
    assert may["overall"]["planned"][-1] == 3
    assert may["baseline"]["label"] == "Original baseline"


def test_a_closed_action_cannot_be_changed(plan, lead, actions, baselined):
    Action.objects.filter(pk=actions["D1"].pk).update(status=Status.BLUE)
    actions["D1"].refresh_from_db()
    with pytest.raises(ValidationError, match="complete"):
        baseline.change_request_raise(
            action=actions["D1"], by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
        )


def test_a_change_to_an_action_signed_off_since_is_not_approved(
    plan, lead, pmo, actions, baselined
):
    [request] = baseline.change_request_raise(
        action=actions["D2"], by=lead, reason="x", proposed_end_date=dt.date(2026, 9, 30)
    )
    Action.objects.filter(pk=actions["D2"].pk).update(status=Status.BLUE)

    with pytest.raises(ValidationError, match="complete"):
        baseline.change_request_approve(request=request, by=pmo)

    request.refresh_from_db()
    assert request.is_pending


def test_the_trajectory_chart_draws_the_forecast_beside_the_baseline():
    from reporting.board.charts import trajectory_chart

    chart = trajectory_chart(
        title="Progress against trajectory",
        months=["Apr 2026", "May 2026"],
        planned=[9.1, 18.2],
        actual=[0.0, 9.1],
        forecast=[0.0, 0.0],
    )

    assert chart.headers == [
        "Month",
        "Planned (baseline)",
        "Forecast (current end dates)",
        "Signed off",
    ]
    assert chart.rows[-1] == ["May 2026", "18%", "0%", "9%"]
    assert "Forecast (current end dates)" in chart.image
    with pytest.raises(ValueError, match="one of each per month"):
        trajectory_chart(
            title="x", months=["May 2026"], planned=[1.0], actual=[1.0], forecast=[1.0, 2.0]
        )
