"""The demo's baseline and change control (issue 13): a plan approved and baselined, one
change to it approved by the executive improvement board and one waiting for a decision.

Everything goes through ``actions.baseline``'s services, each given the moment it happened,
so the plan's record, the actions' history and the board report read as if it had been run.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from actions import baseline
from actions.models import Action, Plan, Status

# How long ago, from ``now``, each step happened.
BASELINED_AGO = dt.timedelta(days=70)
APPROVED_ASKED_AGO = dt.timedelta(days=24)
APPROVED_AGO = dt.timedelta(days=21)
PENDING_ASKED_AGO = dt.timedelta(days=3)
MOVE_BY = dt.timedelta(days=91)  # a quarter later


def add_baseline_and_change_requests(
    plan: Plan, *, pmo, approver, lead, now: dt.datetime | None = None
) -> None:
    """Baseline ``plan`` and add two change requests from ``lead``: one approved by
    ``approver`` (the PMO or an executive lead), one waiting for a decision.

    The requests are on two of ``lead``'s open actions with end dates, the soonest due
    first; if ``lead`` leads fewer than two, other open actions are taken and their own
    leads ask (the PMO for an action without one).
    """
    now = now or timezone.now()
    baseline.baseline_take(
        plan=plan,
        by=pmo,
        reason="Plan approved by the Executive Continuous Improvement Board; "
        "proposed changes to the plan are reviewed and approved at its weekly meeting.",
        now=now - BASELINED_AGO,
    )
    open_with_dates = (
        Action.objects.filter(plan=plan, end_date__isnull=False)
        .exclude(status=Status.BLUE)
        .order_by("end_date", "id")
    )
    chosen = list(open_with_dates.filter(action_lead=lead)[:2])
    chosen += list(open_with_dates.exclude(pk__in=[a.pk for a in chosen])[: 2 - len(chosen)])
    if len(chosen) < 2:
        raise ValueError(f"{plan} needs two open actions with end dates for the demo.")
    first, second = chosen

    [approved] = baseline.change_request_raise(
        action=first,
        by=_requester(first, pmo),
        reason="The new e-learning platform goes live later than planned; the training "
        "cannot be completed until it does.",
        proposed_end_date=first.end_date + MOVE_BY,
        now=now - APPROVED_ASKED_AGO,
    )
    baseline.change_request_approve(
        request=approved,
        by=approver,
        note="Agreed at the Executive Continuous Improvement Board.",
        now=now - APPROVED_AGO,
    )
    baseline.change_request_raise(
        action=second,
        by=_requester(second, pmo),
        reason="Audit results need a second cycle to show the change is embedded.",
        proposed_end_date=second.end_date + MOVE_BY,
        now=now - PENDING_ASKED_AGO,
    )


def _requester(action: Action, pmo):
    """Who asks: the action's lead, else the PMO."""
    return action.action_lead if action.action_lead_id else pmo
