"""The reads the reports rely on: waiting closures, declines in a period, monthly outcomes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions.models import FindingKind
from evidence import selectors, services
from tests.factories import ActionFactory, PlanFactory

LONDON = ZoneInfo("Europe/London")
T0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=LONDON)


def _closure(plan, ref, at, department="Medicine", kind=FindingKind.MUST):
    action = ActionFactory(plan=plan, ref=ref, department=department, kind=kind)
    evidence = services.evidence_add(
        action=action, by=action.action_lead, kind="note", note="n", description="d", now=at
    )
    return services.closure_request(
        action=action, by=action.action_lead, summary=f"{ref} done", evidence=[evidence], now=at
    )


@pytest.fixture
def timeline(plan, reviewer):
    """A waits; B is declined on day 3; C is approved on day 5; D is withdrawn on day 2."""
    a = _closure(plan, "A", T0)
    b = _closure(plan, "B", T0, department="Surgery", kind=FindingKind.SHOULD)
    c = _closure(plan, "C", T0 + dt.timedelta(days=1))
    d = _closure(plan, "D", T0)
    services.closure_decline(
        closure=b, by=reviewer, reason="Unsigned", now=T0 + dt.timedelta(days=3)
    )
    services.closure_approve(closure=c, by=reviewer, now=T0 + dt.timedelta(days=5))
    services.closure_withdraw(closure=d, by=d.requested_by, now=T0 + dt.timedelta(days=2))
    return a, b, c, d


def test_awaiting_decision_is_read_as_of_the_moment_asked(plan, timeline):
    a, b, c, d = timeline

    def refs(at):
        return [x.action.ref for x in selectors.closures_awaiting_decision(plan, at)]

    assert refs(T0 - dt.timedelta(hours=1)) == []
    assert refs(T0 + dt.timedelta(hours=1)) == ["A", "B", "D"]
    assert refs(T0 + dt.timedelta(days=2, hours=1)) == ["A", "B", "C"]
    assert refs(T0 + dt.timedelta(days=4)) == ["A", "C"]
    assert refs(T0 + dt.timedelta(days=6)) == ["A"]
    first = selectors.closures_awaiting_decision(plan, T0 + dt.timedelta(days=6))[0]
    assert (first.summary, first.requested_at, first.requested_by) == (
        "A done",
        T0,
        a.requested_by,
    )


def test_declined_between_gives_the_reason_who_and_when(plan, timeline, reviewer):
    declined = selectors.closures_declined_between(
        plan, T0 + dt.timedelta(days=2), T0 + dt.timedelta(days=4)
    )

    (b,) = declined
    assert (b.action.ref, b.reason, b.decided_by) == ("B", "Unsigned", reviewer)
    assert b.decided_at == T0 + dt.timedelta(days=3)
    assert selectors.closures_declined_between(plan, T0, T0 + dt.timedelta(days=3)) == []


def test_declined_between_takes_whole_days(plan, timeline):
    day = (T0 + dt.timedelta(days=3)).date()

    assert [c.action.ref for c in selectors.closures_declined_between(plan, day, day)] == ["B"]


def test_other_plans_are_left_out(plan, timeline):
    other = PlanFactory()

    assert selectors.closures_awaiting_decision(other, T0 + dt.timedelta(days=6)) == []
    assert (
        selectors.signoff_outcomes(other, T0.date(), T0.date() + dt.timedelta(30)).total.presented
        == 0
    )


def test_signoff_outcomes_for_a_month(plan, timeline, pmo):
    meeting_closure = _closure(plan, "E", T0, department="Surgery")
    services.meeting_record(
        name="EAG", held_on=dt.date(2026, 9, 20), closures=[meeting_closure], by=pmo
    )

    september = selectors.signoff_outcomes(plan, dt.date(2026, 9, 1), dt.date(2026, 9, 30))

    assert (september.total.presented, september.total.approved_total) == (3, 1)
    assert september.total.declined_total == 1
    rows = {
        r.label: (r.presented, r.approved_total, r.declined_total) for r in september.by_department
    }
    assert rows == {"Medicine": (1, 1, 0), "Surgery": (2, 0, 1)}
    kinds = {r.label: r.declined_total for r in september.by_kind}
    assert kinds["Should do"] == 1
    october = selectors.signoff_outcomes(plan, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert october.total.presented == 0
