"""Risks and the Board Assurance Framework: the writes (one function per change, each in one
transaction), the reads the pages share, and the all-or-nothing import from .xlsx or .csv.

The alignment table is seed 003's "CQC and Risk Register Alignment Breakdown": of the risks
themed from the inspection, how many are already on the register but need updating and how
many are not on the register at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from actions.access import can_read_plan
from actions.importer import ImportFileError, read_cells
from actions.models import Action, Finding, Plan
from actions.services import plan_ensure_writable
from improvement import text as typed
from programme.models import Alignment, Risk, RiskKind, RiskStatus, RootCause

RISK_FIELDS = (
    "kind",
    "reference",
    "title",
    "description",
    "owner",
    "owner_name",
    "likelihood",
    "consequence",
    "score",
    "status",
    "theme",
    "alignment",
    "workstream",
)
TEXT_FIELDS = ("reference", "title", "description", "owner_name", "theme")


# Reads ----------------------------------------------------------------------------------


def plan_findings(plan: Plan) -> QuerySet[Finding]:
    """The findings a plan answers: its inspection's, and any its actions are linked to."""
    condition = Q(actions__plan=plan)
    if plan.inspection_id:
        condition |= Q(inspection_id=plan.inspection_id)
    return Finding.objects.filter(condition).distinct().order_by("inspection_id", "ref", "id")


@dataclass(frozen=True)
class AlignmentRow:
    label: str
    identified: int
    on_register: int
    needs_update: int
    not_on_register: int


@dataclass(frozen=True)
class AlignmentTable:
    """Seed 003: '137 risks identified once themed; 69 already on the register but need
    updating; 68 not on the register'."""

    total: AlignmentRow
    by_theme: list[AlignmentRow]

    @property
    def sentences(self) -> list[tuple[int, str]]:
        t = self.total
        return [
            (t.identified, "Risks identified once themed"),
            (
                t.needs_update,
                "Risks already reflected on the risk register but requiring updating or "
                "rewording to reflect the risk accurately",
            ),
            (t.not_on_register, "Risks not on the risk register that require risk assessments"),
            (t.on_register, "Risks already on the risk register as they should be"),
        ]


def _alignment_row(label: str, alignments: Iterable[str]) -> AlignmentRow:
    counts = Counter(alignments)
    return AlignmentRow(
        label=label,
        identified=sum(counts.values()),
        on_register=counts[Alignment.ON_REGISTER],
        needs_update=counts[Alignment.NEEDS_UPDATE],
        not_on_register=counts[Alignment.NOT_ON_REGISTER],
    )


NO_THEME = "Theme not recorded"


def alignment_table(plan: Plan) -> AlignmentTable:
    """The alignment breakdown of ``plan``'s themed risks, overall and per theme (one query)."""
    pairs = list(Risk.objects.in_plan(plan).themed().values_list("theme", "alignment"))
    themes: dict[str, list[str]] = {}
    for theme, alignment in pairs:
        themes.setdefault(theme.strip() or NO_THEME, []).append(alignment)
    order = sorted((t for t in themes if t != NO_THEME), key=str.lower)
    if NO_THEME in themes:
        order.append(NO_THEME)
    return AlignmentTable(
        total=_alignment_row("Total", (a for _t, a in pairs)),
        by_theme=[_alignment_row(t, themes[t]) for t in order],
    )


def risk_register(plan: Plan, *, kind: str = "") -> list[Risk]:
    """The plan's risks, BAF first, highest score first, with their link counts."""
    risks = Risk.objects.in_plan(plan).for_listing()
    if kind:
        risks = risks.filter(kind=kind)
    return sorted(
        risks,
        key=lambda r: (r.kind != RiskKind.BAF, r.status != RiskStatus.OPEN, -(r.score or 0), r.pk),
    )


def baf_choices(plan: Plan) -> QuerySet[Risk]:
    """The BAF risks a board report's cover sheet can tick."""
    return Risk.objects.in_plan(plan).baf().order_by("reference", "id")


def risks_of(obj: Action | Finding | RootCause) -> QuerySet[Risk]:
    return obj.risks.order_by("kind", "reference", "id")


def action_page_rows(*, action: Action, user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The action page's rows (``actions.hooks.action_page_rows``): the risks and notice
    conditions it answers, for the plan's readers. Two queries."""
    if not can_read_plan(user):
        return []
    risks = [(str(r), r.get_absolute_url()) for r in risks_of(action)]
    conditions = [
        (f"{c.notice} condition {c.number}", reverse("notice", args=[c.notice_id]))
        for c in action.notice_conditions.select_related("notice").order_by("notice_id", "number")
    ]
    return [("Risks", risks), ("Notice conditions", conditions)]


# Writes ---------------------------------------------------------------------------------


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    for name in TEXT_FIELDS:
        if name in fields:
            fields[name] = typed.strip_invisible(str(fields[name] or "")).strip()
    likelihood, consequence = fields.get("likelihood"), fields.get("consequence")
    if likelihood and consequence:
        product = likelihood * consequence
        if fields.get("score") and fields["score"] != product:
            raise ValidationError(
                {
                    "score": f"The score is likelihood x consequence: {likelihood} x "
                    f"{consequence} = {product}, not {fields['score']}. Leave it blank to "
                    "have it worked out."
                }
            )
        fields["score"] = product
    return fields


def _check_fields(fields: dict[str, Any], action: str) -> None:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"{action}: unknown fields {', '.join(sorted(unknown))}")


def _check_workstream(risk: Risk) -> None:
    if risk.workstream is not None and risk.workstream.plan_id != risk.plan_id:
        raise ValidationError({"workstream": "Choose a workstream of this plan."})


def risk_create(*, plan: Plan, **fields: Any) -> Risk:
    """A new risk (register or BAF) in an open plan; the score is likelihood x consequence."""
    _check_fields(fields, "risk_create")
    plan_ensure_writable(plan)
    risk = Risk(plan=plan, **_clean_fields(dict(fields)))
    _check_workstream(risk)
    risk.full_clean()
    with transaction.atomic():
        risk.save()
    return risk


def risk_update(*, risk: Risk, **fields: Any) -> Risk:
    _check_fields(fields, "risk_update")
    plan_ensure_writable(risk.plan)
    fields = _clean_fields(dict(fields))
    if "score" not in fields and not (fields.get("likelihood") and fields.get("consequence")):
        fields.setdefault("score", risk.score)
    for name, value in fields.items():
        setattr(risk, name, value)
    _check_workstream(risk)
    risk.full_clean()
    with transaction.atomic():
        risk.save()
    return risk


def risk_links_set(
    *,
    risk: Risk,
    actions: Iterable[Action] = (),
    findings: Iterable[Finding] = (),
    root_causes: Iterable[RootCause] = (),
) -> Risk:
    """Link the risk to exactly these actions, findings and root causes of its plan."""
    plan_ensure_writable(risk.plan)
    actions, findings, root_causes = list(actions), list(findings), list(root_causes)
    if any(a.plan_id != risk.plan_id for a in actions):
        raise ValidationError({"actions": "Choose actions of this plan."})
    if any(rc.plan_id != risk.plan_id for rc in root_causes):
        raise ValidationError({"root_causes": "Choose root causes of this plan."})
    allowed = set(plan_findings(risk.plan).values_list("pk", flat=True))
    if any(f.pk not in allowed for f in findings):
        raise ValidationError({"findings": "Choose findings this plan answers."})
    with transaction.atomic():
        risk.actions.set(actions)
        risk.findings.set(findings)
        risk.root_causes.set(root_causes)
    return risk


# Import ---------------------------------------------------------------------------------

HEADERS = {
    "reference": {"reference", "ref", "ref.", "risk id", "id", "risk ref", "risk reference"},
    "title": {"title", "risk", "risk title", "description of risk", "risk description"},
    "kind": {"kind", "type", "register", "risk type"},
    "owner": {"owner", "risk owner"},
    "likelihood": {"likelihood", "l"},
    "consequence": {"consequence", "impact", "c"},
    "score": {"score", "risk score", "current score", "rating"},
    "status": {"status"},
    "theme": {"theme"},
    "alignment": {"alignment", "on the register", "register alignment"},
}
MAX_HEADER_SEARCH_ROWS = 20
KIND_WORDS = {
    "baf": RiskKind.BAF,
    "board assurance framework": RiskKind.BAF,
    "register": RiskKind.REGISTER,
    "risk register": RiskKind.REGISTER,
    "": RiskKind.REGISTER,
}
ALIGNMENT_WORDS = {
    "": "",
    "on register": Alignment.ON_REGISTER,
    "on the register": Alignment.ON_REGISTER,
    "yes": Alignment.ON_REGISTER,
    "needs update": Alignment.NEEDS_UPDATE,
    "needs updating": Alignment.NEEDS_UPDATE,
    "update": Alignment.NEEDS_UPDATE,
    "not on register": Alignment.NOT_ON_REGISTER,
    "not on the register": Alignment.NOT_ON_REGISTER,
    "no": Alignment.NOT_ON_REGISTER,
    **{a.value: a.value for a in Alignment},
    **{a.label.lower(): a.value for a in Alignment},
}


def _norm(cell: Any) -> str:
    return re.sub(r"\s+", " ", str(cell if cell is not None else "")).strip().rstrip(":").lower()


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(cells[:MAX_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            for name, aliases in HEADERS.items():
                if _norm(cell) in aliases and name not in columns:
                    columns[name] = col
        if "title" in columns:
            return index, columns
    raise ImportFileError(
        "No header row found. The first rows must name the columns: at least “Title”, and "
        "any of “Reference”, “Kind” (Register or BAF), “Owner”, “Likelihood”, "
        "“Consequence”, “Score”, “Status”, “Theme”, “Alignment”."
    )


def _number(cell: Any, low: int, high: int, what: str, problems: list[str]) -> int | None:
    text = _norm(cell)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or number != int(number) or not low <= number <= high:
        problems.append(f"{what} “{str(cell)[:20]}” must be a whole number from {low} to {high}")
        return None
    return int(number)


@dataclass(frozen=True)
class RiskRow:
    line: int
    fields: dict[str, Any]
    existing: Risk | None

    @property
    def outcome(self) -> str:
        return "Updates" if self.existing else "New"


@dataclass
class RiskImport:
    filename: str
    rows: list[RiskRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def summary(self) -> str:
        new = sum(1 for r in self.rows if r.existing is None)
        return f"{new} new, {len(self.rows) - new} updated"


def read_risk_import(*, plan: Plan, data: bytes, filename: str) -> RiskImport:
    """What the file would record, row by row, with every problem found (nothing saved)."""
    report = RiskImport(filename)
    try:
        plan_ensure_writable(plan)
        cells = read_cells(data, filename, what="the risks")
        header, columns = _find_header(cells)
    except (ImportFileError, ValidationError) as error:
        report.errors.append(" ".join(getattr(error, "messages", [str(error)])))
        return report
    existing = {r.reference.lower(): r for r in Risk.objects.in_plan(plan) if r.reference}
    users = _users_by_name()
    seen: dict[str, int] = {}
    for index, row in enumerate(cells[header + 1 :], start=header + 2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        sheet_row = _SheetRow(row, columns)
        problems: list[str] = []
        fields = _risk_fields(sheet_row, problems)
        reference = fields["reference"]
        if reference:
            earlier = seen.setdefault(reference.lower(), index)
            if earlier != index:
                problems.append(f"row {earlier} already has the reference {reference}")
        if problems:
            report.errors.append(f"Row {index}: " + "; ".join(problems) + ".")
            continue
        owner_name = sheet_row.text("owner", 200)
        owner = users.get(owner_name.lower()) if owner_name else None
        fields.update(owner=owner, owner_name="" if owner else owner_name)
        report.rows.append(RiskRow(index, fields, existing.get(reference.lower())))
    if not report.rows and not report.errors:
        report.errors.append("The file has a header row but no risks under it.")
    return report


def _users_by_name() -> dict[str, Any]:
    """Active people by username and by full name, lower-cased: how a file names an owner."""
    users: dict[str, Any] = {}
    for user in get_user_model().objects.filter(is_active=True):
        for name in (user.get_username(), user.get_full_name()):
            if name:
                users.setdefault(name.strip().lower(), user)
    return users


@dataclass(frozen=True)
class _SheetRow:
    """One row of the file, read by column name."""

    row: list[Any]
    columns: dict[str, int]

    def cell(self, name: str) -> Any:
        col = self.columns.get(name)
        return self.row[col] if col is not None and col < len(self.row) else None

    def text(self, name: str, limit: int) -> str:
        value = self.cell(name)
        if value is None:
            return ""
        return typed.strip_invisible(str(value)).strip()[:limit]


def _risk_fields(row: _SheetRow, problems: list[str]) -> dict[str, Any]:
    """The risk's fields as the row gives them; each problem found goes on ``problems``."""
    reference = row.text("reference", 30)
    title = row.text("title", 300)
    if not title:
        problems.append("the title is blank")
    kind = KIND_WORDS.get(_norm(row.cell("kind")))
    if kind is None:
        problems.append(f"kind “{row.text('kind', 30)}” is not Register or BAF")
    alignment = ALIGNMENT_WORDS.get(_norm(row.cell("alignment")))
    if alignment is None:
        problems.append(
            f"alignment “{row.text('alignment', 40)}” is not one of: on the register, "
            "needs updating, not on the register"
        )
    status_text = _norm(row.cell("status")) or RiskStatus.OPEN
    status = status_text if status_text in RiskStatus.values else None
    if status is None:
        problems.append(f"status “{row.text('status', 20)}” is not Open or Closed")
    if alignment == Alignment.NOT_ON_REGISTER and reference:
        problems.append("a risk not on the register has no reference: leave it blank")
    likelihood, consequence, score = _scores(row, problems)
    return {
        "kind": kind,
        "reference": reference,
        "title": title,
        "likelihood": likelihood,
        "consequence": consequence,
        "score": score,
        "status": status,
        "theme": row.text("theme", 100),
        "alignment": alignment,
    }


def _scores(row: _SheetRow, problems: list[str]) -> tuple[int | None, int | None, int | None]:
    """Likelihood, consequence and score; the score is their product when both are given."""
    likelihood = _number(row.cell("likelihood"), 1, 5, "likelihood", problems)
    consequence = _number(row.cell("consequence"), 1, 5, "consequence", problems)
    score = _number(row.cell("score"), 1, 25, "score", problems)
    if likelihood and consequence and score and score != likelihood * consequence:
        problems.append(
            f"score {score} is not likelihood x consequence ({likelihood * consequence})"
        )
    if likelihood and consequence:
        score = likelihood * consequence
    return likelihood, consequence, score


def risks_import(*, plan: Plan, data: bytes, filename: str) -> RiskImport:
    """Record every risk of the file (new, or updating the one with its reference), or none."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        report = read_risk_import(plan=plan, data=data, filename=filename)
        if not report.ok:
            return report
        try:
            for row in report.rows:
                if row.existing is not None:
                    risk_update(risk=row.existing, **row.fields)
                else:
                    risk_create(plan=plan, **row.fields)
        except ValidationError as error:
            transaction.set_rollback(True)
            report.errors.append(f"Row {row.line}: " + " ".join(error.messages))
    return report
