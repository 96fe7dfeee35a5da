"""What a person's calendar address holds, and its iCalendar text (RFC 5545).

For each plan the person works in: the lock deadlines, and for action leads the reminder
times before each lock; for the PMO the exception report's issue deadline; the end dates
of the open actions they lead or are exec lead for; and the evidence assurance meetings
they take part in. Times are written in the plan's zone with its VTIMEZONE, so Outlook
shows 12:00 on both sides of the clock change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator
from icalendar import Calendar, Event

from actions import access
from actions import schedule as plan_schedule
from actions.models import Action, Plan
from evidence.models import AssuranceMeeting
from reporting import schedule as report_schedule
from reporting.models import ReportSettings

# How far the feed looks back and ahead.
PAST = dt.timedelta(days=28)
DEADLINES_AHEAD = 16
MEETINGS_PAST = dt.timedelta(days=90)
MOMENT = dt.timedelta(minutes=15)
PRODID = "-//NHS trust improvement plan//Calendar//EN"


@dataclass(frozen=True)
class Entry:
    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    description: str = ""
    url: str = ""


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _plans_of(user) -> tuple[list[Plan], set[int]]:
    """The open plans the person works in, and those where they lead open actions."""
    led = set(Action.objects.open().led_by(user).values_list("plan_id", flat=True).distinct())
    mine = set(led) | set(
        Action.objects.open().for_exec(user).values_list("plan_id", flat=True).distinct()
    )
    plans = Plan.objects.filter(closed_at__isnull=True)
    if not access.is_pmo(user):
        plans = plans.filter(pk__in=mine)
    return list(plans), led


def _deadline_entries(user, plan: Plan, leads_here: bool, now: dt.datetime) -> list[Entry]:
    report_settings = ReportSettings.objects.filter(plan=plan).first()
    slots = list(report_settings.reminder_slots.all()) if report_settings else []
    plan_url = _absolute(reverse("my_actions"))
    entries = []
    for deadline in islice(plan_schedule.deadlines_after(plan, now - PAST), DEADLINES_AHEAD):
        local = deadline.astimezone(plan.tz)
        entries.append(
            Entry(
                uid=f"lock-{plan.pk}-{deadline:%Y%m%dT%H%M}",
                summary=f"{plan.name} locks at {local:%H:%M}",
                start=local,
                end=local + MOMENT,
                description=(
                    "The plan locks: updates written after this are too late. "
                    "A blank update counts as not reviewed."
                ),
                url=plan_url,
            )
        )
        if leads_here:
            for slot in slots:
                at = report_schedule.reminder_time(
                    plan, weekday=slot.weekday, time=slot.time, deadline=deadline
                ).astimezone(plan.tz)
                entries.append(
                    Entry(
                        uid=f"reminder-{plan.pk}-{at:%Y%m%dT%H%M}",
                        summary=f"Update your actions: {plan.name}",
                        start=at,
                        end=at + MOMENT,
                        description=f"Before the lock at {local:%A %H:%M}.",
                        url=plan_url,
                    )
                )
        if access.is_pmo(user) and report_settings:
            issue = report_schedule.issue_deadline(
                plan,
                weekday=report_settings.issue_weekday,
                time=report_settings.issue_time,
                after=deadline,
            ).astimezone(plan.tz)
            entries.append(
                Entry(
                    uid=f"report-{plan.pk}-{issue:%Y%m%dT%H%M}",
                    summary=f"Exception report due: {plan.name}",
                    start=issue,
                    end=issue + MOMENT,
                    description="Issue the exception report from the locked plan.",
                    url=_absolute(reverse("exception_report_list")),
                )
            )
    return entries


def _end_date_entries(user) -> list[Entry]:
    actions = (
        Action.objects.open()
        .filter(Q(action_lead=user) | Q(exec_roles__holder=user), plan__closed_at__isnull=True)
        .exclude(end_date__isnull=True)
        .select_related("plan")
        .distinct()
        .order_by("end_date", "ref")
    )
    return [
        Entry(
            uid=f"end-{action.pk}-{action.end_date:%Y%m%d}",
            summary=f"{action.ref} end date: {action.theme or action.plan.name}",
            start=action.end_date,
            end=action.end_date + dt.timedelta(days=1),
            description=Truncator(action.requirement).chars(300),
            url=_absolute(action.get_absolute_url()),
        )
        for action in actions
    ]


def _meeting_entries(user, now: dt.datetime) -> list[Entry]:
    meetings = AssuranceMeeting.objects.filter(held_on__gte=(now - MEETINGS_PAST).date())
    if not access.can_read_plan(user):
        meetings = meetings.filter(presented__action__action_lead=user)
    return [
        Entry(
            uid=f"meeting-{meeting.pk}",
            summary=meeting.name,
            start=meeting.held_on,
            end=meeting.held_on + dt.timedelta(days=1),
            description="Closures presented for sign-off.",
            url=_absolute(meeting.get_absolute_url()),
        )
        for meeting in meetings.distinct()
    ]


def calendar_entries(user, now: dt.datetime) -> list[Entry]:
    plans, led = _plans_of(user)
    entries = []
    for plan in plans:
        entries += _deadline_entries(user, plan, plan.pk in led, now)
    entries += _end_date_entries(user)
    entries += _meeting_entries(user, now)
    return entries


def calendar_ics(entries: list[Entry], *, name: str, now: dt.datetime) -> bytes:
    """The entries as an iCalendar file, with a VTIMEZONE for each zone used."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "improvement-plan"
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.uid}@{host}")
        event.add("dtstamp", now)
        event.add("summary", entry.summary)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
