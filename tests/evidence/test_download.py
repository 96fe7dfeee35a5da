"""Who can download which evidence, and how it is served: an attachment, never inline."""

import pytest
from django.urls import reverse

from evidence import services
from tests.factories import ActionFactory

from . import samples
from .conftest import upload


@pytest.fixture
def others_evidence(plan, other_lead):
    """Evidence on R2, an action "lead" does not lead."""
    action = ActionFactory(plan=plan, ref="R2", action_lead=other_lead)
    return services.evidence_add(
        action=action,
        by=other_lead,
        kind="file",
        file=upload("R2 audit.pdf", samples.PDF),
        description="Audit",
    )


# (who, may download T3's evidence, may download R2's evidence). T3 is led by "lead",
# with exec lead "exec"; R2 is led by "lead2". Anyone who may view an action may
# download its evidence: the PMO, exec leads, reviewers and the board read the whole plan.
MATRIX = [
    ("pmo", 200, 200),
    ("lead", 200, 403),
    ("lead2", 403, 200),
    ("exec", 200, 200),
    ("reviewer", 200, 200),
    ("board", 200, 200),
]


@pytest.mark.parametrize(("who", "own", "others"), MATRIX)
def test_download_matrix(
    client, who, own, others, pdf_evidence, others_evidence, pmo, board, reviewer, other_lead
):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    mine = client.get(reverse("evidence_download", args=[pdf_evidence.pk]))
    theirs = client.get(reverse("evidence_download", args=[others_evidence.pk]))

    assert (mine.status_code, theirs.status_code) == (own, others)
    if own == 200:
        assert b"".join(mine.streaming_content) == samples.PDF


def test_anonymous_is_sent_to_sign_in(client, pdf_evidence):
    response = client.get(reverse("evidence_download", args=[pdf_evidence.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_action_lead_of_nothing_cannot_download(client, pdf_evidence):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="newcomer", roles=["Action lead"]))

    assert client.get(reverse("evidence_download", args=[pdf_evidence.pk])).status_code == 403


def test_download_is_an_attachment_with_safe_headers(client, lead, pdf_evidence):
    client.force_login(lead)

    response = client.get(reverse("evidence_download", args=[pdf_evidence.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="Training_register.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]


def test_the_original_name_is_made_safe(client, action, lead):
    evidence = services.evidence_add(
        action=action,
        by=lead,
        kind="file",
        file=upload('..\\..\\<script>"evil".pdf', samples.PDF),
        description="x",
    )
    client.force_login(lead)

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    for bad in ("<", ">", "\\", "/", '"evil'):
        assert bad not in disposition.split("filename=")[1].strip('"')


def test_a_withdrawn_file_cannot_be_downloaded(client, lead, pdf_evidence):
    services.evidence_withdraw(evidence=pdf_evidence, by=lead)
    client.force_login(lead)

    assert client.get(reverse("evidence_download", args=[pdf_evidence.pk])).status_code == 404


def test_links_and_notes_have_no_download(client, action, lead):
    note = services.evidence_add(
        action=action, by=lead, kind="note", note="Seen on the ward", description="Visit"
    )
    client.force_login(lead)

    assert client.get(reverse("evidence_download", args=[note.pk])).status_code == 404


def test_the_storage_has_no_public_url(pdf_evidence):
    with pytest.raises(NotImplementedError):
        pdf_evidence.file.url  # noqa: B018


def test_the_evidence_folder_is_not_under_static_or_media(settings):
    from pathlib import Path

    from improvement import settings as real

    root = Path(real.EVIDENCE_ROOT).resolve()
    for public in (real.STATIC_ROOT, real.MEDIA_ROOT, real.BASE_DIR / "static"):
        assert not root.is_relative_to(Path(public).resolve())
