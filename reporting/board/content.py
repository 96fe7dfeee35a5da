"""The board highlight report's document: every figure, as plain JSON-safe data.

``board_content`` reads the plan as it stood at the month's end (``asat``), the sign-off
records and the locked periods' snapshots, and returns a dict. The PDF, the dashboard and
the stored report render only from it, so a report for a past month reads the same
whenever it is made again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.db.models import Q
from django.utils import timezone

from actions.baseline import approved_changes, baseline_end_dates
from actions.models import (
    STATUS_MEANING,
    ExecRole,
    FindingKind,
    KeyQuestion,
    PeriodSnapshot,
    Plan,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from actions.table1 import TABLE_STATUSES, status_by_kind
from programme.notices import board_notices

from ..content import action_order, exec_codes
from ..documents import AsAt, BoardReportDocument
from ..models import BoardReport
from .asat import ActionAsAt, plan_as_at
from .charts import percent
from .workstreams import programme_section

SCHEMA = 1
KIND_ORDER = [k.value for k in FindingKind]
KIND_LABELS = dict(FindingKind.choices)
KEY_QUESTION_LABELS = dict(KeyQuestion.choices)
NO_KEY_QUESTION = "Key question not recorded"
NO_DEPARTMENT = "Department not recorded"
NO_EXEC = "No exec lead recorded"
MAX_TRAJECTORY_MONTHS = 24
COVER_FIELDS = (
    "meeting",
    "paper_title",
    "meeting_date",
    "written_on",
    "responsible_director",
    "author",
    "previously_considered_by",
    "asked_to",
    "key_questions",
    "strategic_objectives",
    "baf_risks",
    "equality_impact",
    "foi_status",
    "financial_assessment",
    "executive_summary",
    "risks",
    "next_steps",
)
EQUALITY_IMPACT_LABELS = dict(BoardReport.EqualityImpact.choices)
FOI_STATUS_LABELS = dict(BoardReport.FoiStatus.choices)
ASKED_TO = [
    (
        "approve",
        "Approve",
        "To formally receive and discuss a report and approve its "
        "recommendations or a particular course of action",
    ),
    (
        "receive",
        "Receive",
        "To discuss, in depth, noting the implications for the Board or "
        "Trust without formally approving it",
    ),
    ("note", "Note", "For the intelligence of the Board without in-depth discussion required"),
    (
        "assurance",
        "Take assurance",
        "To assure the Board that effective systems of control are in place",
    ),
]


# Months ------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end_moment(plan: Plan, month: dt.date) -> dt.datetime:
    """Midnight at the start of the next month in the plan's time zone: the month's end."""
    return dt.datetime.combine(add_months(month, 1), dt.time(0), tzinfo=plan.tz)


def parse_month(text: str) -> dt.date:
    """'2019-05' -> 1 May 2019; a clear error otherwise."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError as bad:
        raise ValueError(f"Give the month as YYYY-MM, for example 2019-05 (not {text!r}).") from bad


# The document --------------------------------------------------------------------------


def board_content(
    *, plan: Plan, month: dt.date, cover: dict[str, Any], now: dt.datetime | None = None
) -> BoardReportDocument:
    """Everything the report says for ``plan`` and ``month``, as at the month's end.

    For the month still running, as at ``now``. About a dozen queries whatever the size of
    the plan.
    """
    now = now or timezone.now()
    month = month_start(month)
    end = month_end_moment(plan, month)
    moment = min(end, now)  # the month's end, or now while it runs
    actions = plan_as_at(plan, moment)
    local = timezone.localtime(moment, plan.tz)
    last_day = add_months(month, 1) - dt.timedelta(days=1)
    trajectory = _trajectory_against_baseline(plan, month, actions, moment)
    return {
        "schema": SCHEMA,
        "plan": {"id": plan.pk, "name": plan.name, "trust": plan.trust},
        "month": {
            "key": f"{month:%Y-%m}",
            "label": f"{month:%B %Y}",
            "first_day": month.isoformat(),
            "last_day": last_day.isoformat(),
        },
        "as_at": as_at_of(plan, month, now),
        "cover": _cover(cover),
        "totals": _totals(actions),
        "status_by_kind": _status_by_kind(actions),
        "off_track": _off_track(actions),
        "trajectory": trajectory,
        "by_key_question": _by_key_question(actions),
        "by_department": _by_department(actions),
        "assurance": _assurance(plan, month, min(last_day, local.date())),
        "notices": board_notices(plan, min(last_day, local.date())),
        "compliance": _compliance(plan, month, end),
        "appendix": _appendix(actions),
        "plan_changes": _plan_changes(plan, month, moment, baselined=bool(trajectory["baseline"])),
        "programme": programme_section(plan=plan, month=month, moment=moment, actions=actions),
    }


def as_at_of(plan: Plan, month: dt.date, now: dt.datetime) -> AsAt:
    """The moment the report shows: the month's end, or ``now`` while the month runs."""
    end = month_end_moment(plan, month)
    complete = end <= now
    moment = end if complete else now
    local = timezone.localtime(moment, plan.tz)
    last_day = add_months(month, 1) - dt.timedelta(days=1)
    return {
        "moment": moment.isoformat(),
        "complete": complete,
        "label": (
            f"{last_day.day} {last_day:%B %Y}"
            if complete
            else f"{local.day} {local:%B %Y} {local:%H:%M} (the month is not over)"
        ),
    }


def _cover(cover: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in COVER_FIELDS:
        value = cover.get(name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[name] = value if value is not None else ("" if name != "key_questions" else [])
    chosen = out.get("asked_to") or "note"
    out["asked_to_options"] = [
        {"value": v, "label": label, "meaning": meaning, "chosen": v == chosen}
        for v, label, meaning in ASKED_TO
    ]
    out["equality_impact_label"] = EQUALITY_IMPACT_LABELS.get(
        str(out.get("equality_impact") or ""), ""
    )
    out["foi_status_label"] = FOI_STATUS_LABELS.get(str(out.get("foi_status") or ""), "")
    out["baf_risk_items"] = [  # ticked from the plan's BAF risks (programme.Risk)
        {"reference": r.reference, "title": r.title, "score": r.score, "band": r.band_label}
        for r in cover.get("baf_risk_links") or []
    ]
    out["key_question_options"] = [
        {"value": v, "label": label, "chosen": v in (out["key_questions"] or [])}
        for v, label in KeyQuestion.choices
    ]
    return out


def _totals(actions: list[ActionAsAt]) -> dict[str, int]:
    complete = sum(1 for a in actions if a.status == Status.BLUE)
    return {"actions": len(actions), "complete": complete, "open": len(actions) - complete}


def _status_columns() -> list[dict[str, str]]:
    return [
        {"code": s.value, "label": s.label, "meaning": STATUS_MEANING[s]} for s in TABLE_STATUSES
    ]


def _counts(statuses: Iterable[str]) -> list[int]:
    found = Counter(statuses)
    return [found.get(s.value, 0) for s in TABLE_STATUSES]


def _status_by_kind(actions: list[ActionAsAt]) -> dict[str, Any]:
    """Table 1 of the papers: finding kind against RAGB."""
    table = status_by_kind((a.kind, a.status) for a in actions)
    return {
        "columns": _status_columns(),
        "rows": [
            {
                "kind": row.kind,
                "label": row.label,
                "name": row.name,
                "counts": row.counts,
                "total": row.total,
            }
            for row in table.rows
        ],
        "totals": table.totals,
        "grand_total": table.grand_total,
    }


def short_title(requirement: str) -> str:
    """The requirement's own heading ('BLS/ILS/ALS training levels'), else its start."""
    head, colon, _rest = requirement.partition(":")
    if colon and len(head.strip()) <= 80:
        return head.strip()
    text = " ".join(requirement.split())
    return text if len(text) <= 80 else text[:77].rstrip() + "…"


def _off_track(actions: list[ActionAsAt]) -> list[dict[str, Any]]:
    """Every Red and Amber action with its latest narrative (Table 2 of the papers); Red first."""
    rows = [
        {
            "action_id": a.pk,
            "ref": a.ref,
            "kind": a.kind,
            "kind_label": KIND_LABELS.get(a.kind, a.kind),
            "title": short_title(a.requirement),
            "status": a.status,
            "status_label": Status(a.status).label,
            "exec_leads": a.exec_leads,
            "end_date": a.end_date.isoformat() if a.end_date else None,
            "narrative": a.narrative,
            "narrative_date": a.narrative_at.date().isoformat() if a.narrative_at else None,
        }
        for a in actions
        if a.status in (Status.RED, Status.AMBER)
    ]
    rows.sort(key=lambda r: (r["status"] != Status.RED, *action_order(r)))
    return rows


# Trajectory ----------------------------------------------------------------------------


def _series(
    actions: list[ActionAsAt], months: list[dt.date], ends: list[dt.datetime]
) -> dict[str, Any]:
    """Planned to be complete (end date by the month's end) and Blue at the month's end."""
    total = len(actions)
    planned = [
        sum(1 for a in actions if a.end_date is not None and a.end_date < month_next)
        for month_next in (add_months(m, 1) for m in months)
    ]
    actual = [sum(1 for a in actions if a.status_at(end) == Status.BLUE) for end in ends]

    def pct(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    return {
        "total": total,
        "planned": planned,
        "actual": actual,
        "planned_pct": [pct(n) for n in planned],
        "actual_pct": [pct(n) for n in actual],
    }


def _sentence(series: dict[str, Any], index: int) -> str:
    """'11% against a trajectory of 13%', as seed 003 writes it."""
    if not series["total"]:
        return "no actions"
    actual = percent(series["actual_pct"][index])
    planned = percent(series["planned_pct"][index])
    return (
        f"{actual} against a trajectory of {planned} "
        f"({series['actual'][index]} of {series['total']} actions signed off; "
        f"{series['planned'][index]} planned to be complete by now)"
    )


def _trajectory(plan: Plan, month: dt.date, actions: list[ActionAsAt]) -> dict[str, Any]:
    """Per month up to the report's, cumulative: planned to be complete against signed off.

    Months run from the plan's first month, or the first month an action was due to end if
    that is earlier (at most two years back), to the report's month. An action completed
    counts from the month it turned Blue, which a signed-off closure does; it stops
    counting if it is re-opened.
    """
    ends_dates = [a.end_date for a in actions if a.end_date is not None]
    starts = [month, month_start(plan.cycle_starts_on)]
    first = min([month_start(min(ends_dates)), *starts] if ends_dates else starts)
    first = max(first, add_months(month, -(MAX_TRAJECTORY_MONTHS - 1)))
    months = []
    current = first
    while current <= month:
        months.append(current)
        current = add_months(current, 1)
    ends = [month_end_moment(plan, m) for m in months]
    overall = _series(actions, months, ends)
    index = len(months) - 1
    by_kind = []
    for kind in KIND_ORDER:
        members = [a for a in actions if a.kind == kind]
        if not members:
            continue
        series = _series(members, months, ends)
        by_kind.append(
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                **series,
                "sentence": _sentence(series, index),
            }
        )
    later = [a for a in actions if a.end_date is not None and a.end_date >= add_months(month, 1)]
    last_end = max((a.end_date for a in later if a.end_date is not None), default=None)
    return {
        "months": [f"{m:%b %Y}" for m in months],
        "month_keys": [f"{m:%Y-%m}" for m in months],
        "overall": {**overall, "sentence": _sentence(overall, index)},
        "by_kind": by_kind,
        "due_later": len(later),
        "due_later_by": f"{last_end:%B %Y}" if last_end else "",
        "no_end_date": sum(1 for a in actions if a.end_date is None),
    }


# Trajectory against the baseline (issue 13) ---------------------------------------------


def _trajectory_against_baseline(
    plan: Plan, month: dt.date, actions: list[ActionAsAt], moment: dt.datetime
) -> dict[str, Any]:
    """The trajectory, its "planned" line from the baseline in force at ``moment``.

    Without a baseline it is ``_trajectory`` as it was: planned from the end dates. With one,
    "planned" counts each baselined action by its baseline end date, so moving an end date
    no longer moves the target, and "forecast" keeps the count by the current end dates.
    Actions added after the baseline are outside it and count by their own end dates.
    """
    trajectory = _trajectory(plan, month, actions)
    held = baseline_end_dates(plan.pk, moment)
    if held is None:
        trajectory["baseline"] = None
        return trajectory
    baseline, dates = held
    agreed = [replace(a, end_date=dates[a.pk]) if a.pk in dates else a for a in actions]
    months = [dt.date.fromisoformat(f"{key}-01") for key in trajectory["month_keys"]]
    ends = [month_end_moment(plan, m) for m in months]
    index = len(months) - 1

    def against_baseline(forecast: dict[str, Any], members: list[ActionAsAt]) -> dict[str, Any]:
        series = _series(members, months, ends)
        series["forecast"] = forecast["planned"]
        series["forecast_pct"] = forecast["planned_pct"]
        return {**forecast, **series, "sentence": _baseline_sentence(series, index)}

    trajectory["overall"] = against_baseline(trajectory["overall"], agreed)
    trajectory["by_kind"] = [
        against_baseline(row, [a for a in agreed if a.kind == row["kind"]])
        for row in trajectory["by_kind"]
    ]
    trajectory["baseline"] = {
        "label": baseline.label,
        "taken_on": timezone.localtime(baseline.taken_at, plan.tz).date().isoformat(),
        "outside": sum(1 for a in actions if a.pk not in dates),
        "moved": sum(1 for a in actions if a.pk in dates and dates[a.pk] != a.end_date),
    }
    return trajectory


def _baseline_sentence(series: dict[str, Any], index: int) -> str:
    """'18% against a trajectory of 36% (baseline); the current forecast is 18%'."""
    if not series["total"]:
        return "no actions"
    return (
        f"{percent(series['actual_pct'][index])} against a trajectory of "
        f"{percent(series['planned_pct'][index])} from the baseline "
        f"({series['actual'][index]} of {series['total']} actions signed off; "
        f"{series['planned'][index]} planned to be complete by now in the baseline, "
        f"{series['forecast'][index]} by the current end dates)"
    )


def _plan_changes(
    plan: Plan, month: dt.date, moment: dt.datetime, *, baselined: bool
) -> dict[str, Any]:
    """The month's approved changes to baselined actions, to the report's moment (seed 004:
    "proposed changes to the plan are reviewed and approved"). A change is approved only
    once there is a baseline, so a plan without one by ``moment`` has none: no query."""
    if not baselined:
        return {"approved": []}
    start = dt.datetime.combine(month, dt.time(0), tzinfo=plan.tz)
    return {"approved": approved_changes(plan.pk, start, moment)}


# Breakdowns ----------------------------------------------------------------------------


def _breakdown(groups: dict[str, list[str]], order: list[str]) -> dict[str, Any]:
    rows = []
    for name in order:
        statuses = groups.get(name)
        if not statuses:
            continue
        counts = _counts(statuses)
        total = sum(counts)
        blue = counts[TABLE_STATUSES.index(Status.BLUE)]
        rows.append(
            {
                "label": name,
                "counts": counts,
                "total": total,
                "complete_pct": round(100 * blue / total, 1) if total else 0.0,
            }
        )
    return {"columns": _status_columns(), "rows": rows}


def _by_key_question(actions: list[ActionAsAt]) -> dict[str, Any]:
    """An action linked to findings of two key questions counts under both."""
    groups: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        for question in action.key_questions or [""]:
            groups[KEY_QUESTION_LABELS.get(question, NO_KEY_QUESTION)].append(action.status)
    order = [*KEY_QUESTION_LABELS.values(), NO_KEY_QUESTION]
    return _breakdown(groups, order)


def _by_department(actions: list[ActionAsAt]) -> dict[str, Any]:
    groups: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        groups[action.department.strip() or NO_DEPARTMENT].append(action.status)
    named = sorted((k for k in groups if k != NO_DEPARTMENT), key=str.lower)
    # "Trust wide" first, as the papers list it.
    named.sort(key=lambda k: k.lower() != "trust wide")
    return _breakdown(groups, [*named, NO_DEPARTMENT])


# Evidence assurance and update compliance ----------------------------------------------


def _outcome_row(row, kind_keys: list[str]) -> dict[str, Any]:
    return {
        "label": row.label,
        "presented": row.presented,
        "approved": row.approved_total,
        "declined": row.declined_total,
        "approved_by_kind": [row.approved[k] for k in kind_keys],
        "declined_by_kind": [row.declined[k] for k in kind_keys],
    }


def _assurance(plan: Plan, month: dt.date, until: dt.date) -> dict[str, Any]:
    """Closures presented, approved and declined in the month (seed 003's table)."""
    try:
        from evidence.models import KIND_GROUP_LABELS
        from evidence.selectors import signoff_outcomes
    except ImportError:  # pragma: no cover - the evidence app is part of the product
        return {"available": False}
    table = signoff_outcomes(plan, month, until)
    keys = table.shown  # 29A and S31 apart, as seed 003 shows them
    return {
        "available": True,
        "kind_labels": [KIND_GROUP_LABELS[k] for k in keys],
        "by_department": [_outcome_row(r, keys) for r in table.by_department],
        "by_kind": [_outcome_row(r, keys) for r in table.by_kind],
        "total": _outcome_row(table.total, keys),
    }


def _compliance(plan: Plan, month: dt.date, end: dt.datetime) -> dict[str, Any]:
    """Per exec lead: of the updates due at the month's locks, the share in by the deadline.

    Read from each locked period's snapshot: an open action counts as updated if its
    update was in when the plan locked; one saved later in a late window counts as late.
    """
    start = dt.datetime.combine(month, dt.time(0), tzinfo=plan.tz)
    periods = list(
        ReportingPeriod.objects.filter(
            plan=plan, deadline__gte=start, deadline__lt=end, locked_at__isnull=False
        ).order_by("deadline")
    )
    for period in periods:
        period.plan = plan
    snapshots = list(
        PeriodSnapshot.objects.filter(period__in=periods)
        .exclude(action_status=Status.BLUE)
        .values_list("period_id", "action_id", "updated", "exec_leads")
    )
    late = set(
        WeeklyUpdate.objects.filter(period__in=periods, late=True).values_list(
            "period_id", "action_id"
        )
    )
    tally: dict[str, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    for period_id, action_id, updated, exec_leads in snapshots:
        outcome = "on_time" if updated else "late" if (period_id, action_id) in late else "missing"
        for code in exec_codes(exec_leads) or [NO_EXEC]:
            tally[code]["expected"] += 1
            tally[code][outcome] += 1
        total["expected"] += 1
        total[outcome] += 1
    holders = {
        role.code: (role.holder.get_full_name() or role.holder.get_username())
        if role.holder
        else ""
        for role in ExecRole.objects.filter(Q(code__in=list(tally))).select_related("holder")
    }

    def row(code: str, counts: Counter) -> dict[str, Any]:
        expected = counts["expected"]
        return {
            "code": code,
            "name": holders.get(code, ""),
            "expected": expected,
            "on_time": counts["on_time"],
            "late": counts["late"],
            "missing": counts["missing"],
            "share_pct": round(100 * counts["on_time"] / expected, 1) if expected else 0.0,
        }

    codes = sorted((c for c in tally if c != NO_EXEC), key=str.lower)
    if NO_EXEC in tally:
        codes.append(NO_EXEC)
    return {
        "periods": [{"label": p.label, "deadline": p.deadline.isoformat()} for p in periods],
        "rows": [row(code, tally[code]) for code in codes],
        "total": row("Total", total),
    }


# Appendix ------------------------------------------------------------------------------


def _appendix(actions: list[ActionAsAt]) -> dict[str, Any]:
    """The full plan in plan order, with the RAGB key and the key of the roles it names."""
    rows = [
        {
            "action_id": a.pk,
            "ref": a.ref,
            "theme": a.theme,
            "department": a.department,
            "kind": a.kind,
            "kind_label": KIND_LABELS.get(a.kind, a.kind),
            "requirement": a.requirement,
            "status": a.status,
            "status_label": Status(a.status).label,
            "exec_leads": a.exec_leads,
            "start_date": a.start_date.strftime("%d/%m/%y") if a.start_date else "",
            "end_date": a.end_date.strftime("%d/%m/%y") if a.end_date else "",
        }
        for a in actions
    ]
    codes = {code for a in actions for code in exec_codes(a.exec_leads)}
    roles = [
        {"code": code, "title": title}
        for code, title in ExecRole.objects.filter(code__in=codes)
        .order_by("code")
        .values_list("code", "title")
    ]
    return {
        "rows": rows,
        "ragb_key": [
            {"code": s.value, "label": s.label, "meaning": STATUS_MEANING[s]}
            for s in TABLE_STATUSES
        ],
        "role_key": roles,
    }
