"""Each person's private calendar address: locks, reminder times, end dates and meetings,
read back with a standard parser (icalendar) at the right times in BST and GMT."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from actions.models import Role, Status
from evidence.models import AssuranceMeeting
from integrations import services
from integrations.models import CalendarFeed
from reporting.services import report_settings_ensure
from tests.factories import ActionFactory, ExecRoleFactory, PlanFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
# Four weeks before the clock goes back (Sunday 25 October 2026): the feed spans both sides.
TODAY = dt.datetime(2026, 10, 10, 10, tzinfo=LONDON)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def plan(db):
    plan = PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=dt.date(2026, 1, 1))
    report_settings_ensure(plan=plan)  # the SOP's reminders (Tue and Wed 09:00), report Thu 12:00
    return plan


def feed_of(user) -> Calendar:
    token = services.calendar_feed_create(user=user)
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar, starting: str = "") -> list:
    return [e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith(starting)]


def test_locks_are_at_1200_uk_time_in_bst_and_in_gmt(frozen, plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    ActionFactory(plan=plan, ref="T3", action_lead=lead)
    locks = events(feed_of(lead), "lock-")
    starts = [e.decoded("dtstart") for e in locks]
    assert len(starts) == 16
    assert all(s.tzinfo is not None and s.astimezone(LONDON).hour == 12 for s in starts)
    assert all(s.astimezone(LONDON).weekday() == 2 for s in starts), "Wednesdays"
    bst = [s for s in starts if s.date() < dt.date(2026, 10, 25)]
    gmt = [s for s in starts if s.date() > dt.date(2026, 10, 25)]
    assert bst and gmt
    assert {s.astimezone(dt.UTC).hour for s in bst} == {11}
    assert {s.astimezone(dt.UTC).hour for s in gmt} == {12}
    assert str(locks[0]["summary"]) == "CQC improvement plan 2026 locks at 12:00"


def test_the_feed_carries_the_london_time_zone(frozen, plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    ActionFactory(plan=plan, ref="T3", action_lead=lead)
    calendar = feed_of(lead)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/London"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_a_lead_sees_the_reminder_times_and_their_end_dates_only(frozen, plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    ActionFactory(plan=plan, ref="T3", action_lead=lead, end_date=dt.date(2026, 11, 30))
    ActionFactory(plan=plan, ref="T4", action_lead=lead, status=Status.BLUE)
    ActionFactory(plan=plan, ref="G1", end_date=dt.date(2026, 11, 1))  # someone else's
    calendar = feed_of(lead)
    reminders = [e.decoded("dtstart").astimezone(LONDON) for e in events(calendar, "reminder-")]
    assert reminders and {(r.hour, r.minute) for r in reminders} == {(9, 0)}
    assert {r.weekday() for r in reminders} == {1, 2}, "Tuesday and Wednesday 09:00"
    (end,) = events(calendar, "end-")
    assert str(end["summary"]) == "T3 end date: Governance"
    assert end.decoded("dtstart") == dt.date(2026, 11, 30)
    assert end.decoded("dtend") == dt.date(2026, 12, 1)
    assert not events(calendar, "report-"), "the exception report is the PMO's"


def test_the_pmo_sees_every_open_plan_and_the_exception_report_deadline(frozen, plan):
    other = PlanFactory(name="Well-led plan")
    pmo = UserFactory(username="pmo", roles=[Role.PMO])
    calendar = feed_of(pmo)
    names = {str(e["summary"]) for e in events(calendar, "lock-")}
    assert names == {"CQC improvement plan 2026 locks at 12:00", "Well-led plan locks at 12:00"}
    issued = [e.decoded("dtstart").astimezone(LONDON) for e in events(calendar, "report-")]
    assert issued and {(d.weekday(), d.hour) for d in issued} == {(3, 12)}, "Thursday 12:00"
    assert other.pk


def test_an_exec_lead_sees_the_end_dates_of_their_accountable_actions(frozen, plan):
    director = UserFactory(username="dwod", roles=[Role.EXEC_LEAD])
    action = ActionFactory(plan=plan, ref="W2", end_date=dt.date(2026, 12, 15))
    action.exec_roles.add(ExecRoleFactory(code="DWOD", holder=director))
    ends = events(feed_of(director), "end-")
    assert [str(e["summary"]) for e in ends] == ["W2 end date: Governance"]


def test_reviewers_see_the_assurance_meetings(frozen, plan):
    reviewer = UserFactory(username="reviewer", roles=[Role.REVIEWER])
    AssuranceMeeting.objects.create(
        held_on=dt.date(2026, 10, 20), recorded_at=timezone.now(), name="Evidence Assurance Group"
    )
    AssuranceMeeting.objects.create(
        held_on=dt.date(2026, 3, 1), recorded_at=timezone.now(), name="Long ago"
    )
    (meeting,) = events(feed_of(reviewer), "meeting-")
    assert str(meeting["summary"]) == "Evidence Assurance Group"
    assert meeting.decoded("dtstart") == dt.date(2026, 10, 20)


def test_what_people_typed_stays_text_in_the_feed(frozen, plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    ActionFactory(
        plan=plan,
        ref="T3",
        action_lead=lead,
        theme="Risk; Governance, \\ ward",
        requirement="Line one\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected",
    )
    calendar = feed_of(lead)
    (end,) = events(calendar, "end-")
    assert str(end["summary"]) == "T3 end date: Risk; Governance, \\ ward"
    assert "END:VEVENT" in str(end["description"])
    assert not [e for e in calendar.walk("VEVENT") if str(e["summary"]) == "Injected"]


def test_a_new_address_stops_the_old_one_and_revoking_stops_both(frozen, plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    first = services.calendar_feed_create(user=lead)
    second = services.calendar_feed_create(user=lead)
    client = Client()
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    assert CalendarFeed.objects.active().filter(user=lead).count() == 1
    services.calendar_feed_revoke(user=lead)
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    assert client.get("/calendar/not-a-real-address.ics").status_code == 404


def test_the_address_of_someone_who_left_stops(frozen, plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    token = services.calendar_feed_create(user=lead)
    lead.is_active = False
    lead.save()
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_only_a_hash_of_the_secret_is_kept(plan):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    token = services.calendar_feed_create(user=lead)
    feed = CalendarFeed.objects.get(user=lead)
    assert token not in feed.token_hash and len(feed.token_hash) == 64


def test_the_page_shows_a_new_address_once(frozen, plan, client):
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    client.force_login(lead)
    assert "You have no calendar address yet" in client.get("/calendar/").content.decode()
    page = client.post("/calendar/", follow=True).content.decode()
    assert "Copy it now: it is shown only once" in page
    assert "/calendar/" in page and ".ics" in page
    again = client.get("/calendar/").content.decode()
    assert "Copy it now" not in again and "You have a calendar address" in again
    client.post("/calendar/", {"revoke": "1"})
    assert not CalendarFeed.objects.active().filter(user=lead).exists()


def test_the_page_needs_a_sign_in(db, client):
    response = client.get("/calendar/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/calendar/").status_code == 302
    assert not CalendarFeed.objects.exists()
