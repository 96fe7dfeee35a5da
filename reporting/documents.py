"""The shapes of the three documents reporting freezes as JSON.

The exception report (``reporting.content.report_content``), the board report
(``reporting.board.content.board_content``) and the public document
(``reporting.publication.content.publication_document``) are built once, stored as JSON
and rendered only from what was stored. These TypedDicts say what each holds, so that mypy
checks the builders against them; a renderer reading a stored document still meets the
schema it was built with (``schema``). Parts made by helper functions whose shape varies
(the board report's charts, a public action's chosen fields) stay ``dict[str, Any]``.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# The exception report ---------------------------------------------------------------------


class ReportPlan(TypedDict):
    id: int
    name: str
    trust: str
    time_zone: str


class ReportPeriod(TypedDict):
    id: int
    label: str
    deadline: str | None
    deadline_date: str | None
    locked_at: str | None
    locked_label: str
    lock_kind: str
    lock_reason: str


class PeriodRef(TypedDict):
    id: int
    label: str


class ExecRoleEntry(TypedDict):
    title: str
    holder: str


class KindCounts(TypedDict):
    kind: str
    counts: list[int]


class StatusTable(TypedDict):
    columns: list[str]
    rows: list[KindCounts]


class DueReceived(TypedDict):
    due: int
    received: int


class ComplianceGroup(TypedDict):
    key: str
    label: str
    due: int
    received: int


class Compliance(TypedDict):
    overall: DueReceived
    unassigned: int
    by_exec: list[ComplianceGroup]
    by_department: list[ComplianceGroup]


class PreviousStatus(TypedDict):
    status: str
    updated: bool
    narrative: str


class ReportAction(TypedDict):
    id: int
    ref: str
    theme: str
    department: str
    kind: str
    requirement: str
    lead: str
    exec_codes: list[str]
    status: str
    updated: bool
    update_status: str
    narrative: str
    end_date: str | None
    prev: PreviousStatus | None
    flags: list[str]
    escalate: list[str]
    # A Red action's latest recovery plan before the lock: what, by when (ISO), who.
    # Absent from reports stored before recovery plans were recorded.
    recovery_plan: NotRequired[dict[str, str] | None]


class Closures(TypedDict):
    available: bool
    awaiting: list[dict[str, Any]]
    declined: list[dict[str, Any]]
    error: str


class ExceptionReportDocument(TypedDict):
    schema: int
    plan: ReportPlan
    period: ReportPeriod
    previous_period: PeriodRef | None
    built_at: str | None
    oversight_group: str
    due_to_end_days: int
    exec_roles: dict[str, ExecRoleEntry]
    table: StatusTable
    compliance: Compliance
    actions: list[ReportAction]
    closures: Closures


# The board report -------------------------------------------------------------------------


class BoardPlan(TypedDict):
    id: int
    name: str
    trust: str


class BoardMonth(TypedDict):
    key: str
    label: str
    first_day: str
    last_day: str


class AsAt(TypedDict):
    moment: str
    complete: bool
    label: str


class BoardReportDocument(TypedDict):
    schema: int
    plan: BoardPlan
    month: BoardMonth
    as_at: AsAt
    cover: dict[str, Any]
    totals: dict[str, int]
    status_by_kind: dict[str, Any]
    off_track: list[dict[str, Any]]
    trajectory: dict[str, Any]
    by_key_question: dict[str, Any]
    by_department: dict[str, Any]
    assurance: dict[str, Any]
    # Regulatory notices (29A and S31 apart); reports stored before it have none.
    notices: NotRequired[dict[str, Any]]
    compliance: dict[str, Any]
    appendix: dict[str, Any]
    # Added with the baseline (issue 13): reports stored before it have no such key.
    plan_changes: NotRequired[dict[str, Any]]
    # The workstreams, root causes and KPIs (reporting/board/workstreams.py); reports made
    # before them have none.
    programme: NotRequired[dict[str, Any]]


# The public document ----------------------------------------------------------------------


class PublicPlan(TypedDict):
    name: str
    trust: str


class PublicSummary(TypedDict):
    highlights: str
    challenges: str


class StatusKey(TypedDict):
    code: str
    label: str
    meaning: str


class PublicTableRow(TypedDict):
    label: str
    counts: list[int]
    total: int


class PublicTable(TypedDict):
    headings: list[StatusKey]
    rows: list[PublicTableRow]
    totals: list[int]
    total: int


class GlossaryEntry(TypedDict):
    term: str
    definition: str


class PublicationDocument(TypedDict):
    schema: int
    plan: PublicPlan
    fields: list[str]
    summary: PublicSummary
    table: PublicTable
    # Only the fields the draft chose are in each action: see publication.content._action.
    actions: list[dict[str, Any]]
    glossary: list[GlossaryEntry]
    key: list[StatusKey]
