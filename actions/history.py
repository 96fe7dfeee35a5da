"""What a history entry records, and how it is shown: the one list of history fields.

``HistoryEntry.changes`` is data: ``{field name: [before, after]}`` with raw values (ISO
dates, status and finding-kind codes, people as ``{"id", "name"}`` with the name they had
when the change was made, exec leads and findings as lists of codes and refs). Labels and
display values are made only when history is shown (``shown``), so renaming a label here
changes every page that shows history and nothing that reads it (the board report's
"plan as at a date" reads the raw values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import FindingKind, Status

# The fields, by name. Writers and readers use these, never a label.
REF = "ref"
THEME = "theme"
DEPARTMENT = "department"
KIND = "kind"
REQUIREMENT = "requirement"
START_DATE = "start_date"
END_DATE = "end_date"
STATUS = "status"  # the action's RAGB
ACTION_LEAD = "action_lead"
EXEC_LEADS = "exec_leads"
FINDINGS = "findings"
UPDATE_STATUS = "update_status"  # the RAGB the lead chose on a weekly update
NARRATIVE = "narrative"
EVIDENCE = "evidence"
PLAN = "plan"
PEER_INSPECTOR = "peer_inspector"
RECOVERY_PLAN = "recovery_plan"  # the plan recorded when an action is Red

# Fields whose value names a person: what redaction must know, whatever they are called now.
PERSON_FIELDS = (ACTION_LEAD, PEER_INSPECTOR)


def user_name(user: Any) -> str:
    """A user's name as history records it: full name, else username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def raw(value: Any) -> Any:
    """A model value as history stores it: JSON-safe, not formatted for anyone."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return {"id": value.pk, "name": user_name(value)}
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _date(value: Any) -> str:
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _choice(labels: Callable[[], dict[str, str]]) -> Callable[[Any], str]:
    def show(value: Any) -> str:
        return "" if not value else str(labels().get(value, value))

    return show


def _named(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return _text(value)


def _joined(separator: str) -> Callable[[Any], str]:
    def show(value: Any) -> str:
        if isinstance(value, list | tuple):
            return separator.join(str(v) for v in value)
        return _text(value)

    return show


@dataclass(frozen=True)
class HistoryField:
    """How one recorded field is shown: its label and its values."""

    label: str
    show: Callable[[Any], str] = _text


FIELDS: dict[str, HistoryField] = {
    REF: HistoryField("ref."),
    THEME: HistoryField("theme"),
    DEPARTMENT: HistoryField("dept"),
    KIND: HistoryField("finding kind", _choice(lambda: dict(FindingKind.choices))),
    REQUIREMENT: HistoryField("requirement and actions"),
    START_DATE: HistoryField("start date", _date),
    END_DATE: HistoryField("end date", _date),
    STATUS: HistoryField("RAGB", _choice(lambda: dict(Status.choices))),
    ACTION_LEAD: HistoryField("action lead", _named),
    EXEC_LEADS: HistoryField("exec lead", _joined("/")),
    FINDINGS: HistoryField("findings", _joined(", ")),
    UPDATE_STATUS: HistoryField("update status", _choice(lambda: dict(Status.choices))),
    NARRATIVE: HistoryField("narrative"),
    EVIDENCE: HistoryField("evidence", _joined("; ")),
    PLAN: HistoryField("plan", _named),
    PEER_INSPECTOR: HistoryField("peer inspector", _named),
    RECOVERY_PLAN: HistoryField("recovery plan"),
}


@dataclass(frozen=True)
class ShownChange:
    """One change as people read it."""

    name: str
    label: str
    before: str
    after: str


def shown(changes: dict[str, Any] | None) -> list[ShownChange]:
    """``changes`` with labels and display values, in the order recorded."""
    rows = []
    for name, pair in (changes or {}).items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        spec = FIELDS.get(name, HistoryField(name))
        rows.append(ShownChange(name, spec.label, spec.show(pair[0]), spec.show(pair[1])))
    return rows


def change(before: Any, after: Any) -> list[Any]:
    """A recorded change: the raw values before and after."""
    return [raw(before), raw(after)]
