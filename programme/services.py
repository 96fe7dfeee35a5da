"""Every write to the programme: one function per change, each in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actions.models import Action, Finding, Plan
from actions.services import plan_ensure_writable
from improvement.text import clean, has_visible_text, strip_invisible
from kpis.models import Kpi

from .models import ProgrammeSettings, RootCause, Workstream, WorkstreamAction, WorkstreamNarrative

WORKSTREAM_FIELDS = ("name", "executive", "lead", "cadence", "cadence_starts_on")
ROOT_CAUSE_FIELDS = ("ref", "description", "owner", "workstream", "due_date", "kpi")
NARRATIVE_FIELDS = ("progress", "risks", "mitigation", "next_steps")
TEXT_LIMIT = 10_000


def _unknown(fields: dict[str, Any], allowed: Iterable[str], name: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{name}: unknown fields {', '.join(sorted(unknown))}")


def _kpis_in_plan(plan: Plan, kpis: Iterable[Kpi] | None) -> list[Kpi]:
    chosen = list(kpis or [])
    if any(k.plan_id != plan.pk for k in chosen):
        raise ValidationError({"kpis": "Choose KPIs of this plan."})
    return chosen


# Settings ------------------------------------------------------------------------------


def programme_settings_save(
    *, plan: Plan, workstream_term: str, workstream_term_plural: str = ""
) -> ProgrammeSettings:
    """What the plan calls its workstreams (seed 004: improvement steering groups)."""
    plan_ensure_writable(plan)
    term = strip_invisible(workstream_term)
    if not term:
        raise ValidationError({"workstream_term": "Enter what the plan calls a workstream."})
    with transaction.atomic():
        found, _ = ProgrammeSettings.objects.update_or_create(
            plan=plan,
            defaults={
                "workstream_term": term[:60],
                "workstream_term_plural": strip_invisible(workstream_term_plural)[:60],
            },
        )
    return found


# Workstreams ---------------------------------------------------------------------------


def workstream_create(
    *, plan: Plan, kpis: Iterable[Kpi] | None = None, **fields: Any
) -> Workstream:
    """A new workstream, last in the plan's order."""
    _unknown(fields, WORKSTREAM_FIELDS, "workstream_create")
    plan_ensure_writable(plan)
    chosen = _kpis_in_plan(plan, kpis)
    fields["name"] = strip_invisible(fields.get("name", ""))
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        last = Workstream.objects.filter(plan=plan).aggregate(m=Max("position"))["m"]
        workstream = Workstream(plan=plan, position=(last or 0) + 1, **fields)
        workstream.full_clean()
        workstream.save()
        workstream.kpis.set(chosen)
    return workstream


def workstream_update(
    *, workstream: Workstream, kpis: Iterable[Kpi] | None = None, **fields: Any
) -> Workstream:
    _unknown(fields, WORKSTREAM_FIELDS, "workstream_update")
    plan_ensure_writable(workstream.plan)
    chosen = _kpis_in_plan(workstream.plan, kpis)
    for name, value in fields.items():
        setattr(workstream, name, strip_invisible(value) if name == "name" else value)
    workstream.full_clean()
    with transaction.atomic():
        workstream.save()
        workstream.kpis.set(chosen)
    return workstream


def workstream_move(*, workstream: Workstream, up: bool) -> None:
    """Swap the workstream with its neighbour in the plan's order (positions renumbered)."""
    plan_ensure_writable(workstream.plan)
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=workstream.plan_id).first()
        order = list(Workstream.objects.filter(plan_id=workstream.plan_id))
        index = next(i for i, w in enumerate(order) if w.pk == workstream.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
        for position, item in enumerate(order, start=1):
            item.position = position
        Workstream.objects.bulk_update(order, ["position"])


def workstream_actions_assign(*, workstream: Workstream, actions: Iterable[Action]) -> int:
    """Put ``actions`` in the workstream (moving them from any other: one workstream each)."""
    plan_ensure_writable(workstream.plan)
    chosen = list(actions)
    if any(a.plan_id != workstream.plan_id for a in chosen):
        raise ValidationError("Choose actions of this plan.")
    ids = [a.pk for a in chosen]
    with transaction.atomic():
        WorkstreamAction.objects.filter(action_id__in=ids).exclude(workstream=workstream).delete()
        have = set(
            WorkstreamAction.objects.filter(workstream=workstream, action_id__in=ids).values_list(
                "action_id", flat=True
            )
        )
        WorkstreamAction.objects.bulk_create(
            [WorkstreamAction(workstream=workstream, action_id=pk) for pk in ids if pk not in have]
        )
    return len(ids)


def workstream_actions_release(*, workstream: Workstream, actions: Iterable[Action]) -> int:
    plan_ensure_writable(workstream.plan)
    ids = [a.pk for a in actions]
    with transaction.atomic():
        removed, _ = WorkstreamAction.objects.filter(
            workstream=workstream, action_id__in=ids
        ).delete()
    return removed


def workstream_delete(*, workstream: Workstream) -> None:
    """Its actions stay in the plan, in no workstream; its root causes lose the link."""
    plan_ensure_writable(workstream.plan)
    with transaction.atomic():
        workstream.delete()


# Monthly narrative ---------------------------------------------------------------------


def narrative_save(
    *,
    workstream: Workstream,
    month: dt.date,
    by,
    now: dt.datetime | None = None,
    **texts: str,
) -> WorkstreamNarrative:
    """Write (or rewrite) the workstream's narrative for ``month``: one per month."""
    _unknown(texts, NARRATIVE_FIELDS, "narrative_save")
    plan = workstream.plan
    plan_ensure_writable(plan)
    now = now or timezone.now()
    month = month.replace(day=1)
    this_month = timezone.localtime(now, plan.tz).date().replace(day=1)
    if month > this_month:
        raise ValidationError({"month": "Choose this month or an earlier one."})
    cleaned = {name: clean(texts.get(name) or "").strip() for name in NARRATIVE_FIELDS}
    if not any(has_visible_text(v) for v in cleaned.values()):
        raise ValidationError("Write at least one part of the narrative.")
    too_long = [n for n, v in cleaned.items() if len(v) > TEXT_LIMIT]
    if too_long:
        raise ValidationError({n: f"Keep this under {TEXT_LIMIT:,} characters." for n in too_long})
    with transaction.atomic():
        narrative = (
            WorkstreamNarrative.objects.select_for_update()
            .filter(workstream=workstream, month=month)
            .first()
        )
        if narrative is None:
            narrative = WorkstreamNarrative(
                workstream=workstream, month=month, written_by=by, written_at=now, revision=0
            )
        for name, value in cleaned.items():
            setattr(narrative, name, value)
        narrative.updated_by = by
        narrative.updated_at = now
        narrative.revision += 1
        narrative.save()
    return narrative


# Root causes ---------------------------------------------------------------------------


def _check_root_cause(root_cause: RootCause, actions: list[Action]) -> None:
    plan_id = root_cause.plan_id
    errors = {}
    if root_cause.workstream is not None and root_cause.workstream.plan_id != plan_id:
        errors["workstream"] = "Choose a workstream of this plan."
    if root_cause.kpi is not None and root_cause.kpi.plan_id != plan_id:
        errors["kpi"] = "Choose a KPI of this plan."
    if any(a.plan_id != plan_id for a in actions):
        errors["actions"] = "Choose actions of this plan."
    if errors:
        raise ValidationError(errors)
    root_cause.full_clean()


def root_cause_create(
    *,
    plan: Plan,
    finding: Finding,
    actions: Iterable[Action] | None = None,
    **fields: Any,
) -> RootCause:
    """Unpack ``finding`` into one more root cause of ``plan`` (seed 004)."""
    _unknown(fields, ROOT_CAUSE_FIELDS, "root_cause_create")
    plan_ensure_writable(plan)
    chosen = list(actions or [])
    fields["ref"] = strip_invisible(fields.get("ref", ""))
    fields["description"] = clean(fields.get("description", "")).strip()
    root_cause = RootCause(plan=plan, finding=finding, **fields)
    _check_root_cause(root_cause, chosen)
    with transaction.atomic():
        root_cause.save()
        root_cause.actions.set(chosen)
    return root_cause


def root_cause_update(
    *, root_cause: RootCause, actions: Iterable[Action] | None = None, **fields: Any
) -> RootCause:
    _unknown(fields, ROOT_CAUSE_FIELDS, "root_cause_update")
    plan_ensure_writable(root_cause.plan)
    chosen = list(actions or [])
    for name, value in fields.items():
        if name == "ref":
            value = strip_invisible(value)
        elif name == "description":
            value = clean(value).strip()
        setattr(root_cause, name, value)
    _check_root_cause(root_cause, chosen)
    with transaction.atomic():
        root_cause.save()
        root_cause.actions.set(chosen)
    return root_cause


def root_cause_delete(*, root_cause: RootCause) -> None:
    plan_ensure_writable(root_cause.plan)
    with transaction.atomic():
        root_cause.delete()
