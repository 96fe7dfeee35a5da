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
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery

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

    Four queries whatever the size of the plan: the actions (with their newest narrative
    before ``moment`` as subqueries), their exec leads and findings, the history that
    matters, and the findings named in undone changes of findings.
    """
    newest_entry = HistoryEntry.objects.filter(
        action=OuterRef("pk"),
        kind__in=UPDATE_KINDS,
        at__lt=moment,
        changes__has_key=history.NARRATIVE,
    ).order_by("-at", "-id")
    newest_update = WeeklyUpdate.objects.filter(
        action=OuterRef("pk"), submitted_at__lt=moment
    ).order_by("-submitted_at", "-id")
    actions = list(
        Action.objects.filter(plan=plan)
        .annotate(
            entry_changes=Subquery(newest_entry.values("changes")[:1]),
            entry_at=Subquery(newest_entry.values("at")[:1]),
            update_narrative=Subquery(newest_update.values("narrative")[:1]),
            update_at=Subquery(newest_update.values("submitted_at")[:1]),
        )
        .prefetch_related("exec_roles", "findings")
        .order_by("id")
    )
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
    entries: dict[int, list[tuple[str, dt.datetime, dict]]] = defaultdict(list)
    for action_id, kind, at, changes in recorded:
        entries[action_id].append((kind, at, changes if isinstance(changes, dict) else {}))

    rows: list[ActionAsAt] = []
    finding_refs: dict[int, list[str]] = {}
    for action in actions:
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
        for kind, at, changes in entries.get(action.pk, []):  # newest first
            if kind == HistoryEntry.Kind.CREATED:
                row.created_at = at if row.created_at is None else min(row.created_at, at)
            before = changes[STATUS_KEY][0] if STATUS_KEY in changes else None
            if before:
                row.status_changes.append((at, before))
            if at < moment:
                continue
            # Undo a change made at or after the moment.
            if before:
                row.status = before
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
                undone_findings = changes[history.FINDINGS][0] or []
        if row.created_at is not None and row.created_at >= moment:
            continue  # created after the moment
        if undone_findings is not None:
            finding_refs[action.pk] = list(undone_findings)
        row.narrative, row.narrative_at = _narrative(action)
        rows.append(row)

    if finding_refs and plan.inspection_id:
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
    return rows


def _narrative(action: Action) -> tuple[str, dt.datetime | None]:
    """The newer of the update text recorded in the history and the update row itself."""
    candidates = []
    changes = action.entry_changes
    if isinstance(changes, str):  # some databases hand back JSON from a subquery as text
        changes = json.loads(changes)
    if changes and action.entry_at:
        candidates.append((action.entry_at, changes[history.NARRATIVE][1]))
    if action.update_narrative and action.update_at:
        candidates.append((action.update_at, action.update_narrative))
    if not candidates:
        return "", None
    at, text = max(candidates, key=lambda c: c[0])
    return text, at


KEY_QUESTION_LABELS = dict(KeyQuestion.choices)
