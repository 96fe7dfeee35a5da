"""Writes: make, replace and revoke a person's private calendar address; make and revoke
the API's tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, CalendarFeed

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, user: AbstractBaseUser, now: dt.datetime | None = None) -> str:
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


def calendar_feed_revoke(*, user: AbstractBaseUser, now: dt.datetime | None = None) -> int:
    """Stop ``user``'s calendar address. Returns how many were active (0 or 1)."""
    revoked = (
        CalendarFeed.objects.active().filter(user=user).update(revoked_at=now or timezone.now())
    )
    if revoked:
        logger.info("Calendar address revoked for user %s", user.pk)
    return revoked


# A recognisable prefix: a token pasted into the wrong place (a chat, a ticket) is easy to spot.
API_TOKEN_PREFIX = "ipt_"


class ApiTokenError(ValueError):
    """A token the PMO cannot make as asked."""


def api_token_create(
    *, name: str, by: AbstractBaseUser, now: dt.datetime | None = None
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


def api_token_revoke(
    *, token: ApiToken, by: AbstractBaseUser, now: dt.datetime | None = None
) -> bool:
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
