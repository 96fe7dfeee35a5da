"""Blue comes only from a signed-off closure: an import cannot make or unmake it.

The one exception is the first import into an empty plan: a trust's legacy plan records
actions completed before the product took over. They come in Blue, recorded as "closed
before this plan was imported", never as signed off.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions import services
from actions.importer import plan_import
from actions.models import Action, FindingKind, HistoryEntry, PlanEvent, Status
from evidence import services as evidence_services
from tests.actions.imports import worker_runs_after_each_request  # noqa: F401
from tests.factories import ActionFactory, InspectionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "Ref.,Theme,Dept,Must do / should do,Requirement and actions,RAGB,Start date,End date"
BLUE_REFUSED = "an action becomes Blue only when its closure is signed off"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(db):
    return PlanFactory(inspection=InspectionFactory())


def plan_csv(*rows: tuple[str, str] | tuple[str, str, str]) -> bytes:
    """One line per (ref, RAGB[, end date]); the other cells stay the same."""
    lines = [HEADER]
    for ref, status, *end in rows:
        end_date = end[0] if end else "30/06/26"
        lines.append(
            f"{ref},Risk,Trust wide,Must do,{ref}: the Trust must act.,{status},01/01/26,{end_date}"
        )
    return "\n".join(lines).encode()


def imported(plan, data: bytes, **kwargs):
    return plan_import(plan=plan, data=data, filename="plan.csv", dry_run=False, **kwargs)


def signed_off(action: Action, lead, reviewer) -> Action:
    """Blue the only way it should be: evidence, a closure request and its approval."""
    evidence = evidence_services.evidence_add(
        action=action, by=lead, kind="note", description="Audit", note="Audit shows 95%."
    )
    closure = evidence_services.closure_request(
        action=action, by=lead, summary="Done and audited.", evidence=[evidence]
    )
    evidence_services.closure_approve(closure=closure, by=reviewer)
    action.refresh_from_db()
    assert action.status == Status.BLUE
    return action


# The first import of a legacy plan -------------------------------------------------------


def test_the_first_import_brings_blue_actions_in_as_closed_before_the_plan(plan, pmo):
    report = imported(plan, plan_csv(("T1", "G"), ("T2", "B")), by=pmo)

    assert report.ok, report.errors
    t2 = Action.objects.get(plan=plan, ref="T2")
    assert t2.status == Status.BLUE
    entry = t2.history.get(kind=HistoryEntry.Kind.CLOSED_BEFORE_IMPORT)
    assert entry.actor == pmo
    assert "plan.csv" in entry.note
    assert not Action.objects.get(plan=plan, ref="T1").history.filter(
        kind=HistoryEntry.Kind.CLOSED_BEFORE_IMPORT
    )


def test_the_action_page_says_a_blue_action_was_closed_before_the_plan_was_imported(
    client, plan, pmo
):
    imported(plan, plan_csv(("T2", "B")), by=pmo)
    client.force_login(pmo)

    page = client.get(reverse("action", args=[Action.objects.get(ref="T2").pk])).content.decode()

    assert "Closed before this plan was imported" in page
    assert "no sign-off" in page


# Later imports ---------------------------------------------------------------------------


def test_a_reimport_cannot_turn_an_action_blue(plan):
    imported(plan, plan_csv(("T1", "G"), ("T2", "G")))

    report = imported(plan, plan_csv(("T1", "G"), ("T2", "B")))

    assert not report.ok
    [error] = report.errors
    assert (error.line, error.column, error.value) == (3, "RAGB", "B")
    assert error.message.startswith("T2 is Green in the plan: " + BLUE_REFUSED)
    assert Action.objects.get(plan=plan, ref="T2").status == Status.GREEN
    assert not HistoryEntry.objects.filter(kind=HistoryEntry.Kind.IMPORTED).exists()


def test_a_reimport_cannot_turn_a_signed_off_action_back_to_green(plan, lead):
    reviewer = UserFactory(username="reviewer", roles=["Assurance reviewer"])
    action = signed_off(ActionFactory(plan=plan, ref="T1", action_lead=lead), lead, reviewer)

    report = imported(plan, plan_csv(("T1", "G")))

    assert not report.ok
    [error] = report.errors
    assert (error.line, error.column, error.value) == (2, "RAGB", "G")
    assert error.message.startswith("T1 is Blue (complete) in the plan")
    assert "re-open it from the action's page" in error.message
    action.refresh_from_db()
    assert action.status == Status.BLUE


def test_a_reimport_cannot_undo_a_blue_brought_in_by_the_first_import(plan):
    imported(plan, plan_csv(("T1", "B")))

    report = imported(plan, plan_csv(("T1", "")))

    assert not report.ok
    assert "re-open it from the action's page" in report.errors[0].message
    assert Action.objects.get(plan=plan, ref="T1").status == Status.BLUE


def test_a_later_import_cannot_add_a_new_action_as_blue(plan):
    imported(plan, plan_csv(("T1", "G")))

    report = imported(plan, plan_csv(("T1", "G"), ("T9", "Complete")))

    assert not report.ok
    assert report.errors[0].line == 3
    assert report.errors[0].message.startswith("T9 is new: " + BLUE_REFUSED)
    assert not Action.objects.filter(ref="T9").exists()


def test_a_blue_action_can_still_have_its_other_cells_changed(plan):
    imported(plan, plan_csv(("T1", "B", "30/06/26")))

    report = imported(plan, plan_csv(("T1", "B", "31/07/26")))

    assert report.ok, report.errors
    t1 = Action.objects.get(plan=plan, ref="T1")
    assert (t1.status, t1.end_date) == (Status.BLUE, dt.date(2026, 7, 31))


def test_a_reopened_action_imports_with_its_new_status(plan, pmo):
    imported(plan, plan_csv(("T1", "B")), by=pmo)
    evidence_services.action_reopen(
        action=Action.objects.get(plan=plan, ref="T1"), by=pmo, reason="Audit failed."
    )

    report = imported(plan, plan_csv(("T1", "A")), by=pmo)

    assert report.ok, report.errors
    assert Action.objects.get(plan=plan, ref="T1").status == Status.AMBER


def test_creating_an_action_as_blue_is_refused(plan, pmo):
    with pytest.raises(ValidationError, match="Blue comes only from a signed-off closure"):
        services.action_create(
            plan=plan,
            by=pmo,
            ref="X1",
            kind=FindingKind.MUST,
            requirement="Act.",
            status=Status.BLUE,
        )
    assert not Action.objects.exists()


# The preview page ------------------------------------------------------------------------


def preview(client, plan, data: bytes):
    return client.post(
        reverse("plan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.csv", data)},
        follow=True,
    )


def test_the_preview_refuses_the_blue_row_with_a_clear_message(client, plan, pmo):
    imported(plan, plan_csv(("T1", "G"), ("T2", "G")))
    client.force_login(pmo)

    response = preview(client, plan, plan_csv(("T1", "A"), ("T2", "B")))

    page = response.content.decode()
    assert "T2 is Green in the plan: " + BLUE_REFUSED in page
    assert "G → B" not in page
    assert "Confirm import" not in page
    assert not PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED).count() > 1


def test_the_preview_warns_when_five_end_dates_move_earlier_and_lists_them(client, plan, pmo):
    refs = [f"T{n}" for n in range(1, 21)]
    imported(plan, plan_csv(*[(ref, "G", "30/06/26") for ref in refs]))
    client.force_login(pmo)
    earlier = set(refs[:5])

    response = preview(
        client,
        plan,
        plan_csv(*[(ref, "G", "31/03/26" if ref in earlier else "30/06/26") for ref in refs]),
    )

    page = response.content.decode()
    assert "5 actions get an earlier end date" in page
    for ref in earlier:
        assert f'<td class="nhsuk-table__cell">{ref}</td>' in page
    assert "30/06/26 → 31/03/26" in page
    assert "Confirm import" in page


def test_the_preview_warns_when_over_a_tenth_of_end_dates_move_earlier(client, plan, pmo):
    imported(plan, plan_csv(*[(f"T{n}", "G") for n in range(1, 11)]))
    client.force_login(pmo)

    response = preview(
        client,
        plan,
        plan_csv(*[(f"T{n}", "G", "01/05/26" if n <= 2 else "30/06/26") for n in range(1, 11)]),
    )

    assert "2 actions get an earlier end date" in response.content.decode()


def test_the_preview_does_not_warn_for_one_earlier_end_date_in_twenty(client, plan, pmo):
    imported(plan, plan_csv(*[(f"T{n}", "G") for n in range(1, 21)]))
    client.force_login(pmo)

    response = preview(
        client,
        plan,
        plan_csv(*[(f"T{n}", "G", "01/05/26" if n == 1 else "30/06/26") for n in range(1, 21)]),
    )

    page = response.content.decode()
    assert "earlier end date" not in page
    assert "End date: 30/06/26 → 01/05/26" in page


def test_an_action_lead_cannot_preview_an_import(client, plan, lead):
    client.force_login(lead)

    response = preview(client, plan, plan_csv(("T1", "B")))

    assert response.status_code == 403
    assert not Action.objects.exists()


def test_the_import_record_says_how_many_end_dates_moved_earlier(plan, pmo):
    imported(plan, plan_csv(("T1", "G", "30/06/26"), ("T2", "G", "30/06/26")), by=pmo)

    report = imported(plan, plan_csv(("T1", "G", "31/05/26"), ("T2", "G", "31/07/26")), by=pmo)

    assert [(m.ref, m.before, m.after) for m in report.earlier_end_dates] == [
        ("T1", dt.date(2026, 6, 30), dt.date(2026, 5, 31))
    ]
    event = PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED).first()
    assert event.detail == "plan.csv: 0 new, 2 changed, 0 unchanged; 1 end date earlier"


def test_a_blue_action_with_no_sign_off_or_import_record_says_so(client, plan, pmo):
    action = ActionFactory(plan=plan, ref="T5", status=Status.BLUE)  # as an old import left it
    client.force_login(pmo)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert "No sign-off is on record for this action." in page
    assert "Closed before this plan was imported" not in page
