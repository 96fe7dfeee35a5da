"""The calendar page (make, replace, revoke your address) and the feed itself; the PMO's
API tokens page (make a token, shown once; revoke one)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from actions import access
from actions.exports import cells

from . import audit_export, services, tasks
from .calendar_feed import calendar_entries, calendar_ics
from .forms import ApiTokenForm, AuditExportForm, TeamsWebhookForm
from .models import ApiToken, CalendarFeed, TeamsWebhook

logger = logging.getLogger(__name__)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Anyone signed in: their own private calendar address."""
    if request.method == "POST":
        if request.POST.get("revoke"):
            if services.calendar_feed_revoke(user=request.user):
                messages.success(request, "Your calendar address no longer works.")
            return redirect("calendar_settings")
        token = services.calendar_feed_create(user=request.user)
        # Shown once: only a hash is kept. The session carries it to the page after the redirect.
        request.session["calendar_address"] = request.build_absolute_uri(
            reverse("calendar_feed", args=[token])
        )
        return redirect("calendar_settings")
    context = {
        "active": CalendarFeed.objects.active().filter(user=request.user).first(),
        "new_address": request.session.pop("calendar_address", None),
    }
    return render(request, "integrations/calendar.html", context)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for the calendar program: the secret address is the permission."""
    feed = (
        CalendarFeed.objects.active()
        .filter(token_hash=services.token_hash(token), user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    body = calendar_ics(
        calendar_entries(feed.user, now), name="Improvement plan deadlines", now=now
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="improvement-plan.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def teams_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO: the plan's Teams channel, what goes to it, a test card, and what was sent."""
    plan = access.get_plan_for_pmo(request, pk)
    webhook = TeamsWebhook.objects.filter(plan=plan).first()
    form = TeamsWebhookForm(instance=webhook)
    if request.method == "POST":
        if request.POST.get("remove") and webhook:
            services.teams_webhook_remove(plan=plan, by=request.user)
            messages.success(request, "Nothing more will be posted to Teams for this plan.")
            return redirect("teams_settings", pk=plan.pk)
        if request.POST.get("test") and webhook:
            services.teams_test_card(webhook=webhook, by=request.user)
            transaction.on_commit(tasks.teams_sweep.delay)
            messages.success(
                request, "A test card is on its way. It appears below as sent, or with the error."
            )
            return redirect("teams_settings", pk=plan.pk)
        form = TeamsWebhookForm(request.POST, instance=webhook)
        if form.is_valid():
            services.teams_webhook_save(
                plan=plan,
                by=request.user,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
            messages.success(request, "Saved. What happens from now on is posted to Teams.")
            return redirect("teams_settings", pk=plan.pk)
    context = {
        "plan": plan,
        "webhook": webhook,
        "form": form,
        "posts": webhook.posts.all()[:20] if webhook else [],
    }
    status = 422 if form.errors else 200
    return render(request, "integrations/teams.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """PMO only: the API's tokens, who made and revoked them; make a new one."""
    access.require_pmo(request)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = services.api_token_create(name=form.cleaned_data["name"], by=request.user)
        # Shown once: only a hash is kept. The session carries it to the page after the redirect.
        request.session["api_token_secret"] = {"id": token.pk, "secret": secret}
        return redirect("api_tokens")
    new = request.session.pop("api_token_secret", None)
    tokens = ApiToken.objects.select_related("created_by", "revoked_by")
    context = {
        "form": form,
        "tokens": tokens,
        "new_token": tokens.filter(pk=new["id"]).first() if new else None,
        "new_secret": new["secret"] if new else None,
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "integrations/api_tokens.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """PMO only: confirm, then stop a token for good."""
    access.require_pmo(request)
    token = get_object_or_404(ApiToken.objects.select_related("created_by", "revoked_by"), pk=pk)
    if request.method == "POST":
        if services.api_token_revoke(token=token, by=request.user):
            messages.success(request, f"The token “{token.name}” no longer works.")
        else:
            messages.info(request, f"The token “{token.name}” had already been revoked.")
        return redirect("api_tokens")
    return render(request, "integrations/api_token_revoke.html", {"token": token})


AUDIT_FORMATS = {
    "csv": (audit_export.audit_csv, cells.CSV_TYPE),
    "xlsx": (audit_export.audit_xlsx, cells.XLSX_TYPE),
}


@login_required
@require_GET
def audit_export_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO: the plan's history, plan events and sign-offs for a range, to download."""
    plan = access.get_plan_for_pmo(request, pk)
    fmt = request.GET.get("format")
    form = AuditExportForm(request.GET if fmt else None)
    if fmt in AUDIT_FORMATS and form.is_valid():
        audit = audit_export.AuditRange(
            plan=plan, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        build, content_type = AUDIT_FORMATS[fmt]
        response = HttpResponse(build(audit), content_type=content_type)
        filename = audit_export.audit_filename(audit, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        logger.info(
            "Audit export",
            extra={
                "event": "audit_export",
                "plan_id": plan.pk,
                "user_id": request.user.pk,
                "from": audit.start.isoformat(),
                "to": audit.end.isoformat(),
                "format": fmt,
            },
        )
        return response
    return render(request, "integrations/audit_export.html", {"plan": plan, "form": form})
