"""Where the plan asks for it, a named inspector's pass ("tested in practice") gates sign-off."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from actions.models import Status
from evidence import services
from evidence.models import PeerInspection, SignOff
from tests.factories import UserFactory


@pytest.fixture
def inspector(db):
    return UserFactory(username="inspector", roles=["Action lead"])


@pytest.fixture
def inspected_closure(peer_inspection_plan, action, lead, pdf_evidence, inspector):
    return services.closure_request(
        action=action, by=lead, summary="Done", evidence=[pdf_evidence], inspector=inspector
    )


def test_without_the_setting_no_inspection_is_needed(closure, reviewer):
    services.closure_approve(closure=closure, by=reviewer)

    assert SignOff.objects.get().approved


def test_sign_off_is_refused_until_an_inspector_is_named(
    peer_inspection_plan, action, lead, pdf_evidence, reviewer
):
    closure = services.closure_request(
        action=action, by=lead, summary="Done", evidence=[pdf_evidence]
    )

    with pytest.raises(ValidationError, match="no inspector is named yet"):
        services.closure_approve(closure=closure, by=reviewer)
    assert not SignOff.objects.exists()


def test_sign_off_is_refused_until_the_inspection_is_recorded(inspected_closure, reviewer):
    with pytest.raises(ValidationError, match="Waiting for the peer inspection"):
        services.closure_approve(closure=inspected_closure, by=reviewer)


def test_a_failed_inspection_allows_only_a_decline(inspected_closure, inspector, reviewer):
    services.peer_inspection_record(
        closure=inspected_closure, by=inspector, passed=False, note="Staff unaware of policy"
    )

    with pytest.raises(ValidationError, match="failed"):
        services.closure_approve(closure=inspected_closure, by=reviewer)
    services.closure_decline(closure=inspected_closure, by=reviewer, reason="CSPI failed")
    assert SignOff.objects.get().decision == SignOff.Decision.DECLINED


def test_a_pass_opens_sign_off(client, inspected_closure, inspector, reviewer, action):
    client.force_login(inspector)
    response = client.post(
        reverse("peer_inspection", args=[inspected_closure.pk]),
        {"outcome": "passed", "note": "Visited Ward 4; staff showed the new checklist."},
    )
    assert response.status_code == 302
    inspection = PeerInspection.objects.get()
    assert inspection.passed and inspection.recorded_at

    services.closure_approve(closure=inspected_closure, by=reviewer)

    action.refresh_from_db()
    assert action.status == Status.BLUE


def test_only_the_named_inspector_can_record(client, inspected_closure, reviewer, pmo, lead):
    for who in (reviewer, pmo, lead):
        with pytest.raises(PermissionDenied):
            services.peer_inspection_record(
                closure=inspected_closure, by=who, passed=True, note="Fine"
            )
    client.force_login(reviewer)
    response = client.post(
        reverse("peer_inspection", args=[inspected_closure.pk]),
        {"outcome": "passed", "note": "x"},
    )
    assert response.status_code == 403


def test_the_inspection_needs_a_note_and_is_recorded_once(inspected_closure, inspector):
    with pytest.raises(ValidationError):
        services.peer_inspection_record(
            closure=inspected_closure, by=inspector, passed=True, note=""
        )
    services.peer_inspection_record(closure=inspected_closure, by=inspector, passed=True, note="ok")

    with pytest.raises(ValidationError, match="already recorded"):
        services.peer_inspection_record(
            closure=inspected_closure, by=inspector, passed=False, note="changed"
        )


def test_the_lead_cannot_inspect_their_own_closure(
    peer_inspection_plan, action, lead, pdf_evidence, pmo
):
    closure = services.closure_request(
        action=action, by=lead, summary="Done", evidence=[pdf_evidence]
    )

    with pytest.raises(ValidationError):
        services.peer_inspector_name(closure=closure, inspector=lead, by=pmo)


def test_pmo_names_the_inspector_on_the_closure_page(
    client, peer_inspection_plan, action, lead, pdf_evidence, pmo, inspector
):
    closure = services.closure_request(
        action=action, by=lead, summary="Done", evidence=[pdf_evidence]
    )
    client.force_login(pmo)

    client.post(reverse("peer_inspector", args=[closure.pk]), {"inspector": inspector.pk})

    assert PeerInspection.objects.get().inspector == inspector


def test_the_named_inspector_can_open_the_closure_and_its_evidence(
    client, inspected_closure, inspector, pdf_evidence
):
    """An inspector from another area may not read the plan, but sees what they inspect."""
    client.force_login(inspector)

    page = client.get(reverse("closure", args=[inspected_closure.pk]))
    download = client.get(reverse("evidence_download", args=[pdf_evidence.pk]))

    assert page.status_code == 200
    assert "Record the peer inspection" in page.content.decode()
    assert download.status_code == 200


def test_the_review_queue_shows_the_inspection_state(client, inspected_closure, reviewer):
    client.force_login(reviewer)

    page = client.get(reverse("review_queue")).content.decode()

    assert "Waiting for the peer inspection by" in page
    assert ">Approve<" not in page
    assert ">Decline<" in page
