"""Each role lands where its work is, and the header shows each role its own menu."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import selectors, services
from actions.models import Role, Status, WeeklyUpdate
from evidence.models import ClosureRequest
from tests.factories import RECOVERY, ActionFactory, ExecRoleFactory, PlanFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", roles=[Role.REVIEWER])


@pytest.fixture
def exec_lead(db):
    user = UserFactory(username="exec", roles=[Role.EXEC_LEAD], first_name="Eve", last_name="Exec")
    ExecRoleFactory(code="DoN", holder=user)
    return user


def _waiting_closure(action, lead):
    return ClosureRequest.objects.create(
        action=action,
        summary="Done; evidence attached.",
        requested_by=lead,
        requested_at=MONDAY_9AM,
        previous_status=Status.GREEN,
    )


def _menu(client) -> str:
    """The header's menu, as on every page (the calendar page: everyone may open it)."""
    page = client.get(reverse("calendar_settings"))
    assert page.status_code == 200
    body = page.content.decode()
    start = body.index('aria-label="Menu"')
    return body[start : body.index("</nav>", start)]


def test_board_member_lands_on_the_newest_plans_board_reports(client, board):
    PlanFactory(name="Last year")
    newest = PlanFactory(name="This year")
    client.force_login(board)

    response = client.get(reverse("home"))

    assert response["Location"] == reverse("board_reports", args=[newest.pk])
    page = client.get(response["Location"]).content.decode()
    assert "board dashboard" in page  # the dashboard is one click away


def test_reviewer_lands_on_the_review_queue_and_the_menu_says_how_many_wait(
    client, plan, lead, reviewer
):
    for ref in ("T1", "T2", "T3"):
        _waiting_closure(ActionFactory(plan=plan, ref=ref, action_lead=lead), lead)
    client.force_login(reviewer)

    assert client.get(reverse("home"))["Location"] == reverse("review_queue")
    menu = _menu(client)
    assert 'Review queue (3<span class="nhsuk-u-visually-hidden"> waiting</span>)' in menu
    assert menu.index("Review queue") < menu.index(">Plan<")  # their work comes first


def test_exec_lead_lands_on_my_accountable_actions(client, plan, exec_lead):
    client.force_login(exec_lead)

    assert client.get(reverse("home"))["Location"] == reverse("accountable_actions")
    assert "My accountable actions" in _menu(client)


def test_pmo_lands_on_the_plan(client, plan, pmo):
    client.force_login(pmo)

    assert client.get(reverse("home"))["Location"] == reverse("plan", args=[plan.pk])


def test_action_lead_lands_on_my_actions_and_sees_no_plan_or_board_reports(client, action, lead):
    client.force_login(lead)

    assert client.get(reverse("home"))["Location"] == reverse("my_actions")
    menu = _menu(client)
    assert "My actions" in menu
    assert "Board reports" not in menu and ">Plan<" not in menu and "Review queue" not in menu


def test_my_actions_is_not_in_the_menu_of_someone_who_leads_nothing(client, plan, board):
    client.force_login(board)

    menu = _menu(client)

    assert "My actions" not in menu
    assert menu.index("Board reports") < menu.index(">Plan<")
    assert f'href="{reverse("board_reports", args=[plan.pk])}"' in menu


def test_a_reader_who_also_leads_an_action_keeps_my_actions(client, plan, board):
    ActionFactory(plan=plan, action_lead=board)
    client.force_login(board)

    assert "My actions" in _menu(client)


def test_the_header_reads_its_flags_and_counts_in_one_query(plan, lead, reviewer):
    """The header is on every page: roles (read once per request) and one more query,
    however many actions and closures wait, not one per flag or per closure."""
    for n in range(12):
        _waiting_closure(ActionFactory(plan=plan, ref=f"T{n}", action_lead=lead), lead)

    with CaptureQueriesContext(connection) as queries:
        nav = selectors.navigation(reviewer)

    assert len(queries) == 2  # the user's groups, then everything else
    assert [item.label for item in nav.items][:2] == ["Review queue", "Plan"]
    assert nav.items[0].count == 12


def test_a_page_with_the_header_makes_no_extra_query_for_it(client, plan, board):
    """A whole page for the board (calendar settings): pinned, so a flag that starts
    querying on its own (or in the template) shows here."""
    client.force_login(board)
    client.get(reverse("calendar_settings"))  # warm the session

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("calendar_settings"))

    nav_queries = [q for q in queries if "newest_plan" in q["sql"]]
    assert len(nav_queries) == 1


# My accountable actions -----------------------------------------------------------------


@pytest.fixture
def meeting(plan, exec_lead):
    """Actions held by DoN (the exec), with leads who have and have not updated."""
    don = exec_lead.exec_roles.get()
    ann = UserFactory(username="ann", first_name="Ann", last_name="Able", roles=[Role.ACTION_LEAD])
    bob = UserFactory(username="bob", first_name="Bob", last_name="Baker", roles=[Role.ACTION_LEAD])
    made = {}
    for ref, status, lead, end in [
        ("D10", Status.GREEN, ann, dt.date(2026, 12, 31)),
        ("D2", Status.RED, bob, dt.date(2026, 12, 31)),
        ("D3", Status.AMBER, ann, dt.date(2026, 10, 31)),
        ("D4", Status.GREEN, bob, dt.date(2026, 12, 31)),
        ("D5", Status.BLUE, bob, dt.date(2026, 12, 31)),
    ]:
        made[ref] = ActionFactory(plan=plan, ref=ref, status=status, action_lead=lead, end_date=end)
        made[ref].exec_roles.set([don])
    made["X1"] = ActionFactory(plan=plan, ref="X1", action_lead=ann)  # another exec's
    made["X1"].exec_roles.set([ExecRoleFactory(code="CFO")])
    period = services.period_current_row(plan=plan, now=MONDAY_9AM)
    services.update_submit(
        action=made["D10"],
        period=period,
        author=ann,
        status="G",
        narrative="On plan",
        now=MONDAY_9AM,
    )
    return made


@time_machine.travel(MONDAY_9AM, tick=False)
def test_accountable_actions_are_grouped_worst_first_with_the_leads_to_chase(
    client, exec_lead, meeting
):
    client.force_login(exec_lead)

    page = client.get(reverse("accountable_actions")).content.decode()

    assert "X1" not in page and ">D5<" not in page  # another exec's; closed
    captions = [page.index(f">{s} (") for s in ("Red", "Amber", "Green")]
    assert captions == sorted(captions)
    tables = page[captions[0] :]
    order = [tables.index(f">{ref}<") for ref in ("D2", "D3", "D4", "D10")]
    assert order == sorted(order)
    assert "1 of 4 updated" in page
    assert "1 past its end date" in page
    chase = page[page.index("Not yet updated for") : captions[0]]
    assert "Ann Able</strong>: <a" in chase and "Bob Baker</strong>: <a" in chase
    assert chase.index(">D2<") < chase.index(">D4<")
    assert ">D10<" not in chase  # Ann updated D10


@time_machine.travel(MONDAY_9AM, tick=False)
def test_accountable_actions_query_count_does_not_grow_with_the_actions(
    client, plan, exec_lead, meeting
):
    """One query for the actions (their leads joined, update state and latest narrative
    as subqueries): not one per action or per lead."""
    client.force_login(exec_lead)
    client.get(reverse("accountable_actions"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accountable_actions"))
    don = exec_lead.exec_roles.get()
    for n in range(20):
        ActionFactory(plan=plan, ref=f"M{n}").exec_roles.set([don])
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("accountable_actions")).content.decode()

    assert ">M19<" in page
    assert len(many) == len(few)


@pytest.mark.parametrize("who", ["lead", "board", "reviewer"])
def test_accountable_actions_refuse_those_who_hold_no_exec_role(
    client, action, board, reviewer, who
):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    assert client.get(reverse("accountable_actions")).status_code == 403


def test_accountable_actions_send_the_signed_out_to_sign_in(client):
    assert client.get(reverse("accountable_actions")).status_code == 302


# "On plan" is not enough on an action past its end date or off track ----------------------


def _submit(action, narrative, status="G"):
    return services.update_submit(
        recovery=RECOVERY,
        action=action,
        period=services.period_current_row(plan=action.plan, now=MONDAY_9AM),
        author=action.action_lead,
        status=status,
        narrative=narrative,
        now=MONDAY_9AM,
    )


@pytest.mark.parametrize("narrative", ["On plan", " on plan. "])
def test_on_plan_alone_is_refused_on_an_action_past_its_end_date(plan, lead, narrative):
    action = ActionFactory(plan=plan, action_lead=lead, end_date=dt.date(2026, 11, 20))

    with pytest.raises(services.ValidationError) as refused:
        _submit(action, narrative)

    assert refused.value.message_dict["narrative"] == [
        "This action is past its end date: say what is happening and when it will finish"
    ]
    assert not WeeklyUpdate.objects.exists()


@pytest.mark.parametrize(("current", "chosen"), [("R", "G"), ("G", "A"), ("A", "A")])
def test_on_plan_alone_is_refused_on_a_red_or_amber_action(plan, lead, current, chosen):
    action = ActionFactory(plan=plan, action_lead=lead, status=current)

    with pytest.raises(services.ValidationError) as refused:
        _submit(action, "On plan", status=chosen)

    assert "say what is off track" in refused.value.message_dict["narrative"][0]


def test_a_real_narrative_is_accepted_on_an_action_past_its_end_date(plan, lead):
    action = ActionFactory(plan=plan, action_lead=lead, end_date=dt.date(2026, 11, 20))

    update = _submit(action, "On plan; final audit on 4 December, then closure.")

    assert update.narrative.startswith("On plan; final audit")


def test_on_plan_is_still_enough_on_a_green_action_in_date(plan, lead):
    action = ActionFactory(plan=plan, action_lead=lead, end_date=dt.date(2026, 12, 31))

    assert _submit(action, "On plan").narrative == "On plan"


def test_an_exec_role_holder_outside_the_exec_group_opens_their_actions_only(client, plan):
    """Every link on "My accountable actions" opens, even for a holder the PMO has not put
    in the Executive lead group; another exec's action stays closed to them."""
    holder = UserFactory(username="holder")
    mine = ActionFactory(plan=plan, ref="D1")
    mine.exec_roles.set([ExecRoleFactory(code="MD", holder=holder)])
    theirs = ActionFactory(plan=plan, ref="D2")
    theirs.exec_roles.set([ExecRoleFactory(code="CFO")])
    client.force_login(holder)

    assert client.get(reverse("home"))["Location"] == reverse("accountable_actions")
    assert ">D1<" in client.get(reverse("accountable_actions")).content.decode()
    assert client.get(reverse("action", args=[mine.pk])).status_code == 200
    assert client.get(reverse("action", args=[theirs.pk])).status_code == 403
