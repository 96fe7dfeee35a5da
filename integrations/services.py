"""Writes: make, replace and revoke a person's private calendar address."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import CalendarFeed

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
