"""Table 1 of the board papers: actions counted by finding kind and RAGB status.

One builder for every page and document that shows it: the plan page (from a QuerySet),
the exception report (from the lock's snapshot rows), the board report (from the plan as at
the month's end) and the public publication. Each document stores the table in its own
JSON shape (kept as it was, so documents already stored read the same); ``StatusTable``
reads any of them back, and templates/reporting/_table1.html lays it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from actions.models import STATUS_MEANING, FindingKind, Status

# Columns worst first, ending with the complete; White (not yet due to start) last.
TABLE_STATUSES = [Status.RED, Status.AMBER, Status.GREEN, Status.BLUE, Status.WHITE]
# The papers always show these two rows, even with no actions in them.
ALWAYS_SHOWN_KINDS = frozenset({FindingKind.MUST, FindingKind.SHOULD})
KIND_NAMES = {kind.value: kind.label for kind in FindingKind}
KIND_BY_NAME = {kind.label: kind.value for kind in FindingKind}


@dataclass(frozen=True)
class StatusRow:
    kind: str  # a FindingKind value; "" if a stored document kept only the name
    name: str  # "Must do"
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def label(self) -> str:
        """'Must do actions (14)', as the papers head each row."""
        return f"{self.name} actions ({self.total})"


@dataclass(frozen=True)
class StatusTable:
    """Finding kind × RAGB, laid out like Table 1 of the board papers."""

    rows: list[StatusRow]
    columns: list[Status]

    @property
    def headings(self) -> list[tuple[Status, str]]:
        return [(s, STATUS_MEANING[s]) for s in self.columns]

    @property
    def totals(self) -> list[int]:
        return [sum(r.counts[i] for r in self.rows) for i in range(len(self.columns))]

    @property
    def grand_total(self) -> int:
        return sum(self.totals)

    @property
    def labelled_rows(self) -> list[tuple[StatusRow, list[tuple[Status, int]]]]:
        """Each row with its counts paired with their columns (for plain-text layouts)."""
        return [(row, list(zip(self.columns, row.counts, strict=True))) for row in self.rows]

    def count(self, kind: str, status: str) -> int:
        for row in self.rows:
            if row.kind == kind:
                return row.counts[self.columns.index(Status(status))]
        return 0

    @classmethod
    def from_document(cls, data: Mapping[str, Any]) -> StatusTable:
        """The table a stored document holds: an exception report's, a board report's or a
        publication's (their shapes differ; each kept the one it was first stored in)."""
        columns = [
            Status(c["code"] if isinstance(c, Mapping) else c)
            for c in data.get("columns") or data["headings"]
        ]
        rows = []
        for r in data["rows"]:
            if "name" in r:  # a board report's
                kind, name = r["kind"], r["name"]
            elif "kind" in r:  # an exception report's
                kind, name = r["kind"], KIND_NAMES[r["kind"]]
            else:  # a publication's: the kind's name only, as published
                kind, name = KIND_BY_NAME.get(r["label"], ""), r["label"]
            rows.append(StatusRow(kind=kind, name=name, counts=list(r["counts"])))
        return cls(rows=rows, columns=columns)


def status_by_kind(
    actions: QuerySet | Iterable[tuple[str, str]],
    *,
    always_shown: Collection[str] = ALWAYS_SHOWN_KINDS,
) -> StatusTable:
    """Table 1 for ``actions``: a QuerySet of actions (one grouped query, whatever the size
    of the plan), or ``(kind, status)`` pairs read from a snapshot or the plan as at a date.

    A row for each finding kind with actions, in the order of ``FindingKind``, and for each
    kind in ``always_shown`` even without any.
    """
    if isinstance(actions, QuerySet):
        found = Counter(
            {
                (r["kind"], r["status"]): r["n"]
                for r in actions.order_by().values("kind", "status").annotate(n=Count("pk"))
            }
        )
    else:
        found = Counter(actions)
    present = {kind for (kind, _status) in found}
    rows = [
        StatusRow(
            kind=kind.value,
            name=kind.label,
            counts=[found[(kind.value, s.value)] for s in TABLE_STATUSES],
        )
        for kind in FindingKind
        if kind in present or kind in always_shown
    ]
    return StatusTable(rows=rows, columns=TABLE_STATUSES)
