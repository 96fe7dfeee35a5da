"""A new plan year (actions.carry_over): the old plan's risks and regulatory notices go on
into the new plan, linked to the open actions that move with them.

Called through ``actions.hooks.carry_over_settings`` before the open actions move. The old
plan keeps its own risks and notices as they were (it becomes read-only); the copies in the
new plan link to the same open actions and findings. Links to root causes stay with the old
plan, whose root causes they are.
"""

from __future__ import annotations

from django.db.models import Prefetch

from actions.models import Action, Plan, Status
from programme.models import Notice, NoticeCondition, Risk

RISK_COPIED = (
    "kind",
    "reference",
    "title",
    "description",
    "owner_id",
    "owner_name",
    "likelihood",
    "consequence",
    "score",
    "status",
    "theme",
    "alignment",
)
NOTICE_COPIED = (
    "kind",
    "reference",
    "inspection_id",
    "core_service",
    "issued_on",
    "deadline",
    "summary",
)
CONDITION_COPIED = ("number", "text", "deadline", "status")


def _open(actions) -> list[Action]:
    return [a for a in actions if a.status != Status.BLUE]


def risks_and_notices_copy(*, old: Plan, new: Plan) -> None:
    """Copy ``old``'s risks and notices (with their conditions) into ``new``, each linked to
    the open actions and the findings the original links to."""
    open_actions = Prefetch("actions", queryset=Action.objects.only("id", "status", "plan_id"))
    for risk in Risk.objects.filter(plan=old).prefetch_related(open_actions, "findings"):
        copy = Risk.objects.create(plan=new, **{f: getattr(risk, f) for f in RISK_COPIED})
        copy.actions.set(_open(risk.actions.all()))
        copy.findings.set(risk.findings.all())
    conditions = Prefetch(
        "conditions", queryset=NoticeCondition.objects.prefetch_related(open_actions, "findings")
    )
    for notice in Notice.objects.filter(plan=old).prefetch_related(conditions):
        notice_copy = Notice.objects.create(
            plan=new, **{f: getattr(notice, f) for f in NOTICE_COPIED}
        )
        for condition in notice.conditions.all():
            condition_copy = NoticeCondition.objects.create(
                notice=notice_copy, **{f: getattr(condition, f) for f in CONDITION_COPIED}
            )
            condition_copy.actions.set(_open(condition.actions.all()))
            condition_copy.findings.set(condition.findings.all())
