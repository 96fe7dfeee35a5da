"""Reads of the programme: workstreams with their figures, root causes with their state.

The figures are pure functions of (status, end date) pairs so the live pages and the board
report (which reads the plan as it stood at a month's end) count the same way.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from actions import schedule
from actions.models import Action, Finding, FindingKind, Plan, Status
from actions.table1 import TABLE_STATUSES
from kpis.charts import KpiChart, kpi_chart
from kpis.models import Kpi, KpiValue
from kpis.selectors import KpiSummary, summarise

from .models import ProgrammeSettings, RootCause, Workstream, WorkstreamNarrative

KIND_LABELS = dict(FindingKind.choices)


# Trajectory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """Closed (Blue) against the target: those due (end or due date) by ``cutoff``.

    Seed 004 1b: "85% of planned trajectory; 22 closed against a target of 26".
    """

    closed: int
    target: int
    total: int
    noun: str = "actions"

    @property
    def pct(self) -> int | None:
        return round(100 * self.closed / self.target) if self.target else None

    @property
    def sentence(self) -> str:
        if not self.total:
            return f"no {self.noun} yet"
        if not self.target:
            return (
                f"none of its {self.total} {self.noun} due yet; {self.closed} closed ahead of time"
                if self.closed
                else f"none of its {self.total} {self.noun} due yet"
            )
        return (
            f"{self.pct}% of planned trajectory; {self.closed} closed against a target of "
            f"{self.target}"
        )

    def as_dict(self) -> dict:
        return {
            "closed": self.closed,
            "target": self.target,
            "total": self.total,
            "pct": self.pct,
            "sentence": self.sentence,
        }


def trajectory_of(
    items: Iterable[tuple[bool, dt.date | None]], cutoff: dt.date, noun: str = "actions"
) -> Trajectory:
    """``items`` are (closed, due date) pairs; the target counts those due on or before
    ``cutoff``."""
    closed = target = total = 0
    for is_closed, due in items:
        total += 1
        closed += is_closed
        target += due is not None and due <= cutoff
    return Trajectory(closed=closed, target=target, total=total, noun=noun)


def ragb_counts(statuses: Iterable[str]) -> list[dict]:
    """RAGB counts in Table 1's order, each with its label and css modifier."""
    found = Counter(statuses)
    css = {"R": "red", "A": "amber", "G": "green", "B": "blue", "W": "white"}
    return [
        {"code": s.value, "label": s.label, "count": found.get(s.value, 0), "css": css[s.value]}
        for s in TABLE_STATUSES
    ]


# Root causes: what state each is in ----------------------------------------------------


class RootCauseState:
    COMPLETED = "completed"
    OVERDUE = "overdue"
    OFF_TRACK = "off_track"
    ON_TRACK = "on_track"


STATE_LABELS = {
    RootCauseState.COMPLETED: "Completed",
    RootCauseState.OVERDUE: "Overdue",
    RootCauseState.OFF_TRACK: "Off track",
    RootCauseState.ON_TRACK: "On track",
}
STATE_ORDER = list(STATE_LABELS)


def root_cause_state(statuses: list[str], due: dt.date | None, today: dt.date) -> str:
    """Completed once it has actions and all of them are Blue; overdue past its due date;
    off track with a Red or Amber action; else on track."""
    if statuses and all(s == Status.BLUE for s in statuses):
        return RootCauseState.COMPLETED
    if due is not None and due < today:
        return RootCauseState.OVERDUE
    if any(s in (Status.RED, Status.AMBER) for s in statuses):
        return RootCauseState.OFF_TRACK
    return RootCauseState.ON_TRACK


def is_completed(statuses: list[str]) -> bool:
    return bool(statuses) and all(s == Status.BLUE for s in statuses)


# Settings and dates --------------------------------------------------------------------


def settings_of(plan: Plan) -> ProgrammeSettings:
    """The plan's programme settings, or the defaults (unsaved) if the PMO set none."""
    found = ProgrammeSettings.objects.filter(plan=plan).first()
    return found or ProgrammeSettings(plan=plan)


def local_today(plan: Plan, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), plan.tz).date()


def next_update_due(workstream: Workstream, now: dt.datetime) -> dt.datetime:
    """The workstream's next update deadline on its own cadence, at the plan's weekday and
    time (seed 004: fortnightly sprints for most groups, monthly for Well-led)."""
    beat = copy.copy(workstream.plan)
    beat.cadence = workstream.cadence
    if workstream.cadence_starts_on:
        beat.cycle_starts_on = workstream.cadence_starts_on
    return schedule.next_deadline_after(beat, now)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


# The programme overview ----------------------------------------------------------------


@dataclass
class WorkstreamRow:
    workstream: Workstream
    counts: list[dict]
    actions: int
    trajectory: Trajectory
    root_causes: int
    root_cause_trajectory: Trajectory | None
    next_due: dt.datetime
    narrative_month: dt.date | None = None


def workstreams_for(plan: Plan, user=None) -> list[Workstream]:
    qs = Workstream.objects.filter(plan=plan).select_related("executive", "lead", "plan")
    if user is not None:
        qs = qs.filter(Q(executive=user) | Q(lead=user))
    return list(qs)


def workstream_rows(plan: Plan, *, now: dt.datetime, only_for=None) -> list[WorkstreamRow]:
    """Each workstream with its RAGB counts, trajectory to today, root causes and next
    update due. Four queries however many workstreams and actions."""
    workstreams = workstreams_for(plan, only_for)
    today = local_today(plan, now)
    ids = [w.pk for w in workstreams]
    pairs: dict[int, list[tuple[str, dt.date | None]]] = defaultdict(list)
    for ws_id, status, end in Action.objects.filter(
        workstream_link__workstream_id__in=ids
    ).values_list("workstream_link__workstream_id", "status", "end_date"):
        pairs[ws_id].append((status, end))
    causes = _root_cause_pairs(RootCause.objects.filter(workstream_id__in=ids))
    latest = dict(
        WorkstreamNarrative.objects.filter(workstream_id__in=ids)
        .order_by()
        .values("workstream_id")
        .annotate(newest=Max("month"))
        .values_list("workstream_id", "newest")
    )
    rows = []
    for ws in workstreams:
        mine = pairs.get(ws.pk, [])
        rc = [c for c in causes if c[0] == ws.pk]
        rows.append(
            WorkstreamRow(
                workstream=ws,
                counts=ragb_counts(s for s, _ in mine),
                actions=len(mine),
                trajectory=trajectory_of(((s == Status.BLUE, e) for s, e in mine), today),
                root_causes=len(rc),
                root_cause_trajectory=(
                    trajectory_of(((done, due) for _, done, due in rc), today, "root causes")
                    if rc
                    else None
                ),
                next_due=next_update_due(ws, now),
                narrative_month=latest.get(ws.pk),
            )
        )
    return rows


def _root_cause_pairs(causes) -> list[tuple[int | None, bool, dt.date | None]]:
    """(workstream id, completed, due date) of each root cause: two queries."""
    found = list(causes.values_list("pk", "workstream_id", "due_date"))
    statuses: dict[int, list[str]] = defaultdict(list)
    for rc_id, status in RootCause.actions.through.objects.filter(
        rootcause_id__in=[pk for pk, _, _ in found]
    ).values_list("rootcause_id", "action__status"):
        statuses[rc_id].append(status)
    return [(ws_id, is_completed(statuses.get(pk, [])), due) for pk, ws_id, due in found]


# One workstream's page -----------------------------------------------------------------


@dataclass(frozen=True)
class KpiPanel:
    """A KPI with its chart, icons and the chart's data table."""

    summary: KpiSummary
    chart: KpiChart

    @property
    def kpi(self) -> Kpi:
        return self.summary.kpi


def kpi_panels(kpis: Iterable[Kpi]) -> list[KpiPanel]:
    """Each KPI's chart and icons; the KPIs carry ``ordered_values`` (a prefetch)."""
    panels = []
    for kpi in kpis:
        values = kpi.ordered_values  # type: ignore[attr-defined]  # the prefetch's to_attr
        chart = kpi_chart(kpi, values)
        panels.append(KpiPanel(summarise(kpi, values), chart))
    return panels


def values_prefetch() -> Prefetch:
    return Prefetch("values", queryset=KpiValue.objects.order_by("date"), to_attr="ordered_values")


@dataclass
class RootCauseRow:
    root_cause: RootCause
    state: str
    statuses: list[str]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def kind(self) -> str:
        return self.root_cause.finding.kind


def root_cause_rows(causes, today: dt.date) -> list[RootCauseRow]:
    """Root causes with their finding, owner, workstream, actions and state."""
    causes = causes.select_related("finding", "owner", "workstream", "kpi").prefetch_related(
        Prefetch("actions", queryset=Action.objects.order_by("ref", "id"))
    )
    rows = []
    for rc in causes:
        statuses = [a.status for a in rc.actions.all()]
        rows.append(RootCauseRow(rc, root_cause_state(statuses, rc.due_date, today), statuses))
    return rows


@dataclass
class WorkstreamPage:
    row: WorkstreamRow
    actions: list[Action]
    narratives: list[WorkstreamNarrative]
    kpis: list[KpiPanel]
    root_causes: list[RootCauseRow]


def workstream_page(workstream: Workstream, *, now: dt.datetime) -> WorkstreamPage:
    plan = workstream.plan
    today = local_today(plan, now)
    actions = list(
        Action.objects.filter(workstream_link__workstream=workstream)
        .select_related("action_lead")
        .prefetch_related("exec_roles")
        .order_by("ref", "id")
    )
    causes = root_cause_rows(RootCause.objects.filter(workstream=workstream), today)
    rc_pairs = [(r.state == RootCauseState.COMPLETED, r.root_cause.due_date) for r in causes]
    row = WorkstreamRow(
        workstream=workstream,
        counts=ragb_counts(a.status for a in actions),
        actions=len(actions),
        trajectory=trajectory_of(((a.status == Status.BLUE, a.end_date) for a in actions), today),
        root_causes=len(causes),
        root_cause_trajectory=trajectory_of(rc_pairs, today, "root causes") if causes else None,
        next_due=next_update_due(workstream, now),
    )
    narratives = list(
        workstream.narratives.select_related("written_by", "updated_by").order_by("-month")
    )
    kpis = workstream.kpis.select_related("owner").prefetch_related(values_prefetch())
    return WorkstreamPage(row, actions, narratives, kpi_panels(kpis), causes)


# Root causes of a plan -----------------------------------------------------------------


@dataclass
class KindSummary:
    kind: str
    label: str
    counts: dict[str, int]
    total: int
    trajectory: Trajectory

    @property
    def sentence(self) -> str:
        """'93 Must do root causes completed, 76% of the forecast trajectory (122 due).'"""
        done = self.counts[RootCauseState.COMPLETED]
        noun = "root cause" if done == 1 else "root causes"
        head = f"{done} {self.label} {noun} completed"
        if not self.trajectory.target:
            return f"{head}; none due yet"
        return (
            f"{head}, {self.trajectory.pct}% of the forecast trajectory "
            f"({self.trajectory.target} due by now)"
        )


@dataclass
class RootCauseOverview:
    rows: list[RootCauseRow]
    counts: dict[str, int]
    by_kind: list[KindSummary]
    action_trajectory: Trajectory
    root_cause_trajectory: Trajectory
    state_labels: dict[str, str] = field(default_factory=lambda: dict(STATE_LABELS))


def summarise_root_causes(
    rows: list[RootCauseRow], today: dt.date, action_pairs: list[tuple[str, dt.date | None]]
) -> RootCauseOverview:
    counts = Counter(r.state for r in rows)
    by_kind = []
    for kind, label in FindingKind.choices:
        members = [r for r in rows if r.kind == kind]
        if not members:
            continue
        mine = Counter(r.state for r in members)
        by_kind.append(
            KindSummary(
                kind=kind,
                label=label,
                counts={s: mine.get(s, 0) for s in STATE_ORDER},
                total=len(members),
                trajectory=trajectory_of(
                    ((r.state == RootCauseState.COMPLETED, r.root_cause.due_date) for r in members),
                    today,
                    "root causes",
                ),
            )
        )
    return RootCauseOverview(
        rows=rows,
        counts={s: counts.get(s, 0) for s in STATE_ORDER},
        by_kind=by_kind,
        action_trajectory=trajectory_of(((s == Status.BLUE, e) for s, e in action_pairs), today),
        root_cause_trajectory=trajectory_of(
            ((r.state == RootCauseState.COMPLETED, r.root_cause.due_date) for r in rows),
            today,
            "root causes",
        ),
    )


def root_cause_overview(plan: Plan, *, now: dt.datetime, owner=None) -> RootCauseOverview:
    """The plan's root causes (or only ``owner``'s) with counts by state and finding kind,
    and trajectory by root cause and by the actions they hold."""
    today = local_today(plan, now)
    causes = RootCause.objects.filter(plan=plan)
    if owner is not None:
        causes = causes.filter(owner=owner)
    rows = root_cause_rows(causes.order_by("ref", "id"), today)
    action_pairs = list(
        Action.objects.filter(pk__in=causes.values("actions")).values_list("status", "end_date")
    )
    return summarise_root_causes(rows, today, action_pairs)


def findings_of_plan(plan: Plan):
    """The findings a plan answers: its inspection's and those linked to its actions."""
    linked = Action.objects.filter(plan=plan).values("findings")
    query = Q(pk__in=linked)
    if plan.inspection_id:
        query |= Q(inspection_id=plan.inspection_id)
    return Finding.objects.filter(query).order_by("inspection_id", "ref", "id")


# "My actions": the root causes a person owns -------------------------------------------


def my_actions_root_causes(*, user, now: dt.datetime) -> dict | None:
    """The "Your root causes" panel of My actions (registered in ``actions.hooks``): the
    root causes the person owns in open plans, with their state. One query."""
    from django.db.models import Count

    causes = list(
        RootCause.objects.filter(owner=user, plan__closed_at__isnull=True)
        .select_related("plan", "finding")
        .annotate(
            n_actions=Count("actions"),
            n_blue=Count("actions", filter=Q(actions__status=Status.BLUE)),
            n_off=Count("actions", filter=Q(actions__status__in=[Status.RED, Status.AMBER])),
        )
        .order_by("plan__name", "plan_id", "ref", "id")
    )
    if not causes:
        return None
    rows = []
    for rc in causes:
        statuses: list[str] = (
            [Status.BLUE.value] * rc.n_blue
            + [Status.RED.value] * rc.n_off
            + [Status.GREEN.value] * (rc.n_actions - rc.n_blue - rc.n_off)
        )
        state = root_cause_state(statuses, rc.due_date, local_today(rc.plan, now))
        rows.append(RootCauseRow(rc, state, statuses))
    return {
        "template": "programme/_your_root_causes.html",
        "rows": rows,
        "several_plans": len({rc.plan_id for rc in causes}) > 1,
    }
