"""The public document of a plan: the fields the PMO chose, people as role titles.

``publication_document`` returns JSON-safe data; the publication stores it, and the public
page and the PDF render only from it, so a later change to the plan never alters a
snapshot. Every string in it has been through the redactor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify

from actions import history
from actions.models import (
    STATUS_MEANING,
    Action,
    ExecRole,
    FindingKind,
    HistoryEntry,
    Plan,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from actions.table1 import TABLE_STATUSES, status_by_kind
from evidence.models import Evidence

from ..documents import PublicationDocument, PublicTable
from .redact import SOMEONE, Redactor, exec_label, lead_label, redactor_for_plan

SCHEMA = 1

# (key, label for the PMO's form, shown unless the PMO says otherwise)
FIELDS: list[tuple[str, str, bool]] = [
    ("kind", "Finding kind (Must do, Should do…)", True),
    ("requirement", "Requirement and actions", True),
    ("theme", "Theme", True),
    ("department", "Department or core service", True),
    ("key_question", "CQC key question", True),
    ("findings", "The CQC findings each action answers", False),
    ("action_lead", "Action lead, as a role title", True),
    ("exec_lead", "Executive lead, as a role title", True),
    ("status", "RAGB status", True),
    ("dates", "Start and end dates", True),
    ("latest_update", "Latest update: the lead's narrative (internal commentary)", False),
    ("earlier_updates", "Earlier updates (internal commentary)", False),
    ("evidence", "Evidence descriptions", False),
    ("history", "History of changes to each action", False),
]
FIELD_KEYS = [key for key, _, _ in FIELDS]
DEFAULT_FIELDS = [key for key, _, on in FIELDS if on]
KIND_ORDER = {kind.value: n for n, kind in enumerate(FindingKind)}
STATUS_LABELS = dict(Status.choices)
# History entries that carry a lead's narrative: shown only with the updates themselves.
UPDATE_KINDS = {HistoryEntry.Kind.UPDATE_SAVED, HistoryEntry.Kind.UPDATE_REPLACED}


@dataclass
class Draft:
    """What the PMO set for the next publication (saved settings, or the defaults)."""

    fields: list[str]
    highlights: str
    challenges: str
    glossary: list[dict[str, str]]


def _ref_key(ref: str) -> list[Any]:
    """M2 before M10: numbers in a reference compare as numbers."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", ref)]


def _day(value: dt.date | None) -> str:
    return date_format(value, "j M Y") if value else ""


def digest_of(document: dict[str, Any]) -> str:
    """SHA-256 of the document: the preview and the publication are compared by it."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _actions(plan: Plan, fields: set[str]) -> list[Action]:
    queryset = plan.actions.select_related("action_lead").prefetch_related("exec_roles")
    if fields & {"findings", "key_question"}:
        queryset = queryset.prefetch_related("findings")
    if fields & {"latest_update", "earlier_updates"}:
        queryset = queryset.prefetch_related(
            Prefetch(
                "updates",
                queryset=WeeklyUpdate.objects.only(
                    "id", "action_id", "period_id", "status", "narrative"
                ).newest_first(),
            )
        )
    if "evidence" in fields:
        queryset = queryset.prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.current().order_by("added_at", "id"))
        )
    if "history" in fields:
        queryset = queryset.prefetch_related(
            Prefetch("history", queryset=HistoryEntry.objects.order_by("at", "id"))
        )
    return sorted(queryset, key=lambda a: (KIND_ORDER.get(a.kind, 99), _ref_key(a.ref), a.pk))


def _period_labels(actions: list[Action], fields: set[str]) -> dict[int, str]:
    """Each period's label, made once rather than once per update."""
    if not fields & {"latest_update", "earlier_updates"}:
        return {}
    ids = {u.period_id for a in actions for u in a.updates.all()}
    periods = ReportingPeriod.objects.filter(pk__in=ids).select_related("plan")
    return {p.pk: p.label for p in periods}


def _update(update: WeeklyUpdate, periods: dict[int, str]) -> dict[str, str]:
    return {
        "period": periods[update.period_id],
        "status": update.status,
        "status_label": STATUS_LABELS.get(update.status, update.status),
        "narrative": update.narrative,
    }


def _action(
    action: Action,
    fields: set[str],
    *,
    titles: dict[int, str],
    exec_holders: set[int],
    tz: dt.tzinfo,
    periods: dict[int, str],
) -> dict[str, Any]:
    """One action as the public document gives it: only the ``fields`` the PMO chose."""
    row: dict[str, Any] = {"ref": action.ref}
    if "kind" in fields:
        row["kind"] = action.get_kind_display()
    for name in ("requirement", "theme", "department"):
        if name in fields:
            row[name] = getattr(action, name)
    if fields & {"findings", "key_question"}:
        row.update(_findings_part(action, fields))
    if "action_lead" in fields:
        row["action_lead"] = _lead_title(action, titles=titles, exec_holders=exec_holders)
    if "exec_lead" in fields:
        row["exec_leads"] = [exec_label(r.code, r.title) for r in action.exec_roles.all()]
    if "status" in fields:
        row["status"] = action.status
        row["status_label"] = action.get_status_display()
    if "dates" in fields:
        row["start_date"] = _day(action.start_date)
        row["end_date"] = _day(action.end_date)
    if fields & {"latest_update", "earlier_updates"}:
        row.update(_updates_part(action, fields, periods))
    if "evidence" in fields:
        row["evidence"] = _evidence_part(action, titles=titles, tz=tz)
    if "history" in fields:
        row["history"] = _history_part(action, fields, titles=titles, tz=tz)
    return row


def _findings_part(action: Action, fields: set[str]) -> dict[str, Any]:
    findings = list(action.findings.all())
    part: dict[str, Any] = {}
    if "key_question" in fields:
        part["key_questions"] = sorted(
            {f.get_key_question_display() for f in findings if f.key_question}
        )
    if "findings" in fields:
        part["findings"] = [
            {"ref": f.ref, "kind": f.get_kind_display(), "text": f.text} for f in findings
        ]
    return part


def _lead_title(action: Action, *, titles: dict[int, str], exec_holders: set[int]) -> str:
    """A role, never a name: the exec title of a director, else the department's lead."""
    lead = action.action_lead_id
    if lead is None:
        return "Not yet assigned"
    if lead in exec_holders:
        return titles[lead]
    return lead_label([action.department.strip()])


def _updates_part(action: Action, fields: set[str], periods: dict[int, str]) -> dict[str, Any]:
    updates = list(action.updates.all())
    part: dict[str, Any] = {}
    if "latest_update" in fields:
        part["latest_update"] = _update(updates[0], periods) if updates else None
    if "earlier_updates" in fields:
        part["earlier_updates"] = [_update(u, periods) for u in updates[1:]]
    return part


def _evidence_part(action: Action, *, titles: dict[int, str], tz: dt.tzinfo) -> list[dict]:
    return [
        {
            "kind": e.get_kind_display(),
            "description": e.description,
            "added": _day(timezone.localtime(e.added_at, tz).date()),
            "by": titles.get(e.added_by_id, "") if e.added_by_id else "",
        }
        for e in action.evidence.all()
    ]


def _history_part(
    action: Action, fields: set[str], *, titles: dict[int, str], tz: dt.tzinfo
) -> list[dict]:
    """The action's history; updates' entries only when the updates are published too."""
    with_updates = bool(fields & {"latest_update", "earlier_updates"})
    return [
        {
            "at": _day(timezone.localtime(h.at, tz).date()),
            "what": h.get_kind_display(),
            "by": titles.get(h.actor_id, "") if h.actor_id else SOMEONE if h.actor_name else "",
            "note": h.note,
            "changes": _changes(h.changes, titles),
        }
        for h in action.history.all()
        if h.kind not in UPDATE_KINDS or with_updates
    ]


def _changes(changes: dict[str, Any], titles: dict[int, str]) -> list[dict[str, str]]:
    """A history entry's changes as the public reads them: people by role title."""

    def person(value: Any) -> str:
        if not value:
            return ""
        pk = value.get("id") if isinstance(value, dict) else None
        return titles.get(pk, SOMEONE) if pk is not None else SOMEONE

    rows = []
    for c in history.shown(changes):
        if c.name in history.PERSON_FIELDS:
            before, after = changes[c.name]
            rows.append({"field": c.label, "before": person(before), "after": person(after)})
        else:
            rows.append({"field": c.label, "before": c.before, "after": c.after})
    return rows


def _table(actions: list[Action]) -> PublicTable:
    """Counts by finding kind and RAGB status: the summary on page 1 (seed 002).

    Only the kinds the plan has, each headed by its name alone.
    """
    table = status_by_kind(((a.kind, a.status) for a in actions), always_shown=())
    return {
        "headings": [
            {"code": s.value, "label": s.label, "meaning": STATUS_MEANING[s]} for s in table.columns
        ],
        "rows": [
            {"label": row.name, "counts": row.counts, "total": row.total} for row in table.rows
        ],
        "totals": table.totals,
        "total": table.grand_total,
    }


def publication_document(*, plan: Plan, draft: Draft) -> tuple[PublicationDocument, Redactor]:
    """The redacted document for ``plan`` as ``draft`` sets it, and the redactor used."""
    redactor, titles = redactor_for_plan(plan)
    fields = [key for key in FIELD_KEYS if key in set(draft.fields)]
    chosen = set(fields)
    exec_holders = set(
        ExecRole.objects.filter(holder__isnull=False).values_list("holder_id", flat=True)
    )
    actions = _actions(plan, chosen)
    periods = _period_labels(actions, chosen)
    document: PublicationDocument = {
        "schema": SCHEMA,
        "plan": {"name": plan.name, "trust": plan.trust},
        "fields": fields,
        "summary": {"highlights": draft.highlights.strip(), "challenges": draft.challenges.strip()},
        "table": _table(actions),
        "actions": [
            _action(
                a, chosen, titles=titles, exec_holders=exec_holders, tz=plan.tz, periods=periods
            )
            for a in actions
        ],
        "glossary": [
            {"term": g["term"].strip(), "definition": g["definition"].strip()}
            for g in draft.glossary
        ],
        "key": [
            {"code": s.value, "label": s.label, "meaning": STATUS_MEANING[s]}
            for s in TABLE_STATUSES
        ],
    }
    redacted: PublicationDocument = redactor.document(document)  # the same shape
    return redacted, redactor


def strings_of(value: Any) -> list[str]:
    """Every string in a JSON-safe structure: what the final check reads."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_of(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings_of(v)]
    return []


LONG_PLAN = 30  # more actions than this are grouped into sections, each in the contents


def action_sections(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's actions in sections: one per finding kind (or theme, where kinds are
    not published) for a plan of more than ``LONG_PLAN`` actions, else one untitled section.

    Read from the stored document, so snapshots published before sections existed get them.
    Each section has an ``id`` for the contents list; order within it is the document's.
    """
    actions = document.get("actions", [])
    fields = set(document.get("fields", []))
    key = "kind" if "kind" in fields else "theme" if "theme" in fields else ""
    if len(actions) <= LONG_PLAN or not key:
        return [{"id": "", "title": "", "actions": actions}]
    groups: dict[str, list[dict[str, Any]]] = {}
    for action in actions:
        groups.setdefault(action.get(key) or "", []).append(action)
    used: set[str] = set()
    sections = []
    for title, members in groups.items():
        base = "actions-" + (slugify(title) or "other")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        shown = title or ("No finding kind" if key == "kind" else "No theme")
        sections.append({"id": anchor, "title": shown, "actions": members})
    return sections
