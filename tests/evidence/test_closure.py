"""Closure: the lead asks, someone the plan allows signs off, and only then is it Blue."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from actions import services as action_services
from actions.models import Role, Status
from evidence import services
from evidence.models import ClosureRequest, ClosureSettings, SignOff

from . import samples
from .conftest import upload


def test_lead_requests_closure_and_the_action_is_not_blue_yet(client, action, lead, pdf_evidence):
    client.force_login(lead)

    response = client.post(
        reverse("closure_request", args=[action.pk]),
        {"summary": "All staff trained.", "evidence": [pdf_evidence.pk]},
    )

    assert response.status_code == 302
    closure = ClosureRequest.objects.get()
    assert closure.state == ClosureRequest.State.REQUESTED
    assert list(closure.evidence.all()) == [pdf_evidence]
    assert closure.previous_status == Status.GREEN
    action.refresh_from_db()
    assert action.status == Status.GREEN
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "Closure requested" in page


def test_closure_needs_a_summary_and_at_least_one_item_of_evidence(client, action, lead):
    services.evidence_add(action=action, by=lead, kind="note", note="n", description="d")
    client.force_login(lead)

    response = client.post(reverse("closure_request", args=[action.pk]), {"summary": " "})

    page = response.content.decode()
    assert response.status_code == 422
    assert "Write a summary of what was done" in page
    assert "Choose at least one item of evidence" in page
    assert not ClosureRequest.objects.exists()


def test_only_the_action_lead_can_request_closure(action, pdf_evidence, pmo, exec_lead):
    for who in (pmo, exec_lead):
        with pytest.raises(PermissionDenied):
            services.closure_request(action=action, by=who, summary="s", evidence=[pdf_evidence])


def test_evidence_from_another_action_cannot_support_closure(
    action, lead, other_action, other_lead
):
    theirs = services.evidence_add(
        action=other_action, by=other_lead, kind="note", note="n", description="d"
    )

    with pytest.raises(ValidationError):
        services.closure_request(action=action, by=lead, summary="s", evidence=[theirs])


def test_one_waiting_closure_per_action(action, lead, pdf_evidence, closure):
    with pytest.raises(ValidationError, match="already has a closure request waiting"):
        services.closure_request(action=action, by=lead, summary="s", evidence=[pdf_evidence])


def test_reviewer_approves_and_the_action_is_blue_with_who_and_when(
    client, action, closure, reviewer
):
    client.force_login(reviewer)

    response = client.post(reverse("closure_approve", args=[closure.pk]), {"reviewed": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("review_queue")
    action.refresh_from_db()
    assert action.status == Status.BLUE
    sign_off = SignOff.objects.get()
    assert (sign_off.decision, sign_off.decided_by) == (SignOff.Decision.APPROVED, reviewer)
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "Signed off by" in page
    assert escape(reviewer.get_full_name()) in page  # "O'Connor" is escaped in the page


def test_the_requester_can_never_approve_their_own_request(client, action, lead, pdf_evidence):
    lead.groups.add(Group.objects.get(name=Role.REVIEWER))  # a lead who is also a reviewer
    closure = services.closure_request(
        action=action, by=lead, summary="Done", evidence=[pdf_evidence]
    )

    with pytest.raises(PermissionDenied, match="someone else must decide it"):
        services.closure_approve(closure=closure, by=lead)
    client.force_login(lead)
    response = client.post(reverse("closure_approve", args=[closure.pk]), {"reviewed": "on"})

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == Status.GREEN
    assert not SignOff.objects.exists()


def test_decline_without_a_reason_is_refused(client, action, closure, reviewer):
    with pytest.raises(ValidationError):
        services.closure_decline(closure=closure, by=reviewer, reason="  ")
    client.force_login(reviewer)

    response = client.post(reverse("closure_decline", args=[closure.pk]), {"reason": ""})

    assert response.status_code == 422
    assert "Give a reason for declining the closure" in response.content.decode()
    assert not SignOff.objects.exists()
    closure.refresh_from_db()
    assert closure.is_waiting


def test_decline_keeps_the_status_and_the_lead_sees_the_reason_on_my_actions(
    client, action, closure, reviewer, lead
):
    services.closure_decline(closure=closure, by=reviewer, reason="Register is unsigned.")

    action.refresh_from_db()
    assert action.status == Status.GREEN
    client.force_login(lead)
    page = client.get(reverse("my_actions")).content.decode()
    assert "Closure declined" in page
    assert "Register is unsigned." in page
    assert "Closure declined" in client.get(reverse("action", args=[action.pk])).content.decode()


def test_after_a_decline_the_lead_can_ask_again(action, closure, reviewer, lead, pdf_evidence):
    services.closure_decline(closure=closure, by=reviewer, reason="Not yet")

    again = services.closure_request(
        action=action, by=lead, summary="Signed now", evidence=[pdf_evidence]
    )

    assert again.is_waiting


@pytest.mark.parametrize(
    ("settings_kwargs", "who", "allowed"),
    [
        ({}, "reviewer", True),
        ({}, "exec", True),
        ({}, "exec2", False),  # an exec lead, but of another action
        ({}, "pmo", False),
        ({}, "board", False),
        ({"pmo_signs_off": True}, "pmo", True),
        ({"reviewers_sign_off": False}, "reviewer", False),
        ({"exec_lead_signs_off": False}, "exec", False),
    ],
)
def test_who_may_sign_off_is_a_plan_setting(
    plan, closure, reviewer, exec_lead, other_exec, pmo, board, settings_kwargs, who, allowed
):
    from django.contrib.auth import get_user_model

    if settings_kwargs:
        ClosureSettings.objects.create(plan=plan, **settings_kwargs)
    user = get_user_model().objects.get(username=who)

    if allowed:
        services.closure_approve(closure=closure, by=user)
        assert SignOff.objects.get().decided_by == user
    else:
        with pytest.raises(PermissionDenied):
            services.closure_approve(closure=closure, by=user)
        assert not SignOff.objects.exists()


def test_a_decided_closure_cannot_be_decided_again(closure, reviewer, exec_lead):
    services.closure_approve(closure=closure, by=reviewer)

    with pytest.raises(ValidationError, match="already been decided"):
        services.closure_decline(closure=closure, by=exec_lead, reason="Changed my mind")


def test_blue_never_comes_from_an_edit(action, pmo):
    with pytest.raises(ValidationError, match="Blue comes only from a signed-off closure"):
        action_services.action_edit(action=action, by=pmo, base_version=None, status=Status.BLUE)


def test_pmo_or_exec_lead_reopens_with_a_reason_and_the_status_returns(
    client, action, closure, reviewer, exec_lead, pmo
):
    services.closure_approve(closure=closure, by=reviewer)
    client.force_login(exec_lead)

    refused = client.post(reverse("action_reopen", args=[action.pk]), {"reason": ""})
    assert refused.status_code == 422
    response = client.post(
        reverse("action_reopen", args=[action.pk]), {"reason": "Spot audit found gaps"}
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.GREEN
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "Re-opened by" in page and "Spot audit found gaps" in page
    assert SignOff.objects.count() == 1  # the sign-off stands


@pytest.mark.parametrize("who", ["lead", "reviewer", "board", "exec2"])
def test_others_cannot_reopen(client, action, closure, reviewer, board, other_exec, who):
    from django.contrib.auth import get_user_model

    services.closure_approve(closure=closure, by=reviewer)
    client.force_login(get_user_model().objects.get(username=who))

    response = client.post(reverse("action_reopen", args=[action.pk]), {"reason": "x"})

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == Status.BLUE


def test_the_lead_can_withdraw_a_waiting_request(client, closure, lead, action):
    client.force_login(lead)

    client.post(reverse("closure_withdraw", args=[closure.pk]))

    closure.refresh_from_db()
    assert closure.state == ClosureRequest.State.WITHDRAWN
    assert (
        "Closure requested"
        not in client.get(reverse("action", args=[action.pk]))
        .content.decode()
        .split("<h2>Weekly updates</h2>")[0]
        .split('id="closure"')[0]
    )


def test_a_closure_page_is_refused_to_someone_who_cannot_see_the_action(
    client, closure, other_lead
):
    client.force_login(other_lead)

    assert client.get(reverse("closure", args=[closure.pk])).status_code == 403


def test_evidence_can_be_added_to_a_blue_action_but_closure_not_asked_again(
    action, closure, reviewer, lead
):
    services.closure_approve(closure=closure, by=reviewer)
    later = services.evidence_add(
        action=action,
        by=lead,
        kind="file",
        file=upload("re-audit.pdf", samples.PDF),
        description="Re-audit",
    )

    with pytest.raises(ValidationError, match="already complete"):
        services.closure_request(action=action, by=lead, summary="s", evidence=[later])
