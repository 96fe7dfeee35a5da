"""The plan as it stood at a moment: each action's fields, status and latest narrative.

A board report for May shows the plan at the end of May, however the plan changes later.
Every change to an action goes through a service that records a ``HistoryEntry`` with the
values before and after, so the plan at a moment is today's plan with each change recorded
at or after that moment undone, newest first. Narratives are the newest update text saved
before the moment (an update replaced later keeps its earlier text in the history).

The history holds field names and raw values (``actions.history``), never screen labels, so
renaming a label cannot change a past report. django-simple-history's ``as_of()`` was
weighed and not adopted: it would replace only the ~45 lines that undo fields, exec leads
and findings, while adding a second history written by signals (which ``bulk_update`` in
the carry-over skips), historical tables for the two many-to-many fields, and a backfill
from these entries for every month before it was installed; the creation times, status
changes (trajectory) and narratives would still come from here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet

from actions import history
from actions.models import (
    Action,
    Finding,
    HistoryEntry,
    KeyQuestion,
    Plan,
    WeeklyUpdate,
)

# Fields recorded in the history (``actions.history`` names them) that the plan shows.
STATUS_KEY = history.STATUS
FIELD_KEYS = (
    history.REF,
    history.THEME,
    history.DEPARTMENT,
    history.KIND,
    history.REQUIREMENT,
    history.START_DATE,
    history.END_DATE,
)
DATE_KEYS = (history.START_DATE, history.END_DATE)
TRACKED_KEYS = [STATUS_KEY, *FIELD_KEYS, history.EXEC_LEADS, history.FINDINGS]
UPDATE_KINDS = (HistoryEntry.Kind.UPDATE_SAVED, HistoryEntry.Kind.UPDATE_REPLACED)


@dataclass
class ActionAsAt:
    """One action as it stood at the moment asked for."""

    pk: int
    ref: str
    theme: str
    department: str
    kind: str
    requirement: str
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    exec_leads: str
    key_questions: list[str]
    created_at: dt.datetime | None
    narrative: str = ""
    narrative_at: dt.datetime | None = None
    # (when, status before) of every status change, newest first: status at earlier moments.
    status_changes: list[tuple[dt.datetime, str]] = field(default_factory=list)

    def status_at(self, moment: dt.datetime) -> str | None:
        """Its status at an earlier ``moment``; None if it did not exist then."""
        if self.created_at is not None and self.created_at >= moment:
            return None
        status = self.status
        for at, before in self.status_changes:
            if at < moment:
                break
            status = before
        return status


def _date(value: str | None) -> dt.date | None:
    """History records dates as ISO strings; None for none."""
    return dt.date.fromisoformat(value) if value else None


def plan_as_at(plan: Plan, moment: dt.datetime) -> list[ActionAsAt]:
    """The plan's actions that existed at ``moment``, each as it stood then, in plan order.

    Six or seven queries whatever the size of the plan: the actions with their exec leads
    and findings, the newest narrative of each before ``moment`` (from the updates and from
    the history), the history that matters, and the findings named in undone changes of
    findings.
    """
    actions = list(
        Action.objects.filter(plan=plan).prefetch_related("exec_roles", "findings").order_by("id")
    )
    narratives = _narratives_before(plan, moment)
    entries = _recorded_changes(plan, moment)
    rows: list[ActionAsAt] = []
    finding_refs: dict[int, list[str]] = {}
    for action in actions:
        row, undone_findings = _action_as_at(action, entries.get(action.pk, []), moment)
        if row.created_at is not None and row.created_at >= moment:
            continue  # created after the moment
        if undone_findings is not None:
            finding_refs[action.pk] = list(undone_findings)
        row.narrative, row.narrative_at = narratives.get(action.pk, ("", None))
        rows.append(row)
    _key_questions_as_at(plan, rows, finding_refs)
    return rows


Entry = tuple[str, dt.datetime, dict]


def _recorded_changes(plan: Plan, moment: dt.datetime) -> dict[int, list[Entry]]:
    """Per action, newest first: its creation, every status change, and every change to a
    tracked field made at or after ``moment`` (to be undone)."""
    recorded = (
        HistoryEntry.objects.filter(action__plan=plan)
        .filter(
            Q(kind=HistoryEntry.Kind.CREATED)
            | Q(changes__has_key=STATUS_KEY)
            | Q(at__gte=moment, changes__has_any_keys=TRACKED_KEYS)
        )
        .order_by("-at", "-id")
        .values_list("action_id", "kind", "at", "changes")
    )
    entries: dict[int, list[Entry]] = defaultdict(list)
    for action_id, kind, at, changes in recorded:
        entries[action_id].append((kind, at, changes if isinstance(changes, dict) else {}))
    return entries


def _action_as_at(
    action: Action, entries: list[Entry], moment: dt.datetime
) -> tuple[ActionAsAt, list[str] | None]:
    """The action with every change at or after ``moment`` undone; and the finding refs it
    had then, if a change of its findings was undone."""
    row = ActionAsAt(
        pk=action.pk,
        ref=action.ref,
        theme=action.theme,
        department=action.department,
        kind=action.kind,
        requirement=action.requirement,
        start_date=action.start_date,
        end_date=action.end_date,
        status=action.status,
        exec_leads=action.exec_lead_label,
        key_questions=sorted({f.key_question for f in action.findings.all() if f.key_question}),
        created_at=None,
    )
    undone_findings: list[str] | None = None
    for kind, at, changes in entries:  # newest first
        if kind == HistoryEntry.Kind.CREATED:
            row.created_at = at if row.created_at is None else min(row.created_at, at)
        before = changes[STATUS_KEY][0] if STATUS_KEY in changes else None
        if before:
            row.status_changes.append((at, before))
        if at < moment:
            continue
        if before:
            row.status = before
        findings_before = _undo_fields(row, changes)
        if findings_before is not None:
            undone_findings = findings_before
    return row, undone_findings


def _undo_fields(row: ActionAsAt, changes: dict) -> list[str] | None:
    """Undo one change's fields and exec leads on ``row``; the findings it had before, if
    the change moved them."""
    for name in FIELD_KEYS:
        if name in changes:
            value = changes[name][0]
            if name in DATE_KEYS:
                value = _date(value)
            elif value is None:
                value = ""
            setattr(row, name, value)
    if history.EXEC_LEADS in changes:
        row.exec_leads = "/".join(changes[history.EXEC_LEADS][0] or [])
    if history.FINDINGS in changes:
        return changes[history.FINDINGS][0] or []
    return None


def _key_questions_as_at(
    plan: Plan, rows: list[ActionAsAt], finding_refs: dict[int, list[str]]
) -> None:
    """The key questions of the findings each action answered then, where they changed."""
    if not (finding_refs and plan.inspection_id):
        return
    refs = {ref for refs in finding_refs.values() for ref in refs}
    questions = dict(
        Finding.objects.filter(inspection_id=plan.inspection_id, ref__in=refs).values_list(
            "ref", "key_question"
        )
    )
    for row in rows:
        if row.pk in finding_refs:
            row.key_questions = sorted(
                {questions[r] for r in finding_refs[row.pk] if questions.get(r)}
            )


def _narratives_before(plan: Plan, moment: dt.datetime) -> dict[int, tuple[str, dt.datetime]]:
    """Each action's newest narrative before ``moment``: the newer of the update text
    recorded in the history and the update row itself. Two queries, each the newest row per
    action, not two subqueries per action."""
    newest: dict[int, tuple[str, dt.datetime]] = {}
    entries = HistoryEntry.objects.filter(
        action__plan=plan,
        kind__in=UPDATE_KINDS,
        at__lt=moment,
        changes__has_key=history.NARRATIVE,
    ).order_by("action_id", "-at", "-id")
    for action_id, changes, at in _first_per_action(entries, "action_id", "changes", "at"):
        if isinstance(changes, str):  # some databases hand back JSON as text
            changes = json.loads(changes)
        if changes and at:
            newest[action_id] = (changes[history.NARRATIVE][1], at)
    updates = WeeklyUpdate.objects.filter(action__plan=plan, submitted_at__lt=moment).order_by(
        "action_id", "-submitted_at", "-id"
    )
    for action_id, narrative, at in _first_per_action(
        updates, "action_id", "narrative", "submitted_at"
    ):
        # The newer of the two; at the same moment, the history's text.
        if narrative and at and (action_id not in newest or at > newest[action_id][1]):
            newest[action_id] = (narrative, at)
    return newest


def _first_per_action(queryset: QuerySet, *fields: str) -> Iterable[tuple]:
    """The first row of each action in ``queryset``'s order (``fields`` starting with
    ``action_id``): PostgreSQL's DISTINCT ON; elsewhere (SQLite, the embedded default) the
    rows are read in order and the first of each action kept."""
    if connection.features.can_distinct_on_fields:
        return queryset.distinct("action_id").values_list(*fields)
    seen: set[int] = set()
    first = []
    for row in queryset.values_list(*fields).iterator():
        if row[0] not in seen:
            seen.add(row[0])
            first.append(row)
    return first


KEY_QUESTION_LABELS = dict(KeyQuestion.choices)
