"""Private calendar addresses (for Outlook) and the API's tokens (for Power BI)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CalendarFeedQuerySet(models.QuerySet):
    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """One person's private calendar address. Only a hash of its secret is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # SHA-256 of the secret in the address: a copy of the database does not give the feeds.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar address of {self.user} ({state})"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A read-only key to the API for one integration (e.g. a Power BI dashboard).

    It reads what a plan reader reads. Only a hash of its secret is kept; the PMO sees the
    secret once, when the token is made.
    """

    name = models.CharField(
        max_length=200, help_text="What uses it, e.g. Power BI quality dashboard."
    )
    # SHA-256 of the secret: a copy of the database does not give the API.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                name="api_token_revoked_with_time",
                condition=Q(revoked_by__isnull=True) | Q(revoked_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"API token {self.name} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
