"""Counts read from the plan, shared by the plan page and the reports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from actions.models import STATUS_MEANING, FindingKind, Status

# Table 1 of the papers: columns worst first, ending with the complete; White last.
TABLE_STATUSES = [Status.RED, Status.AMBER, Status.GREEN, Status.BLUE, Status.WHITE]
ALWAYS_SHOWN_KINDS = {FindingKind.MUST, FindingKind.SHOULD}


@dataclass(frozen=True)
class StatusRow:
    kind: FindingKind
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def label(self) -> str:
        return f"{self.kind.label} actions ({self.total})"


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

    def count(self, kind: str, status: str) -> int:
        for row in self.rows:
            if row.kind == kind:
                return row.counts[self.columns.index(Status(status))]
        return 0


def status_by_kind(actions: QuerySet) -> StatusTable:
    """One grouped query, whatever the size of the plan."""
    found = {
        (r["kind"], r["status"]): r["n"]
        for r in actions.order_by().values("kind", "status").annotate(n=Count("pk"))
    }
    kinds_present = {k for (k, _s) in found}
    rows = [
        StatusRow(kind=kind, counts=[found.get((kind.value, s.value), 0) for s in TABLE_STATUSES])
        for kind in FindingKind
        if kind in kinds_present or kind in ALWAYS_SHOWN_KINDS
    ]
    return StatusTable(rows=rows, columns=TABLE_STATUSES)
