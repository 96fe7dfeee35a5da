"""Table 1 (finding kind × RAGB): one builder and one layout for every page and document."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from actions.models import FindingKind, Status
from actions.table1 import StatusTable, status_by_kind
from reporting.board.content import _status_by_kind
from reporting.publication.content import _table
from tests.factories import ActionFactory

PAIRS = [
    ("regulatory", "R"),
    ("regulatory", "W"),
    ("must", "A"),
    ("must", "G"),
    ("must", "G"),
    ("should", "B"),
]


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", html)]


@pytest.fixture
def plan_actions(plan):
    for kind, status in PAIRS:
        ActionFactory(plan=plan, kind=kind, status=status)
    return plan.actions.all()


def test_a_queryset_and_snapshot_pairs_give_the_same_table(plan_actions, django_assert_num_queries):
    with django_assert_num_queries(1):
        from_query = status_by_kind(plan_actions)

    assert from_query == status_by_kind(PAIRS)
    assert [(r.kind, r.counts) for r in from_query.rows] == [
        ("regulatory", [1, 0, 0, 0, 1]),
        ("must", [0, 1, 2, 0, 0]),
        ("should", [0, 0, 0, 1, 0]),
    ]
    assert from_query.totals == [1, 1, 2, 1, 1]
    assert from_query.grand_total == 6


def test_must_and_should_rows_are_shown_without_actions_unless_the_document_says_not():
    table = status_by_kind([("s31", "B")])
    public = status_by_kind([("s31", "B")], always_shown=())

    assert [r.label for r in table.rows] == [
        "Section 31 condition actions (1)",
        "Must do actions (0)",
        "Should do actions (0)",
    ]
    assert [r.name for r in public.rows] == ["Section 31 condition"]


def test_every_document_reads_its_stored_table_back_alike():
    table = status_by_kind(PAIRS, always_shown=())
    exception = {
        "columns": [s.value for s in table.columns],
        "rows": [{"kind": r.kind, "counts": r.counts} for r in table.rows],
    }

    class AsAt:
        def __init__(self, kind, status):
            self.kind, self.status = kind, status

    board = _status_by_kind([AsAt(k, s) for k, s in PAIRS])
    publication = _table([AsAt(k, s) for k, s in PAIRS])

    for stored in (exception, board, publication):
        assert StatusTable.from_document(stored) == table
    assert StatusTable.from_document(board).count(FindingKind.MUST, Status.GREEN) == 2


def test_the_one_layout_takes_each_documents_differences_as_options():
    table = status_by_kind([("must", "G")])

    plain = render_to_string("reporting/_table1.html", {"table": table, "caption": "T"})
    public = render_to_string(
        "reporting/_table1.html",
        {"table": table, "caption": "T", "kind_names": True, "zeros": True, "totals": "All"},
    )
    coloured = render_to_string(
        "reporting/_table1.html",
        {"table": table, "caption": "T", "coloured": True, "meanings": "app-meaning"},
    )

    assert cells(plain)[:7] == ["Finding kind", "Red", "Amber", "Green", "Blue", "White", "Total"]
    assert cells(plain)[7:14] == ["Must do actions (1)", "-", "-", "1", "-", "-", "1"]
    assert len(cells(plain)) == 3 * 7  # headings, must do, should do: no totals row
    assert cells(public)[7:14] == ["Must do", "0", "0", "1", "0", "0", "1"]
    assert cells(public)[-7:] == ["All", "0", "0", "1", "0", "0", "1"]
    assert "nhsuk-u-visually-hidden" in plain and "app-ragb-cell--amber" in coloured
    assert "On track" in coloured and "On track" not in plain
