"""The programme's header items, plugged into ``actions.hooks`` (read in the menu's one query).

Readers of the plan get "Programme" (the newest plan's workstreams); someone who runs a
workstream without reading the plan gets it for their workstream's plan; a root cause's
owner who does not read the plan gets "My root causes". The PMO's menu is full at a
desktop's width (tests/browser/test_every_width_browser.py): the PMO lands on the plan,
whose page links to the programme and its root causes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from improvement.roles import Role

from .models import RootCause, Workstream


def annotations() -> dict[str, Any]:
    runs = Workstream.objects.filter(Q(executive=OuterRef("pk")) | Q(lead=OuterRef("pk")))
    owns = RootCause.objects.filter(owner=OuterRef("pk"))
    return {
        "programme_runs_plan": Subquery(runs.order_by("-plan_id").values("plan_id")[:1]),
        "programme_owns_plan": Subquery(owns.order_by("-plan_id").values("plan_id")[:1]),
    }


def items(*, roles, reads_plan: bool, row: dict, plan_id: int | None) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    if Role.PMO in roles:
        return found
    programme_plan = plan_id if reads_plan else row["programme_runs_plan"]
    if programme_plan:
        found.append(("programme", "Programme", reverse("programme", args=[programme_plan])))
    if not reads_plan and row["programme_owns_plan"]:
        url = reverse("root_causes", args=[row["programme_owns_plan"]])
        found.append(("root_causes", "My root causes", url))
    return found
