"""A new inspection report's ratings, per key question and core service, and two reports
compared side by side (seed 001: "19 inadequate → none").

The write is ``inspection_ratings_save``, in one transaction; the reads the pages share
(the ratings grid, the comparison of two inspections) follow it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import FindingKind, Inspection, InspectionRating, KeyQuestion, Rating

OVERALL = ""  # the key question of an overall rating, and the core service of the trust's row
RATING_COLUMNS: list[tuple[str, str]] = [(OVERALL, "Overall"), *KeyQuestion.choices]
MAX_SERVICE_LENGTH = InspectionRating._meta.get_field("core_service").max_length or 100


def tidy_service(name: str) -> str:
    """A core service as typed, with runs of spaces made one."""
    return re.sub(r"\s+", " ", name or "").strip()


def inspection_ratings_save(*, inspection: Inspection, grid: Mapping[tuple[str, str], str]) -> int:
    """Replace the inspection's ratings with ``grid``: {(core service, key question): rating}.

    A blank core service is the trust; a blank key question is the overall rating. Cells
    left out are removed. Returns how many cells the inspection now has.
    """
    valid_questions = {OVERALL, *KeyQuestion.values}
    cells: dict[tuple[str, str], tuple[str, str, str]] = {}
    errors = []
    for (service, question), rating in grid.items():
        service = tidy_service(service)
        if question not in valid_questions:
            errors.append(f"“{question}” is not a CQC key question.")
        elif rating not in Rating.values:
            errors.append(f"“{rating}” is not a CQC rating.")
        elif len(service) > MAX_SERVICE_LENGTH:
            errors.append(f"The core service name “{service[:40]}…” is too long.")
        elif (service.lower(), question) in cells:
            errors.append(f"{service or 'The trust'} is rated twice for the same question.")
        else:
            cells[(service.lower(), question)] = (service, question, rating)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Inspection.objects.select_for_update().get(pk=inspection.pk)
        InspectionRating.objects.filter(inspection=inspection).delete()
        InspectionRating.objects.bulk_create(
            InspectionRating(inspection=inspection, core_service=s, key_question=q, rating=r)
            for s, q, r in cells.values()
        )
    return len(cells)


@dataclass
class RatingsRow:
    core_service: str  # "" for the trust
    ratings: dict[str, str]  # key question ("" overall) → rating value

    @property
    def label(self) -> str:
        return self.core_service or "Trust overall"


def ratings_grid(inspection: Inspection) -> list[RatingsRow]:
    """The inspection's ratings as the report prints them: the trust first, then services."""
    rows: dict[str, RatingsRow] = {"": RatingsRow("", {})}
    for cell in inspection.ratings.all():
        rows.setdefault(cell.core_service, RatingsRow(cell.core_service, {}))
        rows[cell.core_service].ratings[cell.key_question] = cell.rating
    return list(rows.values())


@dataclass
class CountRow:
    label: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def percent_change(self) -> str:
        """'down 82.5%' as the board paper reads it; blank when there is nothing to compare."""
        return percent_change(self.before, self.after)


def percent_change(before: int, after: int) -> str:
    if before == 0:
        return "" if after == 0 else "new"
    if after == before:
        return "no change"
    percent = (after - before) * 100 / before
    return f"{'up' if percent > 0 else 'down'} {abs(percent):.1f}%"


@dataclass
class CompareCell:
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def before_label(self) -> str:
        return Rating(self.before).label if self.before else "-"

    @property
    def after_label(self) -> str:
        return Rating(self.after).label if self.after else "-"


@dataclass
class CompareRow:
    label: str
    cells: list[CompareCell]


@dataclass
class Comparison:
    before: Inspection
    after: Inspection
    rating_counts: list[CountRow]
    finding_totals: list[CountRow]
    rows: list[CompareRow]

    @property
    def rated_before(self) -> int:
        return sum(r.before for r in self.rating_counts)

    @property
    def rated_after(self) -> int:
        return sum(r.after for r in self.rating_counts)


Cells = dict[tuple[str, str], InspectionRating]  # (core service lower-cased, question) → cell


def inspections_compare(*, before: Inspection, after: Inspection) -> Comparison:
    """Side by side: counts of each rating, must/should totals, and every rated cell."""
    cells: dict[int, Cells] = {
        inspection.pk: {
            (c.core_service.lower(), c.key_question): c for c in inspection.ratings.all()
        }
        for inspection in (before, after)
    }
    counted = {pk: Counter(c.rating for c in grid.values()) for pk, grid in cells.items()}
    rating_counts = [
        CountRow(label, counted[before.pk][value], counted[after.pk][value])
        for value, label in Rating.choices
    ]
    return Comparison(
        before,
        after,
        rating_counts,
        _finding_totals(before, after),
        _compare_rows(cells[before.pk], cells[after.pk]),
    )


def _finding_totals(before: Inspection, after: Inspection) -> list[CountRow]:
    """Each kind of finding either report has (musts and shoulds always), then both together."""
    kinds = {
        inspection.pk: Counter(inspection.findings.values_list("kind", flat=True))
        for inspection in (before, after)
    }
    finding_totals = [
        CountRow(label, kinds[before.pk][value], kinds[after.pk][value])
        for value, label in FindingKind.choices
        if kinds[before.pk][value]
        or kinds[after.pk][value]
        or value in (FindingKind.MUST, FindingKind.SHOULD)
    ]
    finding_totals.append(
        CountRow(
            "Must do and should do",
            kinds[before.pk][FindingKind.MUST] + kinds[before.pk][FindingKind.SHOULD],
            kinds[after.pk][FindingKind.MUST] + kinds[after.pk][FindingKind.SHOULD],
        )
    )
    return finding_totals


def _compare_rows(before: Cells, after: Cells) -> list[CompareRow]:
    """The trust's row, then each core service rated in either report."""
    services_seen: dict[str, str] = {"": "Trust overall"}
    for grid in (before, after):  # the later report's spelling wins
        for key, _question in grid:
            if key:
                services_seen[key] = grid[(key, _question)].core_service
    rows = []
    for key, label in services_seen.items():
        row = CompareRow(
            label,
            [
                CompareCell(
                    getattr(before.get((key, q)), "rating", ""),
                    getattr(after.get((key, q)), "rating", ""),
                )
                for q, _ in RATING_COLUMNS
            ],
        )
        if key == "" or any(c.before or c.after for c in row.cells):
            rows.append(row)
    return rows
