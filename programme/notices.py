"""Regulatory notices and their numbered conditions: the writes (one function per change,
each in one transaction) and the reads the pages, the conditions report and the board
report share.

Seed 003 reports Section 29A warning notices and Section 31 conditions apart ("Conditions:
29A, S31") and prints their progress as a separate "Conditions Notices Board report".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from actions.models import Action, Finding, Plan, Status, WeeklyUpdate
from actions.services import plan_ensure_writable
from improvement import text as typed
from programme.models import ConditionStatus, Notice, NoticeCondition, NoticeKind
from programme.models.notices import NOTICE_SHORT
from programme.risks import plan_findings

NOTICE_FIELDS = (
    "kind",
    "reference",
    "inspection",
    "core_service",
    "issued_on",
    "deadline",
    "summary",
)
CONDITION_FIELDS = ("number", "text", "deadline", "status")


def _clean(fields: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    for name in names:
        if name in fields:
            fields[name] = typed.strip_invisible(str(fields[name] or "")).strip()
    return fields


def _check(fields: dict[str, Any], allowed: tuple[str, ...], action: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{action}: unknown fields {', '.join(sorted(unknown))}")


# Writes ---------------------------------------------------------------------------------


def notice_create(*, plan: Plan, **fields: Any) -> Notice:
    _check(fields, NOTICE_FIELDS, "notice_create")
    plan_ensure_writable(plan)
    notice = Notice(plan=plan, **_clean(dict(fields), ("reference", "core_service", "summary")))
    notice.full_clean()
    with transaction.atomic():
        notice.save()
    return notice


def notice_update(*, notice: Notice, **fields: Any) -> Notice:
    _check(fields, NOTICE_FIELDS, "notice_update")
    plan_ensure_writable(notice.plan)
    for name, value in _clean(dict(fields), ("reference", "core_service", "summary")).items():
        setattr(notice, name, value)
    notice.full_clean()
    with transaction.atomic():
        notice.save()
    return notice


def condition_create(*, notice: Notice, **fields: Any) -> NoticeCondition:
    """A numbered condition of ``notice``; without a number, the next one."""
    _check(fields, CONDITION_FIELDS, "condition_create")
    plan_ensure_writable(notice.plan)
    fields = _clean(dict(fields), ("text",))
    with transaction.atomic():
        Notice.objects.select_for_update().filter(pk=notice.pk).first()
        if not fields.get("number"):
            last = notice.conditions.order_by("-number").values_list("number", flat=True).first()
            fields["number"] = (last or 0) + 1
        condition = NoticeCondition(notice=notice, **fields)
        condition.full_clean()
        condition.save()
    return condition


def condition_update(*, condition: NoticeCondition, **fields: Any) -> NoticeCondition:
    _check(fields, CONDITION_FIELDS, "condition_update")
    plan_ensure_writable(condition.notice.plan)
    for name, value in _clean(dict(fields), ("text",)).items():
        setattr(condition, name, value)
    condition.full_clean()
    with transaction.atomic():
        condition.save()
    return condition


def condition_links_set(
    *,
    condition: NoticeCondition,
    actions: Iterable[Action] = (),
    findings: Iterable[Finding] = (),
) -> NoticeCondition:
    """Link the condition to exactly these actions and findings of its plan."""
    plan = condition.notice.plan
    plan_ensure_writable(plan)
    actions, findings = list(actions), list(findings)
    if any(a.plan_id != plan.pk for a in actions):
        raise ValidationError({"actions": "Choose actions of this plan."})
    allowed = set(plan_findings(plan).values_list("pk", flat=True))
    if any(f.pk not in allowed for f in findings):
        raise ValidationError({"findings": "Choose findings this plan answers."})
    with transaction.atomic():
        condition.actions.set(actions)
        condition.findings.set(findings)
    return condition


# Reads ----------------------------------------------------------------------------------


def plan_today(plan: Plan, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), plan.tz).date()


def is_overdue(condition: NoticeCondition, today: dt.date) -> bool:
    due = condition.due
    return condition.status == ConditionStatus.OPEN and due is not None and due < today


def _actions_with_latest_update():
    latest = WeeklyUpdate.objects.filter(action=OuterRef("pk")).order_by(
        "-period__deadline", "-revision", "-id"
    )
    return (
        Action.objects.select_related("action_lead")
        .prefetch_related("exec_roles")
        .annotate(
            latest_narrative=Subquery(latest.values("narrative")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_at=Subquery(latest.values("submitted_at")[:1]),
        )
        .order_by("id")
    )


def notices_with_conditions(plan: Plan) -> list[Notice]:
    """The plan's notices, each with its conditions, their linked findings and actions (the
    actions annotated with their latest update): five queries however many there are."""
    return list(
        Notice.objects.in_plan(plan)
        .select_related("inspection")
        .prefetch_related(
            Prefetch(
                "conditions",
                queryset=NoticeCondition.objects.order_by("number", "id").prefetch_related(
                    Prefetch("actions", queryset=_actions_with_latest_update()),
                    Prefetch("findings", queryset=Finding.objects.order_by("ref", "id")),
                ),
            )
        )
    )


@dataclass(frozen=True)
class ConditionLine:
    condition: NoticeCondition
    due: dt.date | None
    overdue: bool
    actions: list[Action]
    all_actions_blue: bool


@dataclass(frozen=True)
class NoticeBlock:
    notice: Notice
    lines: list[ConditionLine]

    @property
    def open_count(self) -> int:
        return sum(1 for line in self.lines if line.condition.status == ConditionStatus.OPEN)

    @property
    def overdue_count(self) -> int:
        return sum(1 for line in self.lines if line.overdue)


def conditions_report(plan: Plan, today: dt.date | None = None) -> list[NoticeBlock]:
    """Every notice, each condition with its deadline, overdue flag and linked actions."""
    today = today or plan_today(plan)
    blocks = []
    for notice in notices_with_conditions(plan):
        lines = []
        for condition in notice.conditions.all():
            condition.notice = notice  # the prefetch's rows know their notice: no query
            actions = list(condition.actions.all())
            lines.append(
                ConditionLine(
                    condition=condition,
                    due=condition.due,
                    overdue=is_overdue(condition, today),
                    actions=actions,
                    all_actions_blue=bool(actions)
                    and all(a.status == Status.BLUE for a in actions),
                )
            )
        blocks.append(NoticeBlock(notice, lines))
    return blocks


KIND_ORDER = [NoticeKind.SECTION_29A, NoticeKind.SECTION_31, NoticeKind.REQUIREMENT]


def counts_of(blocks: list[NoticeBlock]) -> list[dict[str, Any]]:
    """Per notice kind (29A and S31 apart): notices, conditions, met, open, overdue.

    JSON-safe: the board report's document keeps it. No query: read from the blocks.
    """
    rows = []
    for kind in KIND_ORDER:
        mine = [b for b in blocks if b.notice.kind == kind]
        if not mine:
            continue
        lines = [line for b in mine for line in b.lines]
        statuses = [line.condition.status for line in lines]
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "short": NOTICE_SHORT[kind],
                "notices": len(mine),
                "conditions": len(lines),
                "met": statuses.count(ConditionStatus.MET),
                "lifted": statuses.count(ConditionStatus.LIFTED),
                "open": statuses.count(ConditionStatus.OPEN),
                "overdue": sum(1 for line in lines if line.overdue),
            }
        )
    return rows


def notice_counts(plan: Plan, today: dt.date | None = None) -> list[dict[str, Any]]:
    return counts_of(conditions_report(plan, today))


def board_notices(plan: Plan, today: dt.date) -> dict[str, Any]:
    """The board report's regulatory notices section: counts per kind and each condition."""
    blocks = conditions_report(plan, today)
    return {
        "counts": counts_of(blocks),
        "notices": [
            {
                "kind": block.notice.kind,
                "short": block.notice.short_kind,
                "title": str(block.notice),
                "deadline": block.notice.deadline.isoformat() if block.notice.deadline else None,
                "conditions": [
                    {
                        "number": line.condition.number,
                        "text": line.condition.text,
                        "status": line.condition.get_status_display(),
                        "due": line.due.isoformat() if line.due else None,
                        "due_label": f"{line.due.day} {line.due:%B %Y}" if line.due else "",
                        "overdue": line.overdue,
                        "actions": [
                            {
                                "ref": a.ref,
                                "status": a.status,
                                "status_label": a.get_status_display(),
                            }
                            for a in line.actions
                        ],
                    }
                    for line in block.lines
                ],
            }
            for block in blocks
        ],
    }
