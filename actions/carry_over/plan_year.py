"""A new plan year: the open actions go on into a new plan; the closed ones stay behind.

Seed 001: "Removing all closed actions on the existing IQIP, leaving open actions only to
be moved across to a new 2021/22 IQIP". The open actions are moved, not copied: each keeps
its id, so its weekly updates, history, evidence, closure requests, findings and exec
leads stay with it. The old plan keeps its closed (Blue) actions, its reporting periods,
their snapshots and exception reports, and is closed: every write service refuses it
(``services.plan_ensure_writable``). Everything is counted before and after, in the same
transaction; if the figures do not add up, nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from .. import history, hooks, services
from ..models import (
    Action,
    CarryOver,
    HistoryEntry,
    Inspection,
    Plan,
    PlanEvent,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)

# What travels with an action, in the order the pages list them.
TALLIES = ("actions", "updates", "history", "evidence", "closures", "findings", "exec_roles")
TALLY_LABELS = {
    "actions": "Actions",
    "updates": "Weekly updates",
    "history": "History entries",
    "evidence": "Evidence items",
    "closures": "Closure requests",
    "findings": "Links to findings",
    "exec_roles": "Exec lead links",
}
COPIED_PLAN_FIELDS = (
    "trust",
    "cadence",
    "deadline_weekday",
    "deadline_time",
    "month_week",
    "time_zone",
)


class CarryOverMismatch(RuntimeError):
    """The counts after the move do not add up to those before; nothing was saved."""


def theme_key(theme: str) -> str:
    """A stable form-field name for a theme, whatever characters it holds."""
    return "theme_" + hashlib.blake2b(theme.encode(), digest_size=6).hexdigest()


def _tally(actions: QuerySet) -> dict[str, int]:
    """How many actions, and how many of each thing attached to them. One query per kind.

    Evidence items and closure requests are the evidence app's to count (``hooks``).
    """
    ids = actions.values("pk")
    return {
        "actions": actions.count(),
        "updates": WeeklyUpdate.objects.filter(action__in=ids).count(),
        "history": HistoryEntry.objects.filter(action__in=ids).count(),
        "evidence": hooks.carry_over_counts["evidence"](ids),
        "closures": hooks.carry_over_counts["closures"](ids),
        "findings": Action.findings.through.objects.filter(action__in=ids).count(),
        "exec_roles": Action.exec_roles.through.objects.filter(action__in=ids).count(),
    }


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    count: int

    @property
    def key(self) -> str:
        return theme_key(self.theme)


@dataclass
class CarryOverPreview:
    """What the PMO confirms: what will move, what will stay, and the themes of the move."""

    plan: Plan
    open: dict[str, int]
    closed: dict[str, int]
    themes: list[ThemeRow] = field(default_factory=list)
    # The open period's updates: it locks at the carry-over so its report keeps them.
    open_period: ReportingPeriod | None = None
    open_period_updates: int = 0

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        return [(TALLY_LABELS[k], self.open[k], self.closed[k]) for k in TALLIES]


def carry_over_preview(*, plan: Plan, now: dt.datetime | None = None) -> CarryOverPreview:
    """Count what a carry-over of ``plan`` would move and keep. Reads only."""
    now = now or timezone.now()
    open_period = (
        ReportingPeriod.objects.filter(plan=plan, locked_at__isnull=True, deadline__gt=now)
        .annotate(n=Count("updates"))
        .filter(n__gt=0)
        .order_by("deadline")
        .first()
    )
    themes = [
        ThemeRow(theme=row["theme"], count=row["n"])
        for row in plan.actions.open().order_by("theme").values("theme").annotate(n=Count("pk"))
    ]
    if open_period is not None:
        open_period.plan = plan
    return CarryOverPreview(
        plan=plan,
        open=_tally(plan.actions.open()),
        closed=_tally(plan.actions.filter(status=Status.BLUE)),
        themes=themes,
        open_period=open_period,
        open_period_updates=open_period.n if open_period else 0,
    )


def _copy_plan_settings(*, old: Plan, new: Plan) -> None:
    """The exception report's settings, reminders, distribution list and who signs off."""
    for copy in hooks.carry_over_settings.values():
        copy(old=old, new=new)


def plan_carry_over(
    *,
    plan: Plan,
    name: str,
    by: AbstractBaseUser | None,
    cycle_starts_on: dt.date,
    themes: dict[str, str] | None = None,
    inspection: Inspection | None = None,
    now: dt.datetime | None = None,
) -> CarryOver:
    """Start a new plan year from ``plan``: move its open actions into a new plan, close it.

    ``themes`` maps an old theme to its new one for the actions that move; a theme not in
    it, or mapped to a blank, is kept. The new plan takes the old one's schedule and
    settings; ``inspection`` is the report the new plan answers (the old one's if None).
    """
    now = now or timezone.now()
    services.plan_ensure_writable(plan)
    name, renames = _checked(plan=plan, name=name, themes=themes or {})

    services.plan_lock_due(plan=plan, now=now)  # due locks first, with every action in them
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        services.plan_ensure_writable(plan)  # a second PMO (or a double click) got here first
        _hold_open_periods(plan)
        locked_label = _lock_open_period(plan=plan, by=by, name=name, now=now)
        # The drafts of the old plan's last locks, built while every action is still in it:
        # a report reads the closures waiting at its lock by plan (``hooks``).
        for before_move in hooks.carry_over_before_move.values():
            before_move(plan=plan, now=now)
        before_open = _tally(plan.actions.open())
        before_closed = _tally(plan.actions.filter(status=Status.BLUE))

        new_plan = _new_plan_create(
            old=plan, name=name, cycle_starts_on=cycle_starts_on, inspection=inspection
        )
        moved, themes_changed = _open_actions_move(
            old=plan, new=new_plan, renames=renames, by=by, now=now
        )

        carried, kept = _counts_after(
            old=plan, new=new_plan, moved=moved, before=(before_open, before_closed)
        )
        plan.closed_at = now
        plan.save(update_fields=["closed_at"])
        record = CarryOver.objects.create(
            from_plan=plan,
            to_plan=new_plan,
            by=by,
            at=now,
            themes=renames,
            counts={
                "before": {k: before_open[k] + before_closed[k] for k in TALLIES},
                "carried": carried,
                "kept": kept,
                "themes_changed": themes_changed,
                "history_added": moved,
                "locked_period": locked_label,
            },
        )
    return record


def _counts_after(
    *, old: Plan, new: Plan, moved: int, before: tuple[dict[str, int], dict[str, int]]
) -> tuple[dict[str, int], dict[str, int]]:
    """What was carried and what was kept, checked against the counts before the move."""
    carried = _tally(new.actions.all())
    carried["history"] -= moved  # the carry-over's own entries, counted apart
    kept = _tally(old.actions.all())
    if (carried, kept) != before:
        raise CarryOverMismatch(
            f"Counts before {before[0]} / {before[1]} do not match after "
            f"{carried} / {kept}; nothing was saved."
        )
    return carried, kept


def _checked(*, plan: Plan, name: str, themes: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The new plan's name and the theme renames that change something, or the errors."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the new plan year a name, for example 2021/22 IQIP."]
    elif name.lower() == plan.name.strip().lower():
        errors["name"] = ["The new plan year needs a name of its own, not the old plan's."]
    renames = {
        old: new.strip()
        for old, new in themes.items()
        if new is not None and new.strip() and new.strip() != old
    }
    too_long = [new for new in renames.values() if len(new) > 100]
    if too_long:
        errors["themes"] = [f"Keep each theme to 100 characters or fewer: “{too_long[0][:40]}…”."]
    if errors:
        raise ValidationError(errors)
    return name, renames


def _hold_open_periods(plan: Plan) -> None:
    """Saves hold their period's row while they write: taking the plan's open periods
    waits for those in flight, and the ones after see the plan closed and are refused."""
    list(
        ReportingPeriod.objects.select_for_update()
        .filter(plan=plan, locked_at__isnull=True)
        .values_list("pk", flat=True)
    )


def _new_plan_create(
    *, old: Plan, name: str, cycle_starts_on: dt.date, inspection: Inspection | None
) -> Plan:
    """The new plan year, on the old plan's schedule and with its settings."""
    new_plan = Plan(
        name=name,
        inspection=inspection if inspection is not None else old.inspection,
        cycle_starts_on=cycle_starts_on,
        previous=old,
        **{f: getattr(old, f) for f in COPIED_PLAN_FIELDS},
    )
    new_plan.full_clean()
    new_plan.save()
    _copy_plan_settings(old=old, new=new_plan)
    return new_plan


def _open_actions_move(
    *,
    old: Plan,
    new: Plan,
    renames: dict[str, str],
    by: AbstractBaseUser | None,
    now: dt.datetime,
) -> tuple[int, int]:
    """Move the open actions, each with a history entry saying so: (moved, themes changed)."""
    moving = list(
        Action.objects.select_for_update()
        .filter(plan=old)
        .exclude(status=Status.BLUE)
        .order_by("id")
    )
    entries = []
    themes_changed = 0
    for action in moving:
        changes: dict[str, list[Any]] = {
            history.PLAN: history.change(
                {"id": old.pk, "name": old.name}, {"id": new.pk, "name": new.name}
            )
        }
        new_theme = renames.get(action.theme)
        if new_theme is not None:
            changes[history.THEME] = history.change(action.theme, new_theme)
            action.theme = new_theme
            themes_changed += 1
        action.plan = new
        action.carried_from = old
        action.version += 1
        action.updated_at = now
        entries.append(
            HistoryEntry(
                action=action,
                actor=by,
                actor_name=history.user_name(by),
                at=now,
                kind=HistoryEntry.Kind.CHANGED,
                version=action.version,
                changes=changes,
                note=f"Carried, still open, from {old.name} into the new plan year "
                f"{new.name}, with its updates, evidence and history.",
            )
        )
    Action.objects.bulk_update(
        moving, ["plan", "carried_from", "theme", "version", "updated_at"], batch_size=500
    )
    HistoryEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries), themes_changed


def _lock_open_period(
    *, plan: Plan, by: AbstractBaseUser | None, name: str, now: dt.datetime
) -> str:
    """Lock the period in progress early if leads have written in it; '' if none have.

    Its snapshot takes every action as it stands, open ones included, so the old plan's
    last exception report holds the updates written before the move.
    """
    period = (
        ReportingPeriod.objects.filter(
            plan=plan, locked_at__isnull=True, deadline__gt=now, updates__isnull=False
        )
        .order_by("deadline")
        .first()
    )
    if period is None:
        return ""
    period.plan = plan
    reason = f"Plan year closed: open actions carried into {name}."
    services._period_lock(
        period=period,
        locked_at=now,
        kind=ReportingPeriod.LockKind.EARLY,
        by=by,
        reason=reason,
        now=now,
    )
    PlanEvent.objects.create(
        plan=plan, period=period, actor=by, at=now, kind=PlanEvent.Kind.LOCKED_EARLY, detail=reason
    )
    return period.label
