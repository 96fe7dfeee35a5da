"""The frozen content of an exception report, read from the locked period's snapshot.

``report_content`` decides everything a report says (which actions it lists and why, the
counts, the compliance) and returns it as JSON-safe data. The report stores that data, and
the page, the PDF and the emails render only from it: a change made after the lock, or a
rule changed in this module later, never alters a report already built.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from actions.models import (
    ExecRole,
    FindingKind,
    PeriodSnapshot,
    RecoveryPlan,
    ReportingPeriod,
    Status,
)
from actions.table1 import status_by_kind
from improvement.people import display_name

from .documents import (
    Closures,
    Compliance,
    ExceptionReportDocument,
    ExecRoleEntry,
    ReportAction,
    ReportPeriod,
)
from .models import ReportSettings

logger = logging.getLogger(__name__)

SCHEMA = 1
DUE_TO_END_DAYS = 28  # "due to end in the next four weeks"
NO_EXEC = ""  # the group of actions with no exec lead recorded
KIND_ORDER = {kind.value: n for n, kind in enumerate(FindingKind)}

# Why an action is in the report (the sections), and why it goes to the oversight group.
NOT_UPDATED = "not_updated"
RED = "red"
AMBER = "amber"
PAST_END = "past_end"
CHANGED = "changed"
DUE_TO_END = "due_to_end"
CLOSURE = "closure"
NOT_UPDATED_TWICE = "not_updated_twice"
RED_TWICE = "red_twice"

SNAPSHOT_FIELDS = (
    "action_id",
    "action_status",
    "updated",
    "update_status",
    "narrative",
    "action_lead_id",
    "ref",
    "theme",
    "department",
    "kind",
    "requirement",
    "end_date",
    "exec_leads",
)


def ref_key(ref: str) -> tuple:
    """Natural order of refs: G2 before G10."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", ref))


def action_order(row: dict) -> tuple:
    """Regulatory first, then must do, then should do (as the papers list them), by ref."""
    return (KIND_ORDER.get(row["kind"], 99), ref_key(row["ref"]), row["action_id"])


def exec_codes(label: str) -> list[str]:
    """'DOps/MD' -> ['DOps', 'MD']."""
    return [code.strip() for code in (label or "").split("/") if code.strip()]


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def previous_locked_period(period: ReportingPeriod) -> ReportingPeriod | None:
    return (
        ReportingPeriod.objects.filter(
            plan_id=period.plan_id, locked_at__isnull=False, deadline__lt=period.deadline
        )
        .order_by("-deadline")
        .first()
    )


def _evidence_reader(name: str) -> Callable | None:
    """``evidence.selectors.<name>`` if the evidence app provides it, else None."""
    try:
        module = importlib.import_module("evidence.selectors")
    except ImportError:
        return None
    return getattr(module, name, None)


def _closures(period: ReportingPeriod, previous: ReportingPeriod | None) -> Closures:
    """Closures waiting for a decision at the lock, and those declined since the last lock."""
    awaiting_reader = _evidence_reader("closures_awaiting_decision")
    declined_reader = _evidence_reader("closures_declined_between")
    result: Closures = {
        "available": awaiting_reader is not None,
        "awaiting": [],
        "declined": [],
        "error": "",
    }
    if awaiting_reader is None:
        return result
    plan = period.plan
    at = period.locked_at
    since = previous.locked_at if previous else period.deadline - dt.timedelta(days=7)
    try:
        awaiting = list(awaiting_reader(plan, at))
        declined = list(declined_reader(plan, since, at)) if declined_reader else []
    except Exception:  # the report still goes out; it says what it could not read
        logger.exception("Could not read the closures of plan %s for the report", plan.pk)
        result["error"] = "The closures could not be read when this report was built."
        return result

    def frozen(closure, declined: bool = False) -> dict:
        action = closure.action
        item = {
            "action_id": action.pk,
            "ref": action.ref,
            "requested_at": _iso(closure.requested_at),
            "requested_by": display_name(getattr(closure, "requested_by", None)),
            "summary": getattr(closure, "summary", "") or "",
        }
        if declined:
            item |= {
                "decided_at": _iso(getattr(closure, "decided_at", None)),
                "decided_by": display_name(getattr(closure, "decided_by", None)),
                "reason": getattr(closure, "reason", "") or "",
            }
        return item

    result["awaiting"] = [frozen(c) for c in awaiting]
    result["declined"] = [frozen(c, declined=True) for c in declined]
    return result


def _compliance(rows: list[dict], exec_roles: dict[str, ExecRoleEntry]) -> Compliance:
    """Updates received by the deadline out of those due: overall, per exec lead, per dept.

    Due: every action open at the lock that had an action lead. Received: the snapshot's
    ``updated`` (a save in a late window after the lock is not in it).
    """
    due = [r for r in rows if r["action_status"] != Status.BLUE and r["action_lead_id"]]
    unassigned = sum(
        1 for r in rows if r["action_status"] != Status.BLUE and not r["action_lead_id"]
    )
    by_exec: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_dept: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in due:
        for code in exec_codes(r["exec_leads"]) or [NO_EXEC]:
            by_exec[code][0] += 1
            by_exec[code][1] += r["updated"]
        by_dept[r["department"]][0] += 1
        by_dept[r["department"]][1] += r["updated"]

    def exec_label(code: str) -> str:
        if code == NO_EXEC:
            return "No exec lead recorded"
        role = exec_roles.get(code)
        parts = [code, role["title"], role["holder"]] if role else [code]
        return " · ".join(filter(None, parts))

    return {
        "overall": {"due": len(due), "received": sum(r["updated"] for r in due)},
        "unassigned": unassigned,
        "by_exec": [
            {"key": code, "label": exec_label(code), "due": n[0], "received": n[1]}
            for code, n in sorted(by_exec.items(), key=lambda kv: (kv[0] == NO_EXEC, kv[0]))
        ],
        "by_department": [
            {"key": dept, "label": dept or "No department recorded", "due": n[0], "received": n[1]}
            for dept, n in sorted(by_dept.items(), key=lambda kv: (kv[0] == "", kv[0].lower()))
        ],
    }


def _recovery_plans(period: ReportingPeriod, action_ids: list[int]) -> dict[int, dict]:
    """Each Red action's latest recovery plan as it stood at the lock (one query)."""
    if not action_ids:
        return {}
    plans: dict[int, dict] = {}
    for plan in RecoveryPlan.objects.filter(
        action_id__in=action_ids, recorded_at__lte=period.locked_at
    ).order_by("action_id", "-recorded_at", "-id"):
        plans.setdefault(
            plan.action_id,
            {"what": plan.what, "by_when": _iso(plan.by_when), "who": plan.who},
        )
    return plans


def report_content(
    *, period: ReportingPeriod, report_settings: ReportSettings, now: dt.datetime | None = None
) -> ExceptionReportDocument:
    """Everything the report for the locked ``period`` says, as JSON-safe data.

    A fixed number of queries whatever the size of the plan: the previous period, both
    snapshots, the leads' names, the exec roles and the closures.
    """
    if not period.is_locked:
        raise ValueError(f"{period} has not locked: its report would have nothing frozen to read")
    now = now or timezone.now()
    plan = period.plan
    previous = previous_locked_period(period)
    rows = sorted(
        PeriodSnapshot.objects.filter(period=period).values(*SNAPSHOT_FIELDS), key=action_order
    )
    before = _snapshot_before(previous)
    lead_ids = {r["action_lead_id"] for r in rows if r["action_lead_id"]}
    lead_names = {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=lead_ids)}
    exec_roles = _exec_roles(rows)
    recovery = _recovery_plans(
        period, [r["action_id"] for r in rows if r["action_status"] == Status.RED]
    )
    closures = _closures(period, previous)
    with_closure = {c["action_id"] for c in closures["awaiting"]}

    deadline_date = timezone.localtime(period.deadline, plan.tz).date()
    actions: list[ReportAction] = []
    for r in rows:
        prev = before.get(r["action_id"])
        flags = _flags(r, prev, deadline_date=deadline_date, with_closure=with_closure)
        if flags:
            actions.append(
                _report_action(
                    r,
                    prev,
                    flags=flags,
                    lead=lead_names.get(r["action_lead_id"], ""),
                    recovery_plan=recovery.get(r["action_id"]),
                )
            )

    table = status_by_kind((r["kind"], r["action_status"]) for r in rows)
    return {
        "schema": SCHEMA,
        "plan": {
            "id": plan.pk,
            "name": plan.name,
            "trust": plan.trust,
            "time_zone": plan.time_zone,
        },
        "period": _period_entry(period, deadline_date),
        "previous_period": (
            {"id": previous.pk, "label": previous.label} if previous is not None else None
        ),
        "built_at": _iso(now),
        "oversight_group": report_settings.oversight_group,
        "due_to_end_days": DUE_TO_END_DAYS,
        "exec_roles": exec_roles,
        "table": {
            "columns": [s.value for s in table.columns],
            "rows": [{"kind": row.kind, "counts": row.counts} for row in table.rows],
        },
        "compliance": _compliance(rows, exec_roles),
        "actions": actions,
        "closures": closures,
    }


def _snapshot_before(previous: ReportingPeriod | None) -> dict[int, Any]:
    """The previous locked period's snapshot rows, by action (one query; none without it)."""
    if previous is None:
        return {}
    return {
        r["action_id"]: r
        for r in PeriodSnapshot.objects.filter(period=previous).values(
            "action_id", "action_status", "updated", "update_status", "narrative"
        )
    }


def _exec_roles(rows: list[dict[str, Any]]) -> dict[str, ExecRoleEntry]:
    """Each exec role the rows name: its title and holder (one query)."""
    codes = sorted({c for r in rows for c in exec_codes(r["exec_leads"])})
    exec_roles: dict[str, ExecRoleEntry] = {
        role.code: {"title": role.title, "holder": display_name(role.holder)}
        for role in ExecRole.objects.filter(code__in=codes).select_related("holder")
    }
    for code in codes:  # a code the plan wrote that no ExecRole row has (any more)
        exec_roles.setdefault(code, {"title": "", "holder": ""})
    return exec_roles


def _flags(
    r: dict[str, Any],
    prev: dict[str, Any] | None,
    *,
    deadline_date: dt.date,
    with_closure: set[int],
) -> list[str]:
    """Why the report lists this action (none: it does not)."""
    status = r["action_status"]
    is_open = status != Status.BLUE
    end = r["end_date"]
    due_by = deadline_date + dt.timedelta(days=DUE_TO_END_DAYS)
    checks = [
        (NOT_UPDATED, is_open and not r["updated"]),
        (RED, status == Status.RED),
        (AMBER, status == Status.AMBER),
        (PAST_END, bool(is_open and end and end < deadline_date)),
        (CHANGED, bool(prev and prev["action_status"] != status)),
        (DUE_TO_END, bool(is_open and end and deadline_date <= end <= due_by)),
        (CLOSURE, r["action_id"] in with_closure),
    ]
    return [flag for flag, applies in checks if applies]


def _escalations(r: dict[str, Any], prev: dict[str, Any] | None) -> list[str]:
    """What the oversight group should hear of: not updated, or Red, two periods running."""
    if not prev:
        return []
    status = r["action_status"]
    escalate = []
    if status != Status.BLUE and not r["updated"]:
        if prev["action_status"] != Status.BLUE and not prev["updated"]:
            escalate.append(NOT_UPDATED_TWICE)
    if status == Status.RED and prev["action_status"] == Status.RED:
        escalate.append(RED_TWICE)
    return escalate


def _report_action(
    r: dict[str, Any],
    prev: dict[str, Any] | None,
    *,
    flags: list[str],
    lead: str,
    recovery_plan: dict | None,
) -> ReportAction:
    """One listed action as the document holds it."""
    escalate = _escalations(r, prev)
    return {
        "id": r["action_id"],
        "ref": r["ref"],
        "theme": r["theme"],
        "department": r["department"],
        "kind": r["kind"],
        "requirement": r["requirement"],
        "lead": lead,
        "exec_codes": exec_codes(r["exec_leads"]),
        "status": r["action_status"],
        "updated": r["updated"],
        "update_status": r["update_status"],
        "narrative": r["narrative"],
        "end_date": _iso(r["end_date"]),
        "prev": (
            {
                "status": prev["action_status"],
                "updated": prev["updated"],
                "narrative": prev["narrative"],
            }
            if prev and (CHANGED in flags or escalate)
            else None
        ),
        "flags": flags,
        "escalate": escalate,
        "recovery_plan": recovery_plan,
    }


def _period_entry(period: ReportingPeriod, deadline_date: dt.date) -> ReportPeriod:
    local_lock = timezone.localtime(period.locked_at, period.plan.tz)
    return {
        "id": period.pk,
        "label": period.label,
        "deadline": _iso(period.deadline),
        "deadline_date": _iso(deadline_date),
        "locked_at": _iso(period.locked_at),
        "locked_label": f"{local_lock:%a} {local_lock.day} {local_lock:%b %Y %H:%M}",
        "lock_kind": period.lock_kind,
        "lock_reason": period.lock_reason,
    }
