"""History is data: field names and raw values, shown with labels only on the page.

The board report's "plan as at a date" reads the raw values, so renaming a label (or
changing how a value is shown) cannot change a past report; the action page shows the
labels and display values of the one registry in ``actions.history``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import replace

import pytest
from django.apps import apps
from django.urls import reverse

from actions import history
from actions import services as plan_services
from actions.models import ExecRole, Finding, FindingKind, HistoryEntry, KeyQuestion, Role, Status
from reporting.board.asat import plan_as_at
from tests.factories import InspectionFactory, PlanFactory, UserFactory

from ..reporting.conftest import london, travel

MOMENT = london(2026, 3, 1, 0)


@pytest.fixture
def people(db):
    return {
        "pmo": UserFactory(username="pmo", first_name="Pat", last_name="Office", roles=[Role.PMO]),
        "lead": UserFactory(
            username="lead", first_name="Jane", last_name="Okafor", roles=[Role.ACTION_LEAD]
        ),
        "lead2": UserFactory(
            username="lead2", first_name="Sam", last_name="Adeyemi", roles=[Role.ACTION_LEAD]
        ),
    }


@pytest.fixture
def changed_after_february(people):
    """An action as it stood in February, then changed in every tracked field in March."""
    inspection = InspectionFactory()
    plan = PlanFactory(name="Plan 2026", inspection=inspection, cycle_starts_on=dt.date(2026, 2, 1))
    safe = Finding.objects.create(
        inspection=inspection, ref="M1", kind=FindingKind.MUST, key_question=KeyQuestion.SAFE
    )
    led = Finding.objects.create(
        inspection=inspection, ref="S4", kind=FindingKind.SHOULD, key_question=KeyQuestion.WELL_LED
    )
    don = ExecRole.objects.create(code="DoN", title="Director of Nursing")
    md = ExecRole.objects.create(code="MD", title="Medical Director")
    action = plan_services.action_create(
        plan=plan,
        by=people["pmo"],
        now=london(2026, 2, 2, 9),
        exec_roles=[don],
        findings=[safe],
        ref="M1",
        kind=FindingKind.MUST,
        theme="Training",
        department="Maternity",
        requirement="CTG training for midwives.",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 5, 31),
        action_lead=people["lead"],
        status=Status.GREEN,
    )
    now = london(2026, 3, 2, 10)
    period = plan_services.period_current_row(plan=plan, now=now)
    plan_services.update_submit(
        action=action,
        period=period,
        author=people["lead"],
        status=Status.AMBER,
        narrative="Recruitment delayed.",
        now=now,
    )
    action.refresh_from_db()
    with travel(london(2026, 3, 3, 9)):
        plan_services.action_edit(
            action=action,
            by=people["pmo"],
            base_version=action.version,
            exec_roles=[md, don],
            findings=[led],
            ref="M1a",
            kind=FindingKind.SHOULD,
            theme="Workforce",
            department="Surgery",
            requirement="Rewritten.",
            start_date=dt.date(2026, 2, 1),
            end_date=dt.date(2026, 9, 30),
            now=london(2026, 3, 3, 9),
        )
    plan_services.actions_assign_lead(
        actions=[action], lead=people["lead2"], by=people["pmo"], now=london(2026, 3, 4, 9)
    )
    return plan, action


def test_history_stores_field_names_and_raw_values(changed_after_february, people):
    _plan, action = changed_after_february
    edit = action.history.get(kind=HistoryEntry.Kind.CHANGED)
    assert edit.changes["end_date"] == ["2026-05-31", "2026-09-30"]
    assert edit.changes["kind"] == ["must", "should"]
    assert edit.changes["exec_leads"] == [["DoN"], ["DoN", "MD"]]
    assert edit.changes["findings"] == [["M1"], ["S4"]]
    assert edit.actor_name == "Pat Office"
    saved = action.history.get(kind=HistoryEntry.Kind.UPDATE_SAVED)
    assert saved.changes["status"] == ["G", "A"]
    assigned = action.history.get(kind=HistoryEntry.Kind.LEAD_ASSIGNED)
    assert assigned.changes["action_lead"] == [
        {"id": people["lead"].pk, "name": "Jane Okafor"},
        {"id": people["lead2"].pk, "name": "Sam Adeyemi"},
    ]


def test_the_plan_as_at_undoes_every_later_change(changed_after_february):
    plan, _action = changed_after_february
    [row] = plan_as_at(plan, MOMENT)
    assert (row.ref, row.kind, row.theme, row.department, row.requirement) == (
        "M1",
        "must",
        "Training",
        "Maternity",
        "CTG training for midwives.",
    )
    assert (row.start_date, row.end_date) == (dt.date(2026, 1, 1), dt.date(2026, 5, 31))
    assert (row.status, row.exec_leads, row.key_questions) == ("G", "DoN", ["safe"])


def test_renaming_a_label_leaves_the_plan_as_at_unchanged(
    changed_after_february, monkeypatch, client, people
):
    plan, action = changed_after_february
    before = plan_as_at(plan, MOMENT)
    renamed = {
        name: replace(spec, label=f"renamed {spec.label}", show=lambda v: f"<{v}>")
        for name, spec in history.FIELDS.items()
    }
    monkeypatch.setattr(history, "FIELDS", renamed)

    assert plan_as_at(plan, MOMENT) == before
    # The page, though, shows the new labels: they are made only when history is shown.
    client.force_login(people["pmo"])
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "<strong>Renamed end date</strong>" in page


def test_the_action_page_shows_labels_and_display_values(changed_after_february, client, people):
    _plan, action = changed_after_february
    client.force_login(people["pmo"])
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    for shown in (
        "<strong>End date</strong>: 31/05/2026 → 30/09/2026",
        "<strong>Finding kind</strong>: Must do → Should do",
        "<strong>Exec lead</strong>: DoN → DoN/MD",
        "<strong>Findings</strong>: M1 → S4",
        "<strong>RAGB</strong>: Green → Amber",
        "<strong>Action lead</strong>: Jane Okafor → Sam Adeyemi",
    ):
        assert shown in page, shown


def test_a_deleted_actor_is_still_named_on_the_page(changed_after_february, client, people):
    _plan, action = changed_after_february
    people["lead"].delete()
    client.force_login(people["pmo"])
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert '<td class="nhsuk-table__cell">Jane Okafor</td>' in page


# The data migration: labelled history rows become field names and raw values ------------

migration = importlib.import_module("actions.migrations.0008_history_as_data")

LEGACY = {
    HistoryEntry.Kind.UPDATE_SAVED: {
        "status": ["", "Green"],
        "narrative": ["", "On plan"],
        "action status": ["Amber", "Green"],
    },
    HistoryEntry.Kind.CHANGED: {
        "end date": ["31/05/2019", "30/06/2019"],
        "finding kind": ["Must do", "Should do"],
        "RAGB": ["Green", "Amber"],
        "exec lead": ["DoN", "DOps/MD"],
        "findings": ["", "M1, S4"],
        "dept": ["Maternity", "Surgery"],
    },
    HistoryEntry.Kind.LEAD_ASSIGNED: {"action lead": ["Jane Okafor", "Someone Gone"]},
    HistoryEntry.Kind.CLOSURE_REQUESTED: {"evidence": ["", "Audit; Register"]},
}
CONVERTED = {
    HistoryEntry.Kind.UPDATE_SAVED: {
        "update_status": [None, "G"],
        "narrative": ["", "On plan"],
        "status": ["A", "G"],
    },
    HistoryEntry.Kind.CHANGED: {
        "end_date": ["2019-05-31", "2019-06-30"],
        "kind": ["must", "should"],
        "status": ["G", "A"],
        "exec_leads": [["DoN"], ["DOps", "MD"]],
        "findings": [[], ["M1", "S4"]],
        "department": ["Maternity", "Surgery"],
    },
    HistoryEntry.Kind.CLOSURE_REQUESTED: {"evidence": [[], ["Audit", "Register"]]},
}


def test_the_migration_turns_labels_into_field_names_and_back(people):
    action = plan_services.action_create(
        plan=PlanFactory(),
        by=None,
        now=london(2019, 1, 7, 9),
        ref="M1",
        kind=FindingKind.MUST,
        requirement="Act.",
    )
    entries = {
        kind: HistoryEntry.objects.create(
            action=action,
            actor=people["pmo"],
            at=london(2019, 6, 1, 9),
            kind=kind,
            version=1,
            changes=changes,
        )
        for kind, changes in LEGACY.items()
    }
    inspector_named = HistoryEntry.objects.create(
        action=action,
        actor=people["pmo"],
        at=london(2019, 6, 2, 9),
        kind=HistoryEntry.Kind.INSPECTOR_NAMED,
        version=1,
        note="Sam Adeyemi",
    )
    migration.forwards(apps, None)

    for kind, entry in entries.items():
        entry.refresh_from_db()
        assert entry.actor_name == "Pat Office"
        if kind in CONVERTED:
            assert entry.changes == CONVERTED[kind], kind
    lead_change = entries[HistoryEntry.Kind.LEAD_ASSIGNED].changes
    assert lead_change == {
        "action_lead": [
            {"id": people["lead"].pk, "name": "Jane Okafor"},
            {"id": None, "name": "Someone Gone"},
        ]
    }
    inspector_named.refresh_from_db()
    assert (inspector_named.changes, inspector_named.note) == (
        {"peer_inspector": [None, {"id": people["lead2"].pk, "name": "Sam Adeyemi"}]},
        "",
    )
    assert plan_as_at(action.plan, london(2019, 5, 1, 0))[0].end_date == dt.date(2019, 5, 31)

    migration.backwards(apps, None)
    for kind, entry in entries.items():
        entry.refresh_from_db()
        assert entry.changes == LEGACY[kind], kind
    inspector_named.refresh_from_db()
    assert (inspector_named.changes, inspector_named.note) == ({}, "Sam Adeyemi")
