"""Where the apps above actions plug into it, so that actions imports none of them.

Dependencies point one way (pyproject.toml's import contract): reporting → evidence →
actions → improvement. When a page or a service of actions needs something an app above
owns, that app registers it here in its ``AppConfig.ready()``, keyed by its label, and
actions calls whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

# "My actions": prefetches for the lead's cards, so the page makes one query per kind
# however many actions it lists (evidence: each action's closure requests).
my_actions_prefetches: dict[str, Callable[[], Prefetch]] = {}

# "My actions": panels shown near the top, each a callable taking ``user=`` and ``now=`` and
# returning None (nothing to show) or a dict with the "template" that renders it and its
# context (evidence: "Recent decisions" on the lead's closures). One query each at most.
my_actions_panels: dict[str, Callable[..., dict | None]] = {}

# "My actions": sections shown at the foot of the page, called as the panels are
# (kpis: "Your KPIs", the KPIs the lead enters values for).
my_actions_sections: dict[str, Callable[..., dict | None]] = {}

# Carry-over: how many of a kind of thing travel with a set of actions (``ids`` is a
# values("pk") queryset of them), by the key ``carry_over.plan_year.TALLIES`` lists it under
# (evidence: "evidence" and "closures").
carry_over_counts: dict[str, Callable[[QuerySet], int]] = {}

# Carry-over: copy an app's settings of the old plan to the new one, called with
# ``old=`` and ``new=`` (evidence: who signs off; reporting: the exception report's
# settings, its reminders and the distribution list).
carry_over_settings: dict[str, Callable[..., Any]] = {}

# Carry-over: called with ``plan=`` and ``now=`` in its transaction, once the period in
# progress has locked and before any action moves (reporting: the drafts of the old plan's
# last locks, built while every action is still in it).
carry_over_before_move: dict[str, Callable[..., Any]] = {}

# The header's "Review queue" item (evidence): who sees it, from their role names and
# whether they hold an exec role, and the number of closures waiting as an expression, so
# the header reads it in the same one query as its other flags (``selectors.navigation``).
review_queue_shown: dict[str, Callable[[frozenset[str], bool], bool]] = {}
review_queue_waiting: dict[str, Callable[[], Any]] = {}

# The action's page: what the apps above add to its context, each a callable taking
# ``user=`` and ``action=`` and returning a dict merged into it (evidence: "panel", the
# evidence and closure section, with the forms the user may fill in).
action_page_context: dict[str, Callable[..., dict]] = {}

# The header's items of the apps above (programme: its overview and root causes). Each
# app gives expressions on the user's row, read in the menu's same one query, and a
# callable taking ``roles=``, ``reads_plan=``, ``row=`` (those values) and ``plan_id=``
# (the newest plan) that returns (key, label, url) items, shown after "Board reports".
menu_annotations: dict[str, Callable[[], dict[str, Any]]] = {}
menu_items: dict[str, Callable[..., list[tuple[str, str, str]]]] = {}

# The action's page: extra rows of its summary list, each callable taking ``action=`` and
# ``user=`` and returning a list of (label, [(text, url), ...]) rows, empty if the user may
# not see them (programme: the risks and the notice conditions the action answers).
action_page_rows: dict[str, Callable[..., list[tuple[str, list[tuple[str, str]]]]]] = {}


@dataclass(frozen=True)
class PlanColumn:
    """A column of the plan's spreadsheet that an app above actions owns (programme: the
    workstream). The importer reads it and the export writes it, as for its own columns.

    ``key`` names it in the importer's rows; ``header`` is how the export heads it and the
    preview names its changes; ``aliases`` are the headings the importer takes for it
    (compared lower case); ``values`` is each action's current value by its id, as the
    export writes it; ``clean(text)`` returns the value a cell stands for or raises
    ValueError with a message for the PMO; ``save(action=, value=, by=, now=)`` writes a
    (cleaned, changed) value through the app's own service.
    """

    key: str
    header: str
    aliases: tuple[str, ...]
    values: dict[int, str]
    clean: Callable[[str], str]
    save: Callable[..., Any]


# The plan's spreadsheet (import and export): each callable takes ``plan=`` and returns the
# columns its app adds for that plan, none when the plan has no use for them (programme:
# "Workstream", headed with the plan's own term, when the plan has workstreams).
plan_columns: dict[str, Callable[..., list[PlanColumn]]] = {}
