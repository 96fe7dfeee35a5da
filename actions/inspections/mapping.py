"""Each finding of a new report mapped onto the open actions of a plan (seed 001): linked
to the actions that already answer it, or answered by a new action raised from it.

Writes are ``finding_link``, ``finding_unlink`` and ``finding_action_raise``, each in one
transaction; the reads the mapping page shares (its rows, the suggestions on them and the
summary sentence) follow them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from .. import services
from ..models import Action, Finding, FindingKind, Inspection, Plan, RaisedAction, Status

REF_LENGTH = Action._meta.get_field("ref").max_length or 20


def finding_link(
    *,
    finding: Finding,
    action: Action,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> Action:
    """Record that ``action`` already answers ``finding``; on the action's history."""
    if not action.is_open:
        raise ValidationError(
            f"{action.ref} is complete (Blue): raise a new action for this finding instead."
        )
    current = list(action.findings.all())
    if finding in current:
        return action
    return services.action_edit(
        action=action,
        by=by,
        base_version=None,
        findings=[*current, finding],
        note=f"Answers finding {finding.ref} of {finding.inspection}",
        now=now,
    )


def finding_unlink(
    *,
    finding: Finding,
    action: Action,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> Action:
    current = list(action.findings.all())
    if finding not in current:
        return action
    return services.action_edit(
        action=action,
        by=by,
        base_version=None,
        findings=[f for f in current if f.pk != finding.pk],
        note=f"No longer answers finding {finding.ref} of {finding.inspection}",
        now=now,
    )


def finding_action_raise(
    *,
    finding: Finding,
    plan: Plan,
    by: AbstractBaseUser | None,
    findings: Iterable[Finding] = (),
    now: dt.datetime | None = None,
    **fields: Any,
) -> Action:
    """A new action in ``plan`` answering ``finding``, recorded as raised from it."""
    now = now or timezone.now()
    answers = [finding, *(f for f in findings if f.pk != finding.pk)]
    with transaction.atomic():
        action = services.action_create(plan=plan, by=by, findings=answers, now=now, **fields)
        RaisedAction.objects.create(finding=finding, action=action, raised_by=by, raised_at=now)
    return action


def raise_initial(*, finding: Finding, plan: Plan) -> dict[str, Any]:
    """The new action's form, filled from the finding: the PMO checks it and saves."""
    ref = finding.ref
    if Action.objects.filter(plan=plan, ref=ref).exists():
        year = finding.inspection.published_on.year if finding.inspection.published_on else ""
        ref = f"{finding.ref}/{year}" if year else f"{finding.ref}-new"
    return {
        "ref": ref[:REF_LENGTH],
        "department": finding.core_service,
        "kind": finding.kind,
        "requirement": finding.text,
        "findings": [finding],
        "status": Status.WHITE,
    }


EXISTING = "existing"
NEW = "new"
UNMAPPED = "unmapped"
NO_THEME = "No theme"


@dataclass(frozen=True, slots=True)
class LinkedAction:
    """An action of the plan linked to a finding, as the mapping page shows and counts it:
    a row of values, not a model instance (a large plan has ~2,000 links to count)."""

    pk: int
    ref: str
    theme: str
    status: str
    raised_in: int | None  # the inspection whose finding it was raised from, if any

    @property
    def is_open(self) -> bool:
        return self.status != Status.BLUE


@dataclass
class FindingMapRow:
    """One finding on the mapping page: the plan's actions it is linked to, and suggestions."""

    finding: Finding
    linked: list[LinkedAction]
    raised_here: set[int]  # linked actions raised from this inspection's findings
    suggestions: list[Any] = field(default_factory=list)  # suggestions.Suggestion

    @functools.cached_property  # read several times per row by the template
    def category(self) -> str:
        if any(a.is_open and a.pk not in self.raised_here for a in self.linked):
            return EXISTING
        if any(a.pk in self.raised_here for a in self.linked):
            return NEW
        return UNMAPPED

    @functools.cached_property
    def theme(self) -> str:
        pool = (
            [a for a in self.linked if a.is_open and a.pk not in self.raised_here]
            if self.category == EXISTING
            else [a for a in self.linked if a.pk in self.raised_here]
        )
        return next((a.theme for a in pool if a.theme), NO_THEME)

    @functools.cached_property
    def linked_ids(self) -> set[int]:
        return {a.pk for a in self.linked}


def mapping_rows(
    *, inspection: Inspection, plan: Plan, finding_ids: Sequence[int] | None = None
) -> list[FindingMapRow]:
    """The inspection's findings with the plan's actions linked to each (two queries).

    Only what the page shows and counts is read (the actions' ref, theme and status; which
    inspection each was raised from), as rows of values: the summary counts every finding,
    ~2,000 links on a large plan, so each model instance would cost."""
    findings = inspection.findings.only(
        "inspection_id", "ref", "kind", "text", "core_service", "key_question"
    ).order_by()  # sorted below, as reports list them
    links = Action.findings.through.objects.filter(
        finding__inspection=inspection, action__plan=plan
    )
    if finding_ids is not None:
        findings = findings.filter(pk__in=finding_ids)
        links = links.filter(finding_id__in=finding_ids)
    linked: dict[int, list[LinkedAction]] = defaultdict(list)
    for finding_id, *values in links.order_by("action__ref", "action_id").values_list(
        "finding_id",
        "action_id",
        "action__ref",
        "action__theme",
        "action__status",
        "action__raised_from__finding__inspection_id",
    ):
        linked[finding_id].append(LinkedAction(*values))
    rows = []
    for finding in sorted(findings, key=finding_order):
        actions = linked.get(finding.pk, [])
        raised_here = {a.pk for a in actions if a.raised_in == inspection.pk}
        rows.append(FindingMapRow(finding, actions, raised_here))
    return rows


KIND_ORDER = [
    FindingKind.SECTION_31,
    FindingKind.SECTION_29A,
    FindingKind.REGULATORY,
    FindingKind.MUST,
    FindingKind.SHOULD,
]


def finding_order(finding: Finding) -> tuple:
    """Notices, then musts, then shoulds, as reports list them; S2 before S10."""
    natural = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", finding.ref)
        if part
    )
    return (KIND_ORDER.index(FindingKind(finding.kind)), natural, finding.pk)


def suggestions_attach(rows: list[FindingMapRow], plan: Plan) -> str:
    """Fill each row's suggestions (ranked ahead by the worker, else now); an explanation if
    the engine cannot."""
    from . import suggestions as suggest

    if not rows:
        return ""
    try:
        ranked = suggest.plan_suggestions(
            texts=[row.finding.text for row in rows], plan_id=plan.pk, top=3
        )
    except suggest.ModelMissing as error:
        return str(error)
    for row, suggestions in zip(rows, ranked, strict=True):
        row.suggestions = suggestions
    return ""


@dataclass
class MappingSummary:
    total: int
    existing: int
    new: int
    unmapped: int
    existing_by_theme: list[tuple[str, int]]
    new_by_theme: list[tuple[str, int]]

    @property
    def need_new(self) -> int:
        return self.new + self.unmapped

    @property
    def sentence(self) -> str:
        """Seed 001's way of putting it: "19 of 36 … are currently captured … as open actions"."""
        if not self.total:
            return "This inspection has no findings yet."
        return (
            f"Of the {self.total} finding{'s' if self.total != 1 else ''}, {self.existing} "
            f"{'is' if self.existing == 1 else 'are'} answered by open actions already in the "
            f"plan and {self.need_new} need{'s' if self.need_new == 1 else ''} new actions "
            f"({self.new} raised so far, {self.unmapped} still to map)."
        )


def mapping_summary(rows: Sequence[FindingMapRow]) -> MappingSummary:
    by_theme: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if row.category != UNMAPPED:
            by_theme[row.category][row.theme] += 1
    counts = Counter(row.category for row in rows)

    def ordered(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0] == NO_THEME, item[0]))

    return MappingSummary(
        total=len(rows),
        existing=counts[EXISTING],
        new=counts[NEW],
        unmapped=counts[UNMAPPED],
        existing_by_theme=ordered(by_theme[EXISTING]),
        new_by_theme=ordered(by_theme[NEW]),
    )


# One statement, read on every request of the mapping page: everything a change to its rows,
# suggestions and summary moves. Linking or unlinking goes through ``services.action_edit``
# (the action's ``version`` and ``updated_at`` move), as does any edit of an action's ref,
# theme, text or status; an action added, raised or deleted moves the plan's count and id
# sum; a finding added, re-imported, edited or deleted moves the inspection's count, id sum
# or newest save; a raised action (new actions by theme) moves the raised count. The open
# actions (what the suggestions rank) are a part of the plan's actions, so their fingerprint
# (``suggestions._plan_fingerprint``) cannot move without this one. Aggregates, no joins.
_MAPPING_STATE_SQL = """
SELECT a.n, a.open_n, a.id_sum, a.version_sum, a.changed_at,
  f.n, f.id_sum, f.changed_at, r.n, r.id_sum
FROM (SELECT COUNT(*) AS n, SUM(CASE WHEN status = %s THEN 0 ELSE 1 END) AS open_n,
             SUM(id) AS id_sum, SUM(version) AS version_sum, MAX(updated_at) AS changed_at
        FROM actions_action WHERE plan_id = %s) a,
     (SELECT COUNT(*) AS n, SUM(id) AS id_sum, MAX(updated_at) AS changed_at
        FROM actions_finding WHERE inspection_id = %s) f,
     (SELECT COUNT(*) AS n, SUM(id) AS id_sum FROM actions_raisedaction) r
"""  # every value is a parameter


@dataclass(frozen=True)
class MappingState:
    """What the mapping page of one inspection and plan shows is keyed on; its open count."""

    fingerprint: str
    open_count: int


def mapping_state(*, inspection: Inspection, plan: Plan) -> MappingState:
    """The fingerprint of everything the mapping page shows, and the plan's open actions."""
    with connection.cursor() as cursor:
        cursor.execute(_MAPPING_STATE_SQL, [Status.BLUE.value, plan.pk, inspection.pk])
        row = cursor.fetchone()
    # The plan's name is on the page too (read with the plan, so free to include).
    raw = "|".join(str(value) for value in (inspection.pk, plan.pk, plan.name, *row))
    return MappingState(
        fingerprint=hashlib.blake2b(raw.encode(), digest_size=12).hexdigest(),
        open_count=int(row[1] or 0),
    )
