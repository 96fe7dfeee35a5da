"""The demo plan's past: weeks of updates, locks, exception reports and sign-offs.

The 2019 plan is replayed on today's calendar: its reporting cycle began ``HISTORY_WEEKS``
weeks ago, when the PMO imported it, and its dates move by the distance between the
board paper of 7 May 2019 (seed 000) and today, so the paper's "now" is today. Every week
the leads write their updates (a few missed), the plan locks at the deadline, the
exception report is built and issued; closures are asked for, presented to the assurance
group and signed off or declined. All of it goes through the product's own services, each
given the moment it happened (``now=``), in time order, so the history, the snapshots and
the reports read as if the plan had been run for real. Every action ends where the paper
records it (Table 1: Must do — Amber 1, Green 11, Blue 2; Should do — Amber 3, Green 14,
Blue 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from actions import schedule, services
from actions.importer import plan_import
from actions.models import Action, Plan, ReportingPeriod, Status
from evidence import services as evidence_services
from evidence.models import AssuranceMeeting, ClosureRequest, Evidence
from reporting import selectors as report_selectors
from reporting import services as report_services
from reporting.board import content as board_content
from reporting.board import services as board_services
from reporting.models import BoardReport

HISTORY_WEEKS = 18
# The paper whose figures the plan file records (seed 000): mapped to today.
PAPER_DATE = dt.date(2019, 5, 7)
MISS_RATE = 0.1  # a few updates missed each week
OPEN_WEEK_SHARE = 0.5  # about half the actions already updated in the open week
ASSURANCE_GROUP = "Improvement Plan Assurance Group"

# How the status of some actions moved, newest last: (weeks ago the period ended, status).
# Actions not named here are White until they start, then Green.
STORIES: dict[str, list[tuple[int, str]]] = {
    "T1": [(12, Status.RED), (10, Status.AMBER), (8, Status.GREEN)],
    "T3": [(9, Status.AMBER), (7, Status.GREEN), (5, Status.AMBER)],
    "R1": [(4, Status.AMBER), (2, Status.GREEN)],
    "G6": [(7, Status.AMBER), (6, Status.GREEN)],
    "E1": [(3, Status.AMBER)],
    "E2": [(2, Status.AMBER)],
    "S4": [(4, Status.AMBER)],
}
# Closures: weeks ago the period ended in which the lead asked (Tuesday before the lock);
# the assurance group meets on the Thursday after the lock and decides.
DEMO_COMMITTEES = [
    ("Trust Board", "Board secretary <board.secretary@ccc.example.nhs.uk>"),
    ("Quality Committee", "Quality Committee <quality.committee@ccc.example.nhs.uk>"),
    (
        "Integrated Governance Committee",
        "Governance team <governance@ccc.example.nhs.uk>\nhelen.carter@ccc.example.nhs.uk",
    ),
]
SIGN_OFFS = {"D1": 7, "S2": 4, "G2": 3, "G3": 2}
DECLINED = {"T4": 5}
WAITING = {"R2": 1}  # asked for, not yet decided: the review queue has something in it
# One week a lead was away: the PMO gave a late window and some updates came in late.
LATE_WEEK = 9

# Narratives --------------------------------------------------------------------------
# {pct} is a compliance figure that rises week by week; {date} is a date a few weeks on.

BANK: dict[str, dict[str, list[str]]] = {
    "Dementia / DoLS / AN": {
        "W": [
            "Not yet started. Scoping meeting with the safeguarding team booked for {date}.",
            "Not due to start yet; named nurse for dementia agreed to lead the work.",
            "Not yet started. No change this week.",
        ],
        "G": [
            "On plan. Dementia steering group met this week; terms of reference agreed and "
            "reporting line into the Quality Committee confirmed.",
            "DoLS audit of 20 sets of notes completed: {pct}% had the authorisation recorded "
            "in the patient record. Ward managers given their own results.",
            "Additional needs flag now live on the electronic record for all inpatient "
            "areas; training for ward clerks under way.",
            "On plan: no change since last week.",
            "Safeguarding team attending ward huddles to promote the DoLS checklist; "
            "re-audit scheduled for {date}.",
            "Learning disability and dementia champions identified on every ward; first "
            "champions' forum held.",
        ],
        "A": [
            "Re-audit delayed by safeguarding team sickness; recovery plan agreed with the "
            "Deputy Director of Nursing for completion by {date}.",
        ],
        "R": [
            "Audit shows recording has fallen back; escalated to the Director of Nursing.",
        ],
    },
    "Training": {
        "W": [
            "Not due to start; training needs analysis being drafted by the education team.",
            "Not yet started: waiting on the workforce plan sign-off on {date}.",
            "Not due to start. HR business partners briefed on what is needed.",
        ],
        "G": [
            "On plan. Mandatory training compliance {pct}% trust wide against the 90% "
            "target; divisional leads chasing outstanding staff.",
            "Competency framework mapped on ESR for {pct}% of clinical roles; the remaining "
            "roles are with the practice education facilitators.",
            "Additional BLS and ILS sessions running weekly until {date}; all places filled.",
            "On plan: copy of last week's position, no change.",
            "Training compliance report now goes to the Education and Governance Committee "
            "each month; first report presented this week.",
            "Shift-by-shift check of life support cover added to the matron's daily "
            "safety huddle; no gaps reported this week.",
            "Talent map template agreed with HR business partners; divisions populating it "
            "by {date}.",
        ],
        "A": [
            "Compliance at {pct}% but the competency levels still need approval by the "
            "Education and Governance Committee; slipped to the meeting on {date}.",
            "ESR competency data is incomplete for bank staff; workaround agreed with the "
            "workforce information team, completion expected by {date}.",
        ],
        "R": [
            "ESR training records migration failed: compliance cannot be reported this "
            "week. Escalated to the Director of Workforce; supplier fix expected {date}.",
            "Still no reliable training data after the ESR migration; manual returns "
            "requested from every ward as a stopgap.",
        ],
    },
    "Risk": {
        "W": [
            "Not yet started: risk management review scoped, starting {date}.",
            "Not due to start. Head of Risk has agreed the approach with the divisions.",
        ],
        "G": [
            "On plan. All divisional risk registers reviewed at the Risk and Safety "
            "Committee; {pct}% of risks now have an owner and a review date.",
            "Risk management training delivered to ward managers and heads of department.",
            "Datix risk module updated so that mitigations carry a target date; overdue "
            "reviews flagged to owners weekly.",
            "On plan: no change since last week.",
            "Corporate risk register presented to the Executive Team; three risks "
            "re-scored and one escalated to the BAF.",
        ],
        "A": [
            "Backlog of risk reviews past their date in Diagnostics ({pct}% reviewed); "
            "additional governance support in place, clear by {date}.",
        ],
        "R": ["Risk register review not held this month; escalated to the Chief Executive."],
    },
    "Governance": {
        "W": [
            "Not due to start: will follow the governance review report on {date}.",
            "Not yet started; the Company Secretary is drafting the approach for the "
            "Executive Team.",
            "Not due to start. No change this week.",
        ],
        "G": [
            "On plan. New committee structure approved by the Board; terms of reference "
            "for each sub-committee being finalised.",
            "Minute and action log template in use for all Board sub-committees; "
            "spot check found {pct}% of actions with an owner and date.",
            "Governance roadshow held in two divisions this week; staff survey on "
            "understanding of the structure opens {date}.",
            "On plan: position unchanged.",
            "Joint pathway review with the referring trust held; shared governance "
            "dashboard agreed.",
            "SMART principles briefing delivered to action leads; plans being revised.",
            "Fit and proper person checks complete for all directors; annual declarations "
            "scheduled in the corporate calendar.",
        ],
        "A": [
            "Two sub-committees have not yet adopted the new terms of reference; "
            "Company Secretary following up, expected by {date}.",
        ],
        "R": ["Governance review report delayed by the external reviewer; escalated."],
    },
    "Equality & Diversity": {
        "W": [
            "Not due to start; E&D lead in post from {date}.",
            "Not yet started: the E&D group's first meeting is being arranged.",
        ],
        "G": [
            "On plan. Workforce demographic data extracted from ESR and shared with the "
            "Equality and Diversity group.",
            "Staff network launch event planned for {date}; promotion on the intranet.",
            "On plan: no change since last week.",
        ],
        "A": [
            "The Equality and Diversity strategy is in development and once approved will "
            "be supported by a robust action plan. The Equality and Diversity group will "
            "then identify a timeline for implementation and deliver CQC recommendations "
            "and national guidance.",
            "Strategy drafting has slipped; first draft now due at the E&D group on {date}.",
        ],
        "R": ["No E&D lead in post; escalated to the Director of Workforce."],
    },
    "Safety": {
        "W": [
            "Not due to start; radiation protection adviser booked for {date}.",
            "Not yet started. Radiology service manager briefed on the requirement.",
        ],
        "G": [
            "On plan. Pause-and-check ID audit in radiology shows {pct}% compliance before "
            "exposure; results shared at the departmental meeting.",
            "IR(ME)R awareness sessions delivered to radiographers; next session {date}.",
            "Reporting turnaround now monitored daily; backlog cleared this week.",
            "On plan: no change since last week.",
            "Records storage audit completed on all wards; lockable trolleys delivered.",
        ],
        "A": [
            "An external safety review is planned for the Haemato-oncology directorate, "
            "commissioned by the Medical Director. Monthly patient safety walkabouts by "
            "the consultant leads for patient safety are in place; the clinical quality "
            "strategy goes to the Board on {date}.",
        ],
        "R": ["Reporting backlog has grown again; escalated to the Director of Operations."],
    },
    "Other": {
        "W": [
            "Not due to start yet.",
            "Not yet started; business case being drafted for the Executive Team.",
        ],
        "G": [
            "On plan. Integration workshop with the haemato-oncology team held; joint "
            "clinical governance meeting now monthly.",
            "Radiologist recruitment: two consultant posts advertised, interviews {date}.",
            "On plan: position unchanged.",
            "Reporting outsourcing contract extended while recruitment completes.",
        ],
        "A": ["Recruitment slower than planned; locum cover arranged until {date}."],
        "R": ["No applicants for the consultant posts; escalated to the Medical Director."],
    },
}
PAST_DUE = [
    "Actions complete; evidence being collated for closure at the assurance group.",
    "All actions delivered. Audit to show the change is embedded is under way; closure "
    "request to follow on {date}.",
    "Complete in practice; waiting for the re-audit before asking for closure.",
]
# The paper's own words for the Amber actions (seed 000, Table 2).
OFF_TRACK = {
    "T3": "An action to attain compliance in staff trained at a level of at least 90% is "
    "complete. The outstanding action relates to the education and governance committee "
    "approving the agreed competency levels which will allow the trust to ensure the "
    "appropriate capacity is in place to maintain this compliance. This is planned to be "
    "approved at the meeting w/c {date}.",
    "S4": BANK["Safety"]["A"][0],
    "E1": BANK["Equality & Diversity"]["A"][0],
    "E2": BANK["Equality & Diversity"]["A"][0],
}
CLOSURE_WEEK = (
    "All actions complete; evidence uploaded and closure requested for the assurance "
    "group on {date}."
)
EVIDENCE = {
    "D1": "Dementia strategy governance: terms of reference and the first two quarterly "
    "reports to the Quality Committee.",
    "S2": "Pause-and-check audit of 50 radiology exposures: 100% compliance for three "
    "consecutive months.",
    "G2": "Complaints action plan closed at the Patient Experience Group; response times "
    "within 25 working days for 94% of complaints this quarter.",
    "G3": "Non-executive director now attends the haemato-oncology mortality review "
    "meeting; minutes of the last three meetings.",
    "T4": "BLS/ILS roster check for one month on the medical wards.",
    "R2": "Medicine risk register with mitigations and target dates; Risk and Safety "
    "Committee minutes.",
}
DECLINE_REASON = (
    "The roster check covers one month only; the plan asks for three months of "
    "life-support cover on every shift. Ask again with the next quarter's audit."
)


@dataclass
class Timeline:
    """The demo's calendar: the cycle start, the locked deadlines and the open one."""

    cycle_start: dt.date
    imported_at: dt.datetime
    past: list[dt.datetime]  # oldest first
    current: dt.datetime
    shift: dt.timedelta


def timeline_for(plan: Plan, now: dt.datetime) -> Timeline:
    """Set ``plan.cycle_starts_on`` so ``HISTORY_WEEKS`` periods have ended by ``now``."""
    today = timezone.localtime(now, plan.tz).date()
    plan.cycle_starts_on = today - dt.timedelta(weeks=HISTORY_WEEKS + 2)
    current = schedule.next_deadline_after(plan, now)
    step = {Plan.Cadence.WEEKLY: 7, Plan.Cadence.FORTNIGHTLY: 14}.get(plan.cadence, 7)
    plan.cycle_starts_on = timezone.localtime(current, plan.tz).date() - dt.timedelta(
        days=step * HISTORY_WEEKS + step - 1
    )
    first = schedule.first_deadline(plan)
    past = schedule.deadlines_between(plan, first - dt.timedelta(microseconds=1), now)
    imported_at = dt.datetime.combine(plan.cycle_starts_on, dt.time(9, 30), tzinfo=plan.tz)
    return Timeline(
        cycle_start=plan.cycle_starts_on,
        imported_at=imported_at,
        past=past,
        current=current,
        shift=today - PAPER_DATE,
    )


def shifted_plan_file(path: Path, timeline: Timeline) -> bytes:
    """The plan file with its dates moved onto the demo's calendar, and each action's
    status as it stood at the import: White if it had not started yet, else Green."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    start, end, ragb = (header.index(n) for n in ("Start date", "End date", "RAGB"))
    imported_on = timeline.imported_at.date()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in body:
        row = list(row)
        begins = _moved(row[start], timeline.shift)
        row[start] = f"{begins:%d/%m/%Y}"
        row[end] = f"{_moved(row[end], timeline.shift):%d/%m/%Y}"
        row[ragb] = Status.GREEN.value if begins <= imported_on else Status.WHITE.value
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _moved(text: str, shift: dt.timedelta) -> dt.date:
    for fmt in ("%d/%m/%y", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date() + shift
        except ValueError:
            continue
    raise ValueError(f"Unexpected date in the demo plan file: {text!r}")


def final_statuses(path: Path) -> dict[str, str]:
    """Each action's status as the paper records it: where the history must end."""
    with path.open(newline="", encoding="utf-8") as f:
        return {row["Ref."]: row["RAGB"] for row in csv.DictReader(f)}


# The weeks ---------------------------------------------------------------------------


def _rng(*parts: Any) -> random.Random:
    """The same choices on every machine and every run: seeded by the names involved."""
    return random.Random(zlib.crc32("/".join(map(str, parts)).encode()))  # noqa: S311


def intended_status(action: Action, weeks_ago: int, deadline_day: dt.date, final: str) -> str:
    """What the lead would report for the period that ended ``weeks_ago`` weeks ago."""
    if action.start_date and action.start_date > deadline_day:
        return Status.WHITE
    status = Status.GREEN.value
    for since, story_status in STORIES.get(action.ref, []):
        if weeks_ago <= since:
            status = story_status
    if weeks_ago <= 1 and final in (Status.RED, Status.AMBER, Status.GREEN):
        status = final  # the paper's position, whatever the story
    return status


def narrative(
    action: Action,
    status: str,
    weeks_ago: int,
    deadline_day: dt.date,
    final: str,
    *,
    streak: int = 0,
) -> str:
    """A plausible weekly narrative for this action, status and week, varied by week.

    Off-track narratives follow one another in order (``streak``: weeks at the status).
    """
    later = deadline_day + dt.timedelta(days=7 * (2 + weeks_ago % 3) + 1)
    date = f"{later.day} {later:%B}"
    week_of = later - dt.timedelta(days=later.weekday())
    pct = min(97, 71 + 2 * (HISTORY_WEEKS - weeks_ago) + zlib.crc32(action.ref.encode()) % 5)
    if status in (Status.AMBER, Status.RED) and action.ref in OFF_TRACK and weeks_ago <= 3:
        text = OFF_TRACK[action.ref].replace("w/c {date}", f"w/c {week_of.day} {week_of:%B}")
    elif status == Status.GREEN and action.end_date and action.end_date < deadline_day:
        bank = PAST_DUE
        text = bank[(weeks_ago + zlib.crc32(action.ref.encode())) % len(bank)]
    elif status in (Status.AMBER, Status.RED):
        bank = BANK.get(action.theme, BANK["Other"])[status]
        text = bank[min(streak, len(bank) - 1)]
    else:
        bank = BANK.get(action.theme, BANK["Other"])[status]
        text = bank[(weeks_ago + zlib.crc32(action.ref.encode())) % len(bank)]
    return text.format(date=date, pct=pct)


def working_moment(rng: random.Random, start: dt.datetime, end: dt.datetime, tz) -> dt.datetime:
    """A moment in office hours (Monday to Friday, 08:00 to 18:00) between the two;
    any moment between them if there is none."""
    step = dt.timedelta(minutes=10)
    slots = []
    moment = start + step
    while moment < end:
        local = timezone.localtime(moment, tz)
        if local.weekday() < 5 and 8 <= local.hour < 18:
            slots.append(moment)
        moment += step
    if slots:
        return min(rng.choice(slots) + dt.timedelta(minutes=rng.randint(0, 9)), end)
    return start + (end - start) * (0.1 + 0.8 * rng.random())


@dataclass(order=True)
class Event:
    at: dt.datetime
    order: int
    run: Callable[[], Any]


class HistoryWriter:
    """Collects the demo's events with their moments, then runs them in time order."""

    def __init__(
        self,
        *,
        plan: Plan,
        users: dict[str, AbstractBaseUser],
        timeline: Timeline,
        finals: dict[str, str],
        now: dt.datetime,
    ):
        self.plan = plan
        self.users = users
        self.timeline = timeline
        self.finals = finals
        self.now = now
        self.events: list[Event] = []
        self.closures: dict[str, ClosureRequest] = {}
        self.meetings: dict[dt.date, AssuranceMeeting] = {}
        self.recovered: set[tuple[str, int]] = set()
        self.periods: dict[dt.datetime, ReportingPeriod] = {}

    def period(self, deadline: dt.datetime) -> ReportingPeriod:
        """The period ending at ``deadline``; the services re-read (and lock) it to write."""
        if deadline not in self.periods:
            self.periods[deadline] = services.period_for_deadline(plan=self.plan, deadline=deadline)
        return self.periods[deadline]

    def at(self, moment: dt.datetime, run: Callable[[], Any]) -> None:
        self.events.append(Event(moment, len(self.events), run))

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.plan.tz)

    def lead_of(self, action: Action) -> AbstractBaseUser:
        return next(u for u in self.users.values() if u.pk == action.action_lead_id)

    # Building the calendar -----------------------------------------------------------

    def write(self) -> None:
        actions = list(Action.objects.filter(plan=self.plan).select_related("plan").order_by("id"))
        blue_at = {ref: self._closure_events(ref, weeks) for ref, weeks in SIGN_OFFS.items()}
        for ref, weeks in DECLINED.items():
            self._closure_events(ref, weeks, approve=False)
        for ref, weeks in WAITING.items():
            self._closure_events(ref, weeks, decide=False)
        previous: dict[str, str] = {a.ref: a.status for a in actions}
        streak = dict.fromkeys(previous, 0)  # weeks in a row at the same status
        count = len(self.timeline.past)
        for index, deadline in enumerate(self.timeline.past):
            weeks_ago = count - index
            for action in actions:
                self._week_update(action, deadline, weeks_ago, blue_at, previous, streak)
            if weeks_ago == LATE_WEEK:
                self._late_window(deadline)
            self.at(deadline + dt.timedelta(minutes=2), self._locker(deadline))
            self._report(deadline)
        self._open_week(actions, blue_at)
        self.at(self.timeline.imported_at + dt.timedelta(minutes=20), self._committees)
        self._board_reports()
        for event in sorted(self.events):
            if event.at < self.now:  # seeded minutes after a deadline: the beat locks it
                event.run()

    def _week_update(
        self,
        action: Action,
        deadline: dt.datetime,
        weeks_ago: int,
        blue_at: dict[str, dt.datetime],
        previous: dict[str, str],
        streak: dict[str, int],
    ) -> None:
        """The lead's update on ``action`` for the week ending at ``deadline``, if any;
        ``previous`` and ``streak`` carry each action's last status from week to week."""
        deadline_day = timezone.localtime(deadline, self.plan.tz).date()
        monday = deadline_day - dt.timedelta(days=deadline_day.weekday())
        if action.ref in blue_at and blue_at[action.ref] < self.local(monday, 0):
            return  # signed off: Blue takes no more updates
        status = intended_status(action, weeks_ago, deadline_day, self.finals.get(action.ref, ""))
        unchanged = status == previous[action.ref]
        when = self._update_moment(action, deadline, weeks_ago, unchanged=unchanged)
        if when is None:
            return  # missed this week: the exception report shows it
        streak[action.ref] = streak[action.ref] + 1 if unchanged else 0
        recovered = not unchanged and previous[action.ref] in (Status.RED, Status.AMBER)
        if recovered:
            self.recovered.add((action.ref, weeks_ago))
        previous[action.ref] = status
        self._update(action, deadline, when, status, weeks_ago, deadline_day, streak[action.ref])

    def _update_moment(
        self, action: Action, deadline: dt.datetime, weeks_ago: int, *, unchanged: bool
    ) -> dt.datetime | None:
        """When the lead saves this week's update: None when they miss the week."""
        rng = _rng(action.ref, weeks_ago)
        deadline_day = timezone.localtime(deadline, self.plan.tz).date()
        monday = deadline_day - dt.timedelta(days=deadline_day.weekday())
        away = weeks_ago == LATE_WEEK and action.action_lead_id == self.users["lead2"].pk
        if away and unchanged and rng.random() < 0.6:
            # In after the lock, in the late window the PMO gave.
            return deadline + dt.timedelta(hours=4, minutes=rng.randint(0, 90))
        if away:
            return self.local(deadline_day, 9) + dt.timedelta(minutes=rng.randint(0, 150))
        if unchanged and rng.random() < MISS_RATE:
            return None
        return working_moment(
            rng, self.local(monday, 8), deadline - dt.timedelta(minutes=10), self.plan.tz
        )

    def _update(self, action, deadline, when, status, weeks_ago, deadline_day, streak) -> None:
        final = self.finals.get(action.ref, "")
        text = narrative(action, status, weeks_ago, deadline_day, final, streak=streak)
        if (action.ref, weeks_ago) in self.recovered:
            text = "Back on track. " + text
        if action.ref in SIGN_OFFS and weeks_ago == SIGN_OFFS[action.ref]:
            text = CLOSURE_WEEK.format(date=f"{(deadline_day + dt.timedelta(days=1)):%-d %B}")

        def run() -> None:
            services.update_submit(
                action=action,
                period=self.period(deadline),
                author=self.lead_of(action),
                status=status,
                narrative=text,
                recovery=demo_recovery(action, when),
                now=when,
            )

        self.at(when, run)

    def _open_week(self, actions: list[Action], blue_at: dict[str, dt.datetime]) -> None:
        """About half the actions already updated in the week still open."""
        start = self.timeline.past[-1] if self.timeline.past else self.timeline.imported_at
        window = self.now - start
        if window <= dt.timedelta(minutes=2):
            return
        deadline_day = timezone.localtime(self.timeline.current, self.plan.tz).date()
        for action in actions:
            if action.ref in blue_at:
                continue
            rng = _rng(action.ref, "open")
            if rng.random() >= OPEN_WEEK_SHARE:
                continue
            when = working_moment(rng, start, self.now - dt.timedelta(minutes=1), self.plan.tz)
            final = self.finals.get(action.ref, "")
            status = final if final != Status.BLUE else Status.GREEN
            text = narrative(action, status, 0, deadline_day, final)
            self._update_at(action, when, text, status)

    def _update_at(self, action: Action, when: dt.datetime, text: str, status: str) -> None:
        def run() -> None:
            services.update_submit(
                action=action,
                period=services.period_current(plan=self.plan, now=when),
                author=self.lead_of(action),
                status=status,
                narrative=text,
                recovery=demo_recovery(action, when),
                now=when,
            )

        self.at(when, run)

    def _locker(self, deadline: dt.datetime) -> Callable[[], Any]:
        return lambda: services.plan_lock_due(
            plan=self.plan, now=deadline + dt.timedelta(minutes=2)
        )

    def _report(self, deadline: dt.datetime) -> None:
        """The draft follows the lock; the PMO issues it the next morning."""
        built = deadline + dt.timedelta(minutes=3)
        deadline_day = timezone.localtime(deadline, self.plan.tz).date()
        issued = self.local(deadline_day + dt.timedelta(days=1), 10, 30)

        def build() -> None:
            period = self.period(deadline)
            report_services.report_build(period=period, now=built)

        def issue() -> None:
            period = self.period(deadline)
            report = report_selectors.report_current(period)
            report_services.report_issue(report=report, by=self.users["pmo"], now=issued)

        self.at(built, build)
        if issued < self.now:  # else the draft waits for the PMO, as it would
            self.at(issued, issue)

    def _committees(self) -> None:
        """The committees the monthly highlight report goes to (seed 000's SOP)."""
        for name, recipients in DEMO_COMMITTEES:
            board_services.committee_add(
                plan=self.plan,
                name=name,
                recipients=recipients,
                by=self.users["pmo"],
                now=self.timeline.imported_at + dt.timedelta(minutes=20),
            )

    def _board_reports(self) -> None:
        """Each month's highlight report, asked for on the 3rd of the next month (a Monday if
        that is a weekend), its cover sheet filled in as seed 000's; the PDF worker makes it."""
        month = timezone.localtime(self.timeline.imported_at, self.plan.tz).date().replace(day=1)
        while True:
            following = board_content.add_months(month, 1)
            asked_day = following + dt.timedelta(days=2)
            while asked_day.weekday() >= 5:
                asked_day += dt.timedelta(days=1)
            asked = self.local(asked_day, 10)
            if asked >= self.now:
                return
            self.at(asked, self._board_report(month, asked))
            month = following

    def _board_report(self, month: dt.date, asked: dt.datetime) -> Callable[[], Any]:
        pmo = self.users["pmo"]
        meeting_day = board_content.add_months(month, 1) + dt.timedelta(days=6)
        while meeting_day.weekday() != 3:  # the Board meets on a Thursday
            meeting_day += dt.timedelta(days=1)
        governance_day = meeting_day - dt.timedelta(days=9)

        def run() -> None:
            cover = board_services.cover_defaults(plan=self.plan, month=month, by=pmo)
            cover.update(
                meeting="Trust Board",
                meeting_date=meeting_day,
                written_on=timezone.localtime(asked, self.plan.tz).date(),
                responsible_director=(
                    "Helen Carter, Director of Workforce and Organisational Development"
                ),
                author="Gill Murray, Head of the PMO",
                previously_considered_by=(
                    f"Integrated Governance Committee, {governance_day:%-d %B %Y}: a form of "
                    "assurance was presented. This structured report is the process of "
                    "reporting going forward."
                ),
                asked_to=BoardReport.AskedTo.NOTE,
                strategic_objectives=(
                    "Deliver outstanding care locally\nRetain and develop outstanding staff\n"
                    "Maintain excellent quality, operational and financial performance"
                ),
                baf_risks=(
                    "1. If we do not optimise quality outcomes we will not be able to provide "
                    "outstanding care.\n4. If we do not have the right innovative workforce "
                    "solutions we will not have the right skills, in the right place, at the "
                    "right time.\n10. If we do not continually support, lead and prioritise "
                    "improved quality, operational and financial performance, we will not "
                    "provide safe, efficient and effective cancer services."
                ),
                equality_impact=BoardReport.EqualityImpact.STAGE_1,
                foi_status=BoardReport.FoiStatus.FULL,
                financial_assessment="No financial impact: the plan is delivered within "
                "existing budgets.",
                executive_summary=(
                    "The Board is asked to note the progress made against the regulatory "
                    "actions and recommendations made by the CQC following the publication "
                    "of their report. Weekly exception reporting continues through the Trust "
                    "Executive Group, with monthly reporting through the Board "
                    "sub-committees."
                ),
                risks="Actions off track are escalated at the weekly action meetings chaired "
                "by the exec lead; a recovery date is agreed for each.",
                next_steps="Present the evidence of the actions due next month to the "
                f"{ASSURANCE_GROUP}.",
            )
            board_services.board_report_request(
                plan=self.plan, month=month, by=pmo, cover=cover, now=asked
            )

        return run

    def _late_window(self, deadline: dt.datetime) -> None:
        granted = deadline + dt.timedelta(hours=3)

        def run() -> None:
            services.late_window_grant(
                period=self.period(deadline),
                lead=self.users["lead2"],
                expires_at=deadline + dt.timedelta(hours=24),
                reason="Tom was on annual leave on Monday and Tuesday; updates due by "
                "Thursday 12:00.",
                by=self.users["pmo"],
                now=granted,
            )

        self.at(granted, run)

    def _closure_events(
        self, ref: str, weeks_ago: int, *, approve: bool = True, decide: bool = True
    ) -> dt.datetime:
        """Evidence and a closure request on the Tuesday before the lock; the group meets
        on the Thursday after it and signs off (or declines). Returns the decision moment."""
        deadline = self.timeline.past[len(self.timeline.past) - weeks_ago]
        deadline_day = timezone.localtime(deadline, self.plan.tz).date()
        asked = self.local(deadline_day - dt.timedelta(days=1), 14, 10)
        meeting_day = deadline_day + dt.timedelta(days=1)
        presented = self.local(meeting_day, 14)
        decided = self.local(meeting_day, 15, 30)

        def request() -> None:
            action = Action.objects.select_related("plan").get(plan=self.plan, ref=ref)
            lead = self.lead_of(action)
            evidence = evidence_services.evidence_add(
                action=action,
                by=lead,
                kind=Evidence.Kind.NOTE,
                description=EVIDENCE[ref].split(":")[0].split(";")[0][:200],
                note=EVIDENCE[ref],
                now=asked - dt.timedelta(minutes=5),
            )
            self.closures[ref] = evidence_services.closure_request(
                action=action,
                by=lead,
                summary=f"All actions for {ref} are complete and the evidence shows the "
                "change is embedded.",
                evidence=[evidence],
                now=asked,
            )

        def meet() -> None:
            closure = self.closures[ref]
            meeting = self.meetings.get(meeting_day)
            if meeting is None:
                self.meetings[meeting_day] = evidence_services.meeting_record(
                    name=ASSURANCE_GROUP,
                    held_on=meeting_day,
                    closures=[closure],
                    by=self.users["pmo"],
                    now=presented,
                )
            else:
                evidence_services.meeting_present(
                    meeting=meeting, closures=[closure], by=self.users["pmo"], now=presented
                )

        def decide_it() -> None:
            closure = self.closures[ref]
            if approve:
                evidence_services.closure_approve(
                    closure=closure, by=self.users["reviewer"], now=decided
                )
            else:
                evidence_services.closure_decline(
                    closure=closure, by=self.users["reviewer"], reason=DECLINE_REASON, now=decided
                )

        self.at(asked, request)
        if decide:
            self.at(presented, meet)
            self.at(decided, decide_it)
        return decided


def history_write(
    *,
    plan: Plan,
    users: dict[str, AbstractBaseUser],
    plan_file: Path,
    now: dt.datetime,
    assign: Callable[[dt.datetime], None],
) -> Timeline:
    """Import ``plan_file`` at the cycle's start and run the weeks since, up to ``now``."""
    timeline = timeline_for(plan, now)
    with transaction.atomic():
        services.plan_save(plan=plan)
        report = plan_import(
            plan=plan,
            data=shifted_plan_file(plan_file, timeline),
            filename=plan_file.name,
            by=users["pmo"],
            dry_run=False,
            now=timeline.imported_at,
        )
        if not report.ok:
            raise RuntimeError(
                "The demo plan did not import: " + "; ".join(map(str, report.errors))
            )
        # The plan was set up when its file was imported, at the start of its cycle.
        Plan.objects.filter(pk=plan.pk).update(created_at=timeline.imported_at)
        assign(timeline.imported_at + dt.timedelta(minutes=15))
        writer = HistoryWriter(
            plan=plan, users=users, timeline=timeline, finals=final_statuses(plan_file), now=now
        )
        writer.write()
        ended = dict(Action.objects.filter(plan=plan).values_list("ref", "status"))
        wrong = {
            ref: (s, writer.finals[ref]) for ref, s in ended.items() if s != writer.finals[ref]
        }
        if wrong:
            raise RuntimeError(f"The demo history ended away from the plan file: {wrong}")
    return timeline


def demo_recovery(action: Action, when: dt.datetime) -> dict:
    """The recovery plan a lead writes when the action turns Red: six weeks out."""
    return {
        "what": f"Escalated {action.ref} to the exec lead; extra capacity agreed to catch up",
        "by_when": (when + dt.timedelta(weeks=6)).date(),
        "who": f"{action.exec_lead_label or 'Exec lead'} with the action lead",
    }
