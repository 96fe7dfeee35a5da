"""Adding and withdrawing evidence: who may, what is kept, what the action's page shows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from evidence import services
from evidence.models import Evidence

from . import samples
from .conftest import stored_files, upload


@pytest.mark.parametrize(("who", "status"), [("lead", 302), ("exec", 302), ("pmo", 302)])
def test_lead_exec_lead_and_pmo_can_add_evidence(client, action, pmo, who, status):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    response = client.post(
        reverse("evidence_add", args=[action.pk]),
        {"kind": "file", "file": upload("proof.pdf", samples.PDF), "description": "Proof"},
    )

    assert response.status_code == status
    evidence = Evidence.objects.get()
    assert (evidence.added_by.username, evidence.description) == (who, "Proof")


@pytest.mark.parametrize("who", ["lead2", "reviewer", "board", "exec2"])
def test_others_cannot_add_evidence(client, action, other_lead, reviewer, board, other_exec, who):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    response = client.post(
        reverse("evidence_add", args=[action.pk]),
        {"kind": "note", "note": "n", "description": "d"},
    )

    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_a_link_and_a_note(client, action, lead):
    client.force_login(lead)
    url = reverse("evidence_add", args=[action.pk])

    client.post(
        url,
        {"kind": "link", "url": "https://intranet.example.nhs.uk/audit", "description": "Audit"},
    )
    client.post(url, {"kind": "note", "note": "Checked on the ward", "description": "Visit"})

    link, note = Evidence.objects.order_by("id")
    assert (link.kind, link.url) == ("link", "https://intranet.example.nhs.uk/audit")
    assert (note.kind, note.note) == ("note", "Checked on the ward")
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert 'href="https://intranet.example.nhs.uk/audit"' in page
    assert "Checked on the ward" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/y", "not a url", ""])
def test_only_web_links_are_accepted(action, lead, url):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(action=action, by=lead, kind="link", url=url, description="d")

    assert "url" in refused.value.message_dict


def test_the_action_page_lists_evidence_with_who_and_when(client, action, lead, pdf_evidence):
    client.force_login(lead)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert reverse("evidence_download", args=[pdf_evidence.pk]) in page
    assert "Training register, March 2026" in page
    assert escape(lead.get_full_name()) in page  # "O'Connor" is escaped in the page


def test_the_action_page_has_the_named_controls_for_the_lead(client, action, lead, pdf_evidence):
    client.force_login(lead)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    for text in ('href="#add-evidence"', ">Add evidence<", ">File<", ">Description<", ">Upload<"):
        assert text in page
    assert 'enctype="multipart/form-data"' in page
    assert ">Summary<" in page and ">Request closure<" in page


def test_the_board_sees_evidence_but_no_forms(client, action, board, pdf_evidence):
    client.force_login(board)

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert "Training register, March 2026" in page
    assert ">Upload<" not in page and ">Request closure<" not in page


def test_whoever_added_it_can_withdraw_it_and_the_file_is_removed(
    client, action, lead, pdf_evidence, evidence_root, django_capture_on_commit_callbacks
):
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence_withdraw", args=[pdf_evidence.pk]))

    assert response.status_code == 302
    pdf_evidence.refresh_from_db()
    assert pdf_evidence.is_withdrawn and pdf_evidence.withdrawn_by == lead
    assert stored_files(evidence_root) == []


def test_nobody_else_can_withdraw_it(client, pdf_evidence, pmo, exec_lead):
    for who in (pmo, exec_lead):
        with pytest.raises(PermissionDenied):
            services.evidence_withdraw(evidence=pdf_evidence, by=who)
    client.force_login(pmo)
    assert client.post(reverse("evidence_withdraw", args=[pdf_evidence.pk])).status_code == 403


def test_evidence_behind_a_sign_off_is_kept(closure, reviewer, lead, pdf_evidence, evidence_root):
    services.closure_approve(closure=closure, by=reviewer)

    with pytest.raises(ValidationError, match="kept for good"):
        services.evidence_withdraw(evidence=pdf_evidence, by=lead)

    assert not Evidence.objects.get().is_withdrawn
    assert len(stored_files(evidence_root)) == 1


def test_evidence_behind_a_waiting_closure_is_kept_until_the_request_is_withdrawn(
    closure, lead, pdf_evidence
):
    with pytest.raises(ValidationError, match="Withdraw the closure request first"):
        services.evidence_withdraw(evidence=pdf_evidence, by=lead)

    services.closure_withdraw(closure=closure, by=lead)
    services.evidence_withdraw(evidence=pdf_evidence, by=lead)

    assert Evidence.objects.get().is_withdrawn


def test_evidence_behind_a_declined_closure_can_be_withdrawn(closure, reviewer, lead, pdf_evidence):
    services.closure_decline(closure=closure, by=reviewer, reason="Wrong register")

    services.evidence_withdraw(evidence=pdf_evidence, by=lead)

    assert Evidence.objects.get().is_withdrawn
