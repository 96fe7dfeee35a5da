"""Writes: make, replace and revoke a person's private calendar address; make and revoke
the API's tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from actions.models import PlanEvent
from evidence.models import ClosureRequest
from reporting.models import ExceptionReport

from . import teams
from .models import ApiToken, CalendarFeed, TeamsPost, TeamsWebhook
from .teams import TeamsRefused, check_webhook_url, post_card, test_card

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, user: User, now: dt.datetime | None = None) -> str:
    """A new private address for ``user`` (the old one stops working). Returns its secret."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Two clicks at once: the second waits here, then revokes the first one's address.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        CalendarFeed.objects.active().filter(user=user).update(revoked_at=now)
        CalendarFeed.objects.create(user=user, token_hash=token_hash(token), created_at=now)
    logger.info("Calendar address made for user %s", user.pk)
    return token


def calendar_feed_revoke(*, user: User, now: dt.datetime | None = None) -> int:
    """Stop ``user``'s calendar address. Returns how many were active (0 or 1)."""
    revoked = (
        CalendarFeed.objects.active().filter(user=user).update(revoked_at=now or timezone.now())
    )
    if revoked:
        logger.info("Calendar address revoked for user %s", user.pk)
    return revoked


# Teams -----------------------------------------------------------------------------------

MAX_TEAMS_ATTEMPTS = 6
# A failed card waits this long, times the attempts so far, before it is tried again.
TEAMS_RETRY_AFTER = dt.timedelta(minutes=5)


def teams_webhook_save(
    *,
    plan,
    by: User,
    url: str,
    post_issued_reports: bool = True,
    post_early_locks: bool = True,
    post_closures: bool = True,
    now: dt.datetime | None = None,
) -> TeamsWebhook:
    """Set (or change) the plan's Teams channel. Events from now on are posted."""
    check_webhook_url(url)
    now = now or timezone.now()
    webhook, created = TeamsWebhook.objects.update_or_create(
        plan=plan,
        defaults={
            "url": url,
            "post_issued_reports": post_issued_reports,
            "post_early_locks": post_early_locks,
            "post_closures": post_closures,
            "updated_by": by,
            "updated_at": now,
        },
        create_defaults={
            "url": url,
            "post_issued_reports": post_issued_reports,
            "post_early_locks": post_early_locks,
            "post_closures": post_closures,
            "updated_by": by,
            "updated_at": now,
            "since": now,
        },
    )
    logger.info(
        "Teams channel %s for plan %s by user %s", "set" if created else "changed", plan.pk, by.pk
    )
    return webhook


def teams_webhook_remove(*, plan, by: User) -> None:
    """No more cards for this plan (its record of sent cards goes with it)."""
    TeamsWebhook.objects.filter(plan=plan).delete()
    logger.info("Teams channel removed for plan %s by user %s", plan.pk, by.pk)


def teams_test_card(
    *, webhook: TeamsWebhook, by: User, now: dt.datetime | None = None
) -> TeamsPost:
    """A test card, queued like any other."""
    now = now or timezone.now()
    return TeamsPost.objects.create(
        webhook=webhook,
        kind=TeamsPost.Kind.TEST,
        source=f"test:{now.timestamp():.6f}",
        card=test_card(webhook.plan, by),
        created_at=now,
    )


def _new_events(webhook: TeamsWebhook) -> list[tuple[str, str, dict]]:
    """(kind, source, card) for each event since the channel was set, not yet queued."""
    queued = set(webhook.posts.values_list("source", flat=True))
    found: list[tuple[str, str, dict]] = []
    if webhook.post_issued_reports:
        reports = ExceptionReport.objects.filter(
            period__plan=webhook.plan, issued_at__gte=webhook.since
        ).select_related("period__plan", "issued_by")
        for report in reports:
            if f"report:{report.pk}" not in queued:
                card = teams.report_issued_card(report)
                found.append((TeamsPost.Kind.REPORT_ISSUED, f"report:{report.pk}", card))
    if webhook.post_early_locks:
        events = PlanEvent.objects.filter(
            plan=webhook.plan, kind=PlanEvent.Kind.LOCKED_EARLY, at__gte=webhook.since
        ).select_related("plan", "period", "actor")
        for event in events:
            if f"event:{event.pk}" not in queued:
                card = teams.early_lock_card(event)
                found.append((TeamsPost.Kind.LOCKED_EARLY, f"event:{event.pk}", card))
    if webhook.post_closures:
        closures = ClosureRequest.objects.filter(
            action__plan=webhook.plan,
            state=ClosureRequest.State.REQUESTED,
            requested_at__gte=webhook.since,
        ).select_related("action__plan", "requested_by")
        for closure in closures:
            if f"closure:{closure.pk}" not in queued:
                card = teams.closure_waiting_card(closure)
                found.append((TeamsPost.Kind.CLOSURE_WAITING, f"closure:{closure.pk}", card))
    return found


def _claim_posts(now: dt.datetime) -> list[int]:
    """Move the posts due now to ``sending`` in one committed transaction: only this run
    sends them, however many workers sweep at once."""
    retry = Q(state=TeamsPost.State.FAILED, attempts__lt=MAX_TEAMS_ATTEMPTS)
    with transaction.atomic():
        due = [
            post
            for post in TeamsPost.objects.select_for_update(skip_locked=True).filter(
                Q(state=TeamsPost.State.PENDING) | retry
            )
            if post.state == TeamsPost.State.PENDING
            or post.claimed_at is None
            or post.claimed_at <= now - TEAMS_RETRY_AFTER * post.attempts
        ]
        for post in due:
            post.state = TeamsPost.State.SENDING
            post.attempts += 1
            post.claimed_at = now
            post.save(update_fields=["state", "attempts", "claimed_at"])
    return [post.pk for post in due]


@dataclass
class TeamsRun:
    queued: int = 0
    sent: int = 0
    failed: int = 0


def teams_send(*, now: dt.datetime | None = None) -> TeamsRun:
    """Queue a card for each new event of every plan with a channel, then send what is due.

    A card Teams refuses is tried again (5, 10, 15… minutes later, six times in all); the
    failures are on the PMO's Automation page. A worker that dies mid-send leaves its card
    ``sending``: at most once, as for emails.
    """
    now = now or timezone.now()
    run = TeamsRun()
    for webhook in TeamsWebhook.objects.select_related("plan"):
        new = [
            TeamsPost(webhook=webhook, kind=kind, source=source, card=card, created_at=now)
            for kind, source, card in _new_events(webhook)
        ]
        # Two sweeps at once: the unique (webhook, source) keeps one card per event.
        run.queued += len(TeamsPost.objects.bulk_create(new, ignore_conflicts=True))
    for pk in _claim_posts(now):
        post = TeamsPost.objects.select_related("webhook").get(pk=pk)
        try:
            post_card(post.webhook.url, post.card)
        except (TeamsRefused, ValidationError) as error:
            message = "; ".join(getattr(error, "messages", [])) or str(error)
            TeamsPost.objects.filter(pk=pk).update(state=TeamsPost.State.FAILED, error=message)
            logger.warning("Teams card %s failed: %s", pk, message)
            run.failed += 1
        else:
            TeamsPost.objects.filter(pk=pk).update(
                state=TeamsPost.State.SENT, sent_at=timezone.now(), error=""
            )
            run.sent += 1
    return run


# A recognisable prefix: a token pasted into the wrong place (a chat, a ticket) is easy to spot.
API_TOKEN_PREFIX = "ipt_"


class ApiTokenError(ValueError):
    """A token the PMO cannot make as asked."""


def api_token_create(
    *, name: str, by: User, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new API token for one integration. Returns it and its secret (shown once)."""
    name = " ".join(name.split())
    if not name:
        raise ApiTokenError("Give the token a name that says what uses it.")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, token_hash=token_hash(secret), created_by=by, created_at=now or timezone.now()
    )
    logger.info("API token %s (%s) made by user %s", token.pk, token.name, by.pk)
    return token, secret


def api_token_revoke(*, token: ApiToken, by: User, now: dt.datetime | None = None) -> bool:
    """Stop ``token`` for good. Returns False if it had already been revoked."""
    revoked = (
        ApiToken.objects.active()
        .filter(pk=token.pk)
        .update(revoked_at=now or timezone.now(), revoked_by=by)
    )
    if revoked:
        logger.info("API token %s (%s) revoked by user %s", token.pk, token.name, by.pk)
    token.refresh_from_db()
    return bool(revoked)
