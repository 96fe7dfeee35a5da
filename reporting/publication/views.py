"""Pages of public publication: the PMO's (sign-in, PMO only) and the public's (no sign-in).

The public pages read only stored publications: the frozen, redacted document and PDF.
They are sent with ``Cache-Control: no-cache``, so a withdrawal takes effect at once
everywhere; a withdrawn address answers 410 Gone with no content.

The PDF is made by a worker just after publishing. Until it is stored, the page says it is
being prepared (and links no PDF), and the PDF's address answers 202 Accepted, a short HTML
page "try again in a minute", ``Retry-After: 60`` and ``Cache-Control: no-store``: the work
is under way, as GitHub's statistics API answers while it computes. Not 503: nothing is
down or overloaded, and every 5xx is logged as a server error and counted by monitoring,
so a reader early on the link would raise an alarm.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from actions import access as plan_access
from improvement.forms import INVALID

from ..models import Publication, PublicationSettings
from . import services
from .content import FIELDS
from .forms import GlossaryFormSet, PublicationSettingsForm, PublishForm, WithdrawForm
from .pdf import pdf_filename

PDF_RETRY_AFTER_SECONDS = 60


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


def _get_publication_for_pmo(request: HttpRequest, pk: int) -> Publication:
    plan_access.require_pmo(request)
    return get_object_or_404(Publication.objects.select_related("plan", "published_by"), pk=pk)


# The PMO's pages -----------------------------------------------------------------------


@login_required
def plan_publications(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's publications, newest first: public addresses, withdrawals."""
    plan = plan_access.get_plan_for_pmo(request, pk)
    publications = (
        Publication.objects.filter(plan=plan)
        .select_related("published_by", "withdrawal__withdrawn_by")
        .with_pdf_ready()
        .defer("content")
        .newest_first()
    )
    saved = PublicationSettings.objects.filter(plan=plan).first()
    return render(
        request,
        "reporting/publication/manage_list.html",
        {
            "plan": plan,
            "publications": publications,
            "public_list_url": reverse("publication_public_list", args=[saved.slug])
            if saved
            else "",
        },
    )


@login_required
def publication_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """Fields, summary and glossary for the next publication; then the preview."""
    plan = plan_access.get_plan_for_pmo(request, pk)
    draft = services.publication_draft(plan=plan)
    form = PublicationSettingsForm(
        request.POST or None,
        initial={
            "shown": draft.fields,
            "highlights": draft.highlights,
            "challenges": draft.challenges,
        },
    )
    glossary = GlossaryFormSet(request.POST or None, prefix="glossary", initial=draft.glossary)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid() and glossary.is_valid():
        try:
            services.publication_settings_save(
                plan=plan,
                by=request.user,
                fields=form.cleaned_data["shown"],
                highlights=form.cleaned_data["highlights"],
                challenges=form.cleaned_data["challenges"],
                glossary=glossary.rows(),
            )
        except ValidationError as error:
            problems = _errors(error)
        else:
            return redirect("publication_preview", plan.pk)
    invalid = bool(problems) or (
        form.is_bound and (bool(form.errors) or bool(glossary.total_error_count()))
    )
    return render(
        request,
        "reporting/publication/prepare.html",
        {
            "plan": plan,
            "form": form,
            "glossary": glossary,
            "problems": problems,
            "default_fields": [label for _, label, on in FIELDS if on],
        },
        status=INVALID if invalid else 200,
    )


def _render_preview(request, plan, problems=(), status=200) -> HttpResponse:
    preview = services.publication_preview(plan=plan)
    form = PublishForm(initial={"token": preview.token, "digest": preview.digest})
    response = render(
        request,
        "reporting/publication/preview.html",
        {
            "plan": plan,
            "doc": preview.document,
            "meta": {"published_at": timezone.now()},
            "next_address": services.next_public_address(plan=plan, request=request),
            "trust_name": preview.document["plan"]["trust"],
            "home_url": reverse("plan_publications", args=[plan.pk]),
            "publish_form": form,
            "kept": sorted(preview.kept.items()),
            "problems": problems,
        },
        status=status,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def publication_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly what the public will see, with the Publish button above it."""
    plan = plan_access.get_plan_for_pmo(request, pk)
    if not PublicationSettings.objects.filter(plan=plan).exists():
        return redirect("publication_prepare", plan.pk)
    try:
        return _render_preview(request, plan)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        return redirect("publication_prepare", plan.pk)


@login_required
@require_POST
def publication_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _render_preview(
            request, plan, problems=["Publish from the preview."], status=INVALID
        )
    try:
        publication = services.publication_create(
            plan=plan,
            by=request.user,
            token=form.cleaned_data["token"],
            digest=form.cleaned_data["digest"],
        )
    except ValidationError as error:
        return _render_preview(request, plan, problems=_errors(error), status=INVALID)
    address = services.public_address(publication.slug, publication.number, request=request)
    messages.success(request, f"Published for the public: {address}")
    return redirect("plan_publications", plan.pk)


@login_required
def publication_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _get_publication_for_pmo(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.publication_withdraw(
                publication=publication, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", _errors(error))
        else:
            messages.success(
                request,
                f"Publication {publication.number} withdrawn: its address now says so.",
            )
            return redirect("plan_publications", publication.plan_id)
    return render(
        request,
        "reporting/publication/withdraw.html",
        {"publication": publication, "plan": publication.plan, "form": form},
        status=INVALID if form.errors else 200,
    )


# The public's pages: no sign-in -------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    """Anyone may keep a copy, but must ask again each time: a withdrawal shows at once."""
    patch_cache_control(response, public=True, no_cache=True, max_age=0)
    response["X-Robots-Tag"] = "noarchive"
    return response


def _gone(request: HttpRequest, publication: Publication) -> HttpResponse:
    response = render(
        request,
        "reporting/publication/gone.html",
        {
            "withdrawn_at": publication.withdrawal.withdrawn_at,
            "list_url": reverse("publication_public_list", args=[publication.slug]),
            "home_url": reverse("publication_public_list", args=[publication.slug]),
        },
        status=410,
    )
    return _public(response)


def _get_published(slug: str, number: int, *, defer: tuple[str, ...] = ()) -> Publication:
    """The publication at an address, with ``pdf_ready`` but without the PDF's bytes."""
    return get_object_or_404(
        Publication.objects.select_related("withdrawal").with_pdf_ready().defer(*defer),
        slug=slug,
        number=number,
    )


def _withdrawn(publication: Publication) -> bool:
    try:
        return publication.withdrawal is not None
    except Publication.withdrawal.RelatedObjectDoesNotExist:
        return False


@require_GET
def publication_public(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    publication = _get_published(slug, number)
    if _withdrawn(publication):
        return _gone(request, publication)
    doc = publication.content
    list_url = reverse("publication_public_list", args=[slug])
    response = render(
        request,
        "reporting/publication/public_page.html",
        {
            "doc": doc,
            "meta": {
                "published_at": publication.published_at,
                "number": publication.number,
                "address": services.public_address(slug, number, request=request),
                "pdf_url": reverse("publication_public_pdf", args=[slug, number])
                if publication.pdf_ready
                else "",
                "pdf_pending": not publication.pdf_ready,
            },
            "trust_name": doc["plan"]["trust"],
            "home_url": list_url,
            "list_url": list_url,
        },
    )
    return _public(response)


@require_GET
def publication_public_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    publication = _get_published(slug, number, defer=("content",))
    if _withdrawn(publication):
        return _gone(request, publication)
    if not publication.pdf_ready:
        response = render(
            request,
            "reporting/publication/pdf_pending.html",
            {
                "page_url": reverse("publication_public", args=[slug, number]),
                "home_url": reverse("publication_public_list", args=[slug]),
                "trust_name": "",
            },
            status=202,
        )
        response["Retry-After"] = str(PDF_RETRY_AFTER_SECONDS)
        patch_cache_control(response, no_store=True)
        return response
    pdf = Publication.objects.filter(pk=publication.pk).values_list("pdf", flat=True).get()
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    day = timezone.localtime(publication.published_at, publication.plan.tz).date().isoformat()
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(slug, number, day)}"'
    return _public(response)


@require_GET
def publication_public_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The plan's current publications, newest first; withdrawn ones are not listed."""
    every = Publication.objects.filter(slug=slug)
    if not every.exists():
        raise Http404("No plan is published at this address.")
    current = list(every.current().with_pdf_ready().newest_first())
    newest = current[0].content["plan"] if current else {"name": "Improvement plan", "trust": ""}
    response = render(
        request,
        "reporting/publication/public_list.html",
        {
            "publications": current,
            "plan_name": newest["name"],
            "trust_name": newest["trust"],
            "home_url": reverse("publication_public_list", args=[slug]),
        },
    )
    return _public(response)


@require_GET
def publication_public_index(request: HttpRequest) -> HttpResponse:
    """Every plan published for the public: its latest current publication."""
    response = render(
        request,
        "reporting/publication/public_index.html",
        {"publications": services.latest_publications(), "home_url": reverse("public_index")},
    )
    return _public(response)
