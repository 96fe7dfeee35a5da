"""A publication takes out the names people had when they were written, not only today's.

A lead renamed (married, corrected) after writing "Philippa Thistlewood chased estates", and
a lead deleted after leaving, are still named in narratives and history written before. The
history records each actor's name and each named lead's name as they were, so redaction
knows them: neither the old name nor the deleted user's name reaches the public page or PDF.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import TestCase

from actions import services as plan_services
from actions.models import HistoryEntry, Role, Status
from reporting.models import Publication
from reporting.publication import services
from reporting.publication.content import FIELD_KEYS
from reporting.publication.redact import SOMEONE
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .conftest import london, pdf_text, requires_pdftotext, travel

START = london(2026, 11, 2, 9, 0)
OLD_NAMES = ["Philippa Thistlewood", "Thistlewood", "Ignatius Quarrington", "Quarrington"]


@pytest.fixture
def published(db):
    """Narratives and history written under names that have since changed or gone."""
    pmo = UserFactory(username="pmo1", first_name="Pat", last_name="Office", roles=[Role.PMO])
    lead = UserFactory(
        username="plead", first_name="Philippa", last_name="Thistlewood", roles=[Role.ACTION_LEAD]
    )
    leaver = UserFactory(
        username="ilead", first_name="Ignatius", last_name="Quarrington", roles=[Role.ACTION_LEAD]
    )
    with travel(START):
        plan = PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=START.date())
        m1 = ActionFactory(plan=plan, ref="M1", department="Maternity", action_lead=leaver)
        s1 = ActionFactory(plan=plan, ref="S1", department="Surgery", action_lead=lead)
    period = plan_services.period_current_row(plan=plan, now=START)
    plan_services.update_submit(
        action=m1,
        period=period,
        author=leaver,
        status=Status.AMBER,
        narrative="Quarrington chased estates; Ignatius Quarrington to report back.",
        now=START,
    )
    plan_services.update_submit(
        action=s1,
        period=period,
        author=lead,
        status=Status.GREEN,
        narrative="Philippa Thistlewood met the ward managers; Thistlewood, Philippa to audit.",
        now=START + dt.timedelta(hours=1),
    )
    with travel(START + dt.timedelta(days=1)):
        plan_services.actions_assign_lead(actions=[m1], lead=lead, by=pmo)

    lead.last_name = "Brackenbury"  # renamed after writing, and after history named her
    lead.save()
    leaver.delete()  # left the trust

    with travel(START + dt.timedelta(days=2)):
        services.publication_settings_save(
            plan=plan, by=pmo, fields=FIELD_KEYS, highlights="", challenges="", glossary=[]
        )
        with TestCase.captureOnCommitCallbacks(execute=True):  # and the worker's PDF
            publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    return Publication.objects.get(pk=publication.pk)


def assert_no_old_name_in(text: str, where: str) -> None:
    squeezed = "".join(text.lower().split())  # a name broken over two lines of the PDF
    for name in OLD_NAMES:
        assert name.lower() not in text.lower(), f"{name!r} appears in {where}"
        assert "".join(name.lower().split()) not in squeezed, f"{name!r} appears in {where}"


def test_history_keeps_the_names_people_had_when_it_was_written(published):
    entries = HistoryEntry.objects.filter(action__plan=published.plan)
    assert set(entries.values_list("actor_name", flat=True)) == {
        "Ignatius Quarrington",
        "Philippa Thistlewood",
        "Pat Office",
    }
    assigned = entries.get(kind=HistoryEntry.Kind.LEAD_ASSIGNED)
    before, after = assigned.changes["action_lead"]
    assert before["name"] == "Ignatius Quarrington"
    assert after["name"] == "Philippa Thistlewood"


def test_a_renamed_or_deleted_users_old_name_is_not_published(client, published):
    html = client.get(published.get_absolute_url()).content.decode()

    assert_no_old_name_in(html, "the public page")
    assert_no_old_name_in(str(published.content), "the stored document")
    # Not vacuous: the text around the names is there, the names replaced by roles.
    assert "chased estates" in html
    assert "met the ward managers" in html
    assert "Action lead met the ward managers; Action lead to audit" in html
    assert f"{SOMEONE} chased estates" in html  # the leaver: no title any more


@requires_pdftotext
def test_a_renamed_or_deleted_users_old_name_is_not_in_the_pdf(client, published, tmp_path):
    from django.urls import reverse

    response = client.get(reverse("publication_public_pdf", args=[published.slug, 1]))
    text = pdf_text(response.content, tmp_path)

    assert_no_old_name_in(text, "the PDF")
    assert "chased estates" in text
