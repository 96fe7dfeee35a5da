"""Every write of public publication: the PMO's settings, publishing, the PDF, withdrawing.

A publication is built, checked and stored in one transaction: the redacted document and
its digest, so the public page works at once. Its PDF is made afterwards by a worker
(``tasks.render_pdf_publication``, queue "pdf") from the stored document and stored once.
Nothing else about it ever changes (a database trigger refuses it); withdrawing adds a
record beside it, and its address then answers 410 Gone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.fields.json import KT
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from actions.access import is_pmo
from actions.models import Plan

from .. import tasks
from ..models import Publication, PublicationSettings, PublicationWithdrawal
from .content import FIELD_KEYS, Draft, digest_of, publication_document, strings_of
from .glossary import DEFAULT_GLOSSARY
from .pdf import render_pdf

MAX_GLOSSARY = 300
MAX_TERM = 100
MAX_DEFINITION = 1000
MAX_SUMMARY = 5000
ONLY_PMO = "Only the PMO can publish the plan for the public."
CHANGED_SINCE_PREVIEW = (
    "The plan changed after your preview was made (an update, an edit or new evidence). "
    "Nothing was published: check the new preview below, then publish again."
)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require_pmo(user: AbstractBaseUser) -> None:
    if not is_pmo(user):
        raise PermissionDenied(ONLY_PMO)


@dataclass
class Preview:
    """The document the public would see if the PMO published now."""

    document: dict
    digest: str
    token: uuid.UUID
    kept: dict[str, int] = field(default_factory=dict)


# Settings ------------------------------------------------------------------------------


def publication_draft(*, plan: Plan) -> Draft:
    """The plan's saved settings, or the defaults: the usual fields and DOMAIN.md's words."""
    from .content import DEFAULT_FIELDS

    saved = PublicationSettings.objects.filter(plan=plan).first()
    if saved is None:
        return Draft(
            fields=list(DEFAULT_FIELDS),
            highlights="",
            challenges="",
            glossary=[dict(g) for g in DEFAULT_GLOSSARY],
        )
    return Draft(
        fields=list(saved.fields),
        highlights=saved.highlights,
        challenges=saved.challenges,
        glossary=[dict(g) for g in saved.glossary],
    )


def _unique_slug(plan: Plan) -> str:
    base = slugify(plan.name)[:70].strip("-") or "plan"
    slug, n = base, 1
    while PublicationSettings.objects.filter(slug=slug).exclude(plan=plan).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_glossary(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    errors: list[str] = []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        term = (row.get("term") or "").strip()
        definition = (row.get("definition") or "").strip()
        if not term and not definition:
            continue
        if not term:
            errors.append(f"Glossary row {n}: enter the term that “{definition[:40]}” explains.")
        elif not definition:
            errors.append(f"Glossary row {n}: enter what “{term}” means.")
        elif len(term) > MAX_TERM:
            errors.append(f"Glossary row {n}: keep the term to {MAX_TERM} characters or fewer.")
        elif len(definition) > MAX_DEFINITION:
            errors.append(
                f"Glossary row {n}: keep the meaning to {MAX_DEFINITION} characters or fewer."
            )
        elif term.lower() in seen:
            errors.append(f"Glossary row {n}: “{term}” is already in the glossary.")
        else:
            seen.add(term.lower())
            cleaned.append({"term": term, "definition": definition})
    if len(cleaned) > MAX_GLOSSARY:
        errors.append(f"The glossary can hold {MAX_GLOSSARY} terms at most.")
    if errors:
        raise ValidationError({"glossary": errors})
    return sorted(cleaned, key=lambda g: g["term"].lower())


def publication_settings_save(
    *,
    plan: Plan,
    by: AbstractBaseUser,
    fields: list[str],
    highlights: str,
    challenges: str,
    glossary: list[dict[str, str]],
    now: dt.datetime | None = None,
) -> PublicationSettings:
    """Save what the next publication shows; all or nothing."""
    _require_pmo(by)
    now = _now(now)
    errors: dict[str, list[str]] = {}
    unknown = set(fields) - set(FIELD_KEYS)
    if unknown:
        errors["fields"] = ["Unknown fields: " + ", ".join(sorted(unknown)) + "."]
    for name, text in (("highlights", highlights), ("challenges", challenges)):
        if len(text or "") > MAX_SUMMARY:
            errors[name] = [f"Keep it to {MAX_SUMMARY} characters or fewer."]
    try:
        cleaned = _clean_glossary(glossary)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = PublicationSettings.objects.select_for_update().filter(plan=plan).first()
        if current is None:
            current = PublicationSettings(plan=plan, slug=_unique_slug(plan))
        current.fields = [key for key in FIELD_KEYS if key in set(fields)]
        current.highlights = (highlights or "").strip()
        current.challenges = (challenges or "").strip()
        current.glossary = cleaned
        current.updated_at = now
        current.updated_by = by
        current.save()
    return current


# Publishing ----------------------------------------------------------------------------


def _checked_document(plan: Plan, draft: Draft) -> tuple[dict, dict[str, int]]:
    """The document, refused if anything in it still identifies someone (belt and braces)."""
    document, redactor = publication_document(plan=plan, draft=draft)
    leaks = sorted({leak for s in strings_of(document) for leak in redactor.leaks(s)})
    if leaks:
        raise ValidationError(
            f"The public version would still name {len(leaks)} person(s) or address(es); "
            "nothing was published."
        )
    return document, dict(redactor.kept)


def publication_preview(*, plan: Plan) -> Preview:
    """What publishing now would show, with a fresh token for the Publish button."""
    document, kept = _checked_document(plan, publication_draft(plan=plan))
    return Preview(document=document, digest=digest_of(document), token=uuid.uuid4(), kept=kept)


def public_address(slug: str, number: int, *, request: HttpRequest | None = None) -> str:
    """The publication's full public address: the site's own, as the request reached it,
    or ``SITE_URL`` where there is no request (the worker making the PDF)."""
    path = reverse("publication_public", args=[slug, number])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def next_public_address(*, plan: Plan, request: HttpRequest | None = None) -> str:
    """Where the plan's next publication will be: what the preview tells the PMO."""
    saved = PublicationSettings.objects.get(plan=plan)
    number = (plan.publications.aggregate(n=Max("number"))["n"] or 0) + 1
    return public_address(saved.slug, number, request=request)


def latest_publications() -> list[Publication]:
    """Each plan's newest publication that is not withdrawn, newest first (no PDF bytes)."""
    current = (
        Publication.objects.current()
        .only("pk", "plan_id", "slug", "number", "published_at")
        .annotate(plan_name=KT("content__plan__name"), trust=KT("content__plan__trust"))
        .newest_first()
    )
    latest: dict[int, Publication] = {}
    for publication in current:
        latest.setdefault(publication.plan_id, publication)
    return list(latest.values())


def publication_create(
    *,
    plan: Plan,
    by: AbstractBaseUser,
    token: uuid.UUID,
    digest: str | None = None,
    now: dt.datetime | None = None,
) -> Publication:
    """Publish ``plan`` as previewed. The same ``token`` twice returns the first publication.

    ``digest`` is the preview's: if the plan changed since, nothing is published. The
    plan's settings row is locked while the number is chosen, so two publishes of one plan
    queue; a double click finds the first one's token and returns it.
    """
    _require_pmo(by)
    now = _now(now)
    with transaction.atomic():
        saved = PublicationSettings.objects.select_for_update().filter(plan=plan).first()
        if saved is None:
            raise ValidationError("Choose what to publish first: the settings are not saved.")
        existing = Publication.objects.filter(token=token).first()
        if existing is not None:
            if existing.plan_id != plan.pk:
                raise ValidationError("That preview belongs to another plan.")
            return existing
        document, _kept = _checked_document(plan, publication_draft(plan=plan))
        found = digest_of(document)
        if digest is not None and digest != found:
            raise ValidationError(CHANGED_SINCE_PREVIEW)
        number = (plan.publications.aggregate(n=Max("number"))["n"] or 0) + 1
        title = f"{plan.name}: improvement plan for the public"
        try:
            with transaction.atomic():
                publication = Publication.objects.create(
                    plan=plan,
                    slug=saved.slug,
                    number=number,
                    token=token,
                    published_at=now,
                    published_by=by,
                    title=title[:300],
                    content=document,
                    digest=found,
                )
        except IntegrityError:
            # Only a request that slipped past the lock (not possible on PostgreSQL or
            # SQLite, which queue on it) lands here: the first one's publication stands.
            existing = Publication.objects.filter(token=token).first()
            if existing is None:
                raise
            return existing
        transaction.on_commit(lambda: tasks.render_pdf_publication.delay(publication.pk))
        return publication


def publication_pdf_render(*, publication_id: int) -> bool:
    """Make a publication's PDF from its stored document and store it; True if stored now.

    Safe to run twice, even at once: the PDF is stored only where there is none yet, so a
    second run leaves the first one's bytes. The PDF says what the stored document says,
    dated as published.
    """
    publication = (
        Publication.objects.with_pdf_ready()
        .only("pk", "slug", "number", "title", "published_at", "content")
        .get(pk=publication_id)
    )
    if publication.pdf_ready:
        return False
    meta = {
        "title": publication.title,
        "number": publication.number,
        "published_at": publication.published_at,
        "address": public_address(publication.slug, publication.number),
    }
    pdf = render_pdf(publication.content, meta=meta)
    with transaction.atomic():
        return Publication.objects.store_pdf(pk=publication.pk, pdf=pdf)


# A PDF still missing this long after publishing was lost (a worker killed, a failed
# render): the sweep queues it again, every few minutes, for a day at most.
PDF_REQUEUE_AFTER = dt.timedelta(minutes=10)
PDF_REQUEUE_FOR = dt.timedelta(days=1)


def publications_pdf_requeue(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the PDFs of publications still without one; their ids."""
    now = _now(now)
    ids = list(
        Publication.objects.filter(
            pdf__isnull=True,
            withdrawal__isnull=True,
            published_at__lte=now - PDF_REQUEUE_AFTER,
            published_at__gte=now - PDF_REQUEUE_FOR,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        tasks.render_pdf_publication.delay(pk)
    return ids


def publication_withdraw(
    *,
    publication: Publication,
    by: AbstractBaseUser,
    reason: str,
    now: dt.datetime | None = None,
) -> PublicationWithdrawal:
    """Take a publication down. Final; withdrawing twice returns the first withdrawal."""
    _require_pmo(by)
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for withdrawing it (kept internally)."})
    with transaction.atomic():
        Publication.objects.select_for_update().filter(pk=publication.pk).first()
        existing = PublicationWithdrawal.objects.filter(publication=publication).first()
        if existing is not None:
            return existing
        return PublicationWithdrawal.objects.create(
            publication=publication, withdrawn_at=now, withdrawn_by=by, reason=reason
        )
