"""What the page, the PDF and the emails show, made from a report's frozen document.

A *document* is plain JSON-safe data (``selectors.report_document``): the content frozen
at build, the PMO's commentary and comments, and how it was issued. Nothing here reads the
database, so the PDF can be rendered from a document in another process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from actions.models import STATUS_MEANING, FindingKind, Status
from actions.table1 import StatusTable

from . import content as c

STATUS_LABELS = {s.value: s.label for s in Status}
STATUS_CSS = {s.value: s.label.lower() for s in Status}
KIND_LABELS = {k.value: k.label for k in FindingKind}
ESCALATION_LABELS = {
    c.NOT_UPDATED_TWICE: "Not updated two periods running",
    c.RED_TWICE: "Red two periods running",
}
REQUIREMENT_CHARS = 110
REQUIREMENT_BRIEF_CHARS = 60  # the PDF's one-line entries


@dataclass(frozen=True)
class SectionDef:
    key: str
    title: str
    description: str
    layout: str  # "update", "dates", "change" or "closure": which columns the table has


SECTION_DEFS = [
    SectionDef(
        c.NOT_UPDATED,
        "Not updated",
        "Open actions with no update by the deadline. A blank update counts as not reviewed.",
        "update",
    ),
    SectionDef(c.RED, "Red", STATUS_MEANING[Status.RED] + ".", "update"),
    SectionDef(c.AMBER, "Amber", STATUS_MEANING[Status.AMBER] + ".", "update"),
    SectionDef(
        c.PAST_END,
        "Past their end date and not complete",
        "The end date has passed and the action is not Blue.",
        "dates",
    ),
    SectionDef(c.CHANGED, "Status changed", "Since the previous locked period.", "change"),
    SectionDef(
        c.DUE_TO_END,
        "Due to end in the next four weeks",
        "End date within four weeks of the deadline, not yet complete.",
        "dates",
    ),
    SectionDef(
        c.CLOSURE,
        "Closures waiting for a decision",
        "The lead has asked for the action to be closed; the assurance group has not decided.",
        "closure",
    ),
]


def _datetime(value: str | None, tz: ZoneInfo) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value).astimezone(tz) if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def when(value: dt.datetime | None) -> str:
    """'Thu 26 Nov 2026 12:00'."""
    return f"{value:%a} {value.day} {value:%b %Y %H:%M}" if value else ""


def day(value: dt.date | None) -> str:
    """'26/11/2026', as the plan writes dates."""
    return value.strftime("%d/%m/%Y") if value else "No end date"


def shorten(text: str, limit: int = REQUIREMENT_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


@dataclass
class Comment:
    text: str
    author: str
    updated_at: str


@dataclass
class Row:
    """One action as the report lists it (the same object in every section it is in)."""

    id: int
    ref: str
    theme: str
    department: str
    kind_label: str
    requirement: str
    requirement_short: str
    requirement_brief: str
    lead: str
    exec_codes: list[str]
    exec_leads: str
    status: str
    status_label: str
    status_css: str
    updated: bool
    narrative: str
    end_date: str
    overdue_days: int | None
    prev_status: str
    prev_status_label: str
    prev_status_css: str
    prev_narrative: str
    prev_updated: bool
    flags: list[str]
    escalate: list[str]
    escalate_labels: list[str]
    comment: Comment | None
    recovery: str = ""  # a Red action's recovery plan: what, by when, who

    @property
    def shared(self) -> bool:
        return len(self.exec_codes) > 1


@dataclass
class ClosureRow:
    row: Row | None
    ref: str
    requested_at: str
    requested_by: str
    summary: str
    decided_at: str = ""
    decided_by: str = ""
    reason: str = ""


@dataclass
class SectionView:
    key: str
    title: str
    description: str
    layout: str
    rows: list[Any]
    # Compact (PDF) only: named, not repeated in full.
    listed_above: list[Row] = field(default_factory=list)  # in this group's earlier sections
    shown_under: list[tuple[Row, str]] = field(default_factory=list)  # in an earlier group

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.listed_above) + len(self.shown_under)


@dataclass
class Group:
    """One exec lead's part of the report."""

    code: str
    title: str
    holder: str
    mine: bool
    sections: list[SectionView]
    anchor: str
    action_count: int

    @property
    def heading(self) -> str:
        if not self.code:
            return "No exec lead recorded"
        return " · ".join(filter(None, [self.code, self.title, self.holder]))

    @property
    def summary(self) -> str:
        return "; ".join(f"{s.title}: {s.count}" for s in self.sections)


@dataclass
class ComplianceRow:
    label: str
    due: int
    received: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.received / self.due) if self.due else None

    @property
    def text(self) -> str:
        if not self.due:
            return "None due"
        return f"{self.received} of {self.due} ({self.percent}%)"


@dataclass
class ReportView:
    report_id: int | None
    version: int
    status: str
    title: str
    plan_name: str
    trust: str
    period_label: str
    locked_label: str
    lock_kind: str
    lock_reason: str
    previous_label: str
    built_at: str
    issue_deadline: str
    issued_at: str
    issued_by: str
    auto_issued: bool
    issue_note: str
    correction_reason: str
    commentary: str
    oversight_group: str
    table: StatusTable
    compliance: ComplianceRow
    compliance_by_exec: list[ComplianceRow]
    compliance_by_department: list[ComplianceRow]
    unassigned: int
    escalations: list[Row]
    closures_available: bool
    closures_error: str
    closures_awaiting: list[ClosureRow]
    closures_declined: list[ClosureRow]
    groups: list[Group]
    rows: dict[int, Row]
    first_codes: list[str] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def period_in_sentence(self) -> str:
        """'week ending Wed 25 Nov 2026'."""
        return self.period_label[:1].lower() + self.period_label[1:]

    @property
    def key(self) -> list[tuple[str, str, str]]:
        """The RAGB key: (word, meaning, css), as the plan's appendix prints it."""
        return [(s.label, STATUS_MEANING[s], STATUS_CSS[s.value]) for s in Status]

    @property
    def my_groups(self) -> list[Group]:
        return [g for g in self.groups if g.mine]


def _row(action: dict, comments: dict[str, Any], deadline_date: dt.date) -> Row:
    prev = action.get("prev") or {}
    end = _date(action["end_date"])
    comment = comments.get(str(action["id"]))
    return Row(
        id=action["id"],
        ref=action["ref"],
        theme=action["theme"],
        department=action["department"],
        kind_label=KIND_LABELS.get(action["kind"], action["kind"]),
        requirement=action["requirement"],
        requirement_short=shorten(action["requirement"]),
        requirement_brief=shorten(action["requirement"], REQUIREMENT_BRIEF_CHARS),
        lead=action["lead"] or "Not assigned",
        exec_codes=action["exec_codes"],
        exec_leads="/".join(action["exec_codes"]),
        status=action["status"],
        status_label=STATUS_LABELS.get(action["status"], action["status"]),
        status_css=STATUS_CSS.get(action["status"], ""),
        updated=action["updated"],
        narrative=action["narrative"],
        end_date=day(end),
        overdue_days=(deadline_date - end).days if end and end < deadline_date else None,
        prev_status=prev.get("status", ""),
        prev_status_label=STATUS_LABELS.get(prev.get("status", ""), ""),
        prev_status_css=STATUS_CSS.get(prev.get("status", ""), ""),
        prev_narrative=prev.get("narrative", ""),
        prev_updated=prev.get("updated", False),
        flags=action["flags"],
        escalate=action["escalate"],
        escalate_labels=[ESCALATION_LABELS[e] for e in action["escalate"]],
        comment=Comment(**comment) if comment else None,
        recovery=_recovery_text(action.get("recovery_plan")),
    )


def _recovery_text(plan: dict | None) -> str:
    if not plan:
        return ""
    return f"{plan['what']} — by {day(_date(plan['by_when']))}, {plan['who']}"


def _closure_row(item: dict, rows: dict[int, Row], tz: ZoneInfo) -> ClosureRow:
    return ClosureRow(
        row=rows.get(item["action_id"]),
        ref=item["ref"],
        requested_at=when(_datetime(item.get("requested_at"), tz)),
        requested_by=item.get("requested_by", ""),
        summary=item.get("summary", ""),
        decided_at=when(_datetime(item.get("decided_at"), tz)),
        decided_by=item.get("decided_by", ""),
        reason=item.get("reason", ""),
    )


def _anchor(code: str) -> str:
    return "exec-" + ("".join(ch if ch.isalnum() else "-" for ch in code) or "none")


def _compact(groups: list[Group]) -> None:
    """Give each action in full once per section, and dates once per group (for the PDF).

    An action shared by two exec leads is given in full under the first of them in this
    copy's order and named under the other; an action already given in full in a group's
    Not updated, Red or Amber section is named, not repeated, in its date sections. Every
    section still names every action it has. WeasyPrint's time grows with the text it lays
    out, and a large plan's report is mostly these repeats.
    """
    shown: dict[tuple[int, str], str] = {}
    for group in groups:
        in_full: set[int] = set()
        for section in group.sections:
            if section.layout == "closure":
                continue
            kept = []
            for row in section.rows:
                first_code = shown.get((row.id, section.key))
                if first_code is not None:
                    section.shown_under.append((row, first_code or "No exec lead"))
                elif section.layout == "dates" and row.id in in_full:
                    section.listed_above.append(row)
                else:
                    kept.append(row)
                    shown[(row.id, section.key)] = group.code
                    if section.layout == "update":
                        in_full.add(row.id)
            section.rows = kept


def present(document: dict[str, Any], *, first_codes: Iterable[str] = ()) -> ReportView:
    """The report as the page and the emails show it; groups of ``first_codes`` (the
    reader's exec roles) come first."""
    content = document["content"]
    tz = ZoneInfo(content["plan"]["time_zone"])
    first = [code for code in first_codes if code]
    deadline_date = _date(content["period"]["deadline_date"])
    comments = document.get("comments") or {}
    rows = {a["id"]: _row(a, comments, deadline_date) for a in content["actions"]}
    closures = content.get("closures") or {}
    awaiting = [_closure_row(i, rows, tz) for i in closures.get("awaiting", [])]
    declined = [_closure_row(i, rows, tz) for i in closures.get("declined", [])]
    previous = content.get("previous_period") or {}
    groups = _groups(
        _sections_by_group(rows, awaiting),
        exec_roles=content.get("exec_roles", {}),
        previous=previous,
        first=first,
    )

    compliance = content["compliance"]
    period = content["period"]
    return ReportView(
        report_id=document.get("report_id"),
        version=document.get("version", 1),
        status=document.get("status", "draft"),
        title=document.get("title", ""),
        plan_name=content["plan"]["name"],
        trust=content["plan"]["trust"],
        period_label=period["label"],
        locked_label=period["locked_label"],
        lock_kind=period["lock_kind"],
        lock_reason=period["lock_reason"],
        previous_label=previous.get("label", ""),
        built_at=when(_datetime(content.get("built_at"), tz)),
        issue_deadline=when(_datetime(document.get("issue_deadline"), tz)),
        issued_at=when(_datetime(document.get("issued_at"), tz)),
        issued_by=document.get("issued_by", ""),
        auto_issued=document.get("auto_issued", False),
        issue_note=document.get("issue_note", ""),
        correction_reason=document.get("correction_reason", ""),
        commentary=document.get("commentary", ""),
        oversight_group=content.get("oversight_group", ""),
        table=StatusTable.from_document(content["table"]),
        compliance=ComplianceRow("All actions due", **compliance["overall"]),
        compliance_by_exec=[
            ComplianceRow(r["label"], r["due"], r["received"]) for r in compliance["by_exec"]
        ],
        compliance_by_department=[
            ComplianceRow(r["label"], r["due"], r["received"]) for r in compliance["by_department"]
        ],
        unassigned=compliance.get("unassigned", 0),
        escalations=[r for r in rows.values() if r.escalate],
        closures_available=closures.get("available", False),
        closures_error=closures.get("error", ""),
        closures_awaiting=awaiting,
        closures_declined=declined,
        groups=groups,
        rows=rows,
        first_codes=first,
    )


def present_compact(document: dict[str, Any], *, first_codes: Iterable[str] = ()) -> ReportView:
    """The report as the PDF shows it: repeated actions are named, not given in full."""
    view = present(document, first_codes=first_codes)
    _compact(view.groups)
    return view


def _sections_by_group(
    rows: dict[int, Row], awaiting: list[ClosureRow]
) -> dict[str, dict[str, list]]:
    """One pass: each row into the (exec group, section) lists it belongs to."""
    by_group: dict[str, dict[str, list]] = {}
    for row in rows.values():
        for code in row.exec_codes or [c.NO_EXEC]:
            sections = by_group.setdefault(code, {})
            for flag in row.flags:
                if flag != c.CLOSURE:
                    sections.setdefault(flag, []).append(row)
    for item in awaiting:
        for code in (item.row.exec_codes if item.row else []) or [c.NO_EXEC]:
            by_group.setdefault(code, {}).setdefault(c.CLOSURE, []).append(item)
    return by_group


def _groups(
    by_group: dict[str, dict[str, list]],
    *,
    exec_roles: dict[str, Any],
    previous: dict[str, Any],
    first: list[str],
) -> list[Group]:
    """The exec leads' groups: the reader's own first, then by code, "no exec lead" last."""
    groups = [
        _group(code, found, role=exec_roles.get(code) or {}, previous=previous, first=first)
        for code, found in by_group.items()
    ]
    groups.sort(
        key=lambda g: (
            not g.mine,
            first.index(g.code) if g.mine else 0,
            g.code == c.NO_EXEC,
            g.code.lower(),
        )
    )
    return groups


def _group(
    code: str,
    found: dict[str, list],
    *,
    role: dict[str, Any],
    previous: dict[str, Any],
    first: list[str],
) -> Group:
    sections = []
    for d in SECTION_DEFS:
        if d.key not in found:
            continue
        description = d.description
        if d.key == c.CHANGED and previous:
            description = f"Since the previous locked period ({previous['label']})."
        sections.append(SectionView(d.key, d.title, description, d.layout, found[d.key]))
    action_ids = {
        (r.row.id if isinstance(r, ClosureRow) and r.row else getattr(r, "id", None))
        for s in sections
        for r in s.rows
    }
    return Group(
        code=code,
        title=role.get("title", ""),
        holder=role.get("holder", ""),
        mine=code in first,
        sections=sections,
        anchor=_anchor(code),
        action_count=len(action_ids - {None}),
    )
