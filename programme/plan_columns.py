"""The plan's spreadsheet gains a workstream column: the importer reads it and the export
writes it, through ``actions.hooks.plan_columns`` (actions imports nothing of programme).

The column is there only when the plan has workstreams. It is headed with the plan's own
term ("Improvement steering group"), and the importer also takes "Workstream", "ISG",
"Strategic priority" and the term's plural. A blank cell leaves the action where it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from actions.hooks import PlanColumn
from actions.models import Action, Plan

from . import services
from .models import Workstream, WorkstreamAction
from .selectors import settings_of

ALIASES = (
    "workstream",
    "work stream",
    "improvement steering group",
    "isg",
    "strategic priority",
)


def _key(name: str) -> str:
    """A workstream's name as a cell is matched to it: spacing and case aside."""
    return " ".join(name.split()).lower()


def workstream_columns(*, plan: Plan) -> list[PlanColumn]:
    """The "Workstream" column of this plan (under its own term), or none without workstreams."""
    workstreams = list(Workstream.objects.filter(plan=plan))
    if not workstreams:
        return []
    named = settings_of(plan)
    by_name = {_key(w.name): w for w in workstreams}
    values = dict(
        WorkstreamAction.objects.filter(workstream__plan=plan).values_list(
            "action_id", "workstream__name"
        )
    )

    def clean(text: str) -> str:
        found = by_name.get(_key(text))
        if found is None:
            raise ValueError(
                f"This plan has no {named.workstream_term.lower()} of this name. Its "
                f"{named.plural.lower()} are: {', '.join(w.name for w in workstreams)}. "
                "Write one of them, or leave the cell blank to keep the action where it is."
            )
        return found.name

    def save(*, action: Action, value: str, by: Any = None, now: dt.datetime | None = None) -> None:
        services.workstream_actions_assign(workstream=by_name[_key(value)], actions=[action])

    return [
        PlanColumn(
            key="workstream",
            header=named.workstream_term,
            aliases=(*ALIASES, named.plural),
            values=values,
            clean=clean,
            save=save,
        )
    ]
