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


class TeamsWebhook(models.Model):
    """A plan's Teams channel: a Workflows ("Post to a channel when a webhook request is
    received") address that the product posts Adaptive Cards to."""

    plan = models.OneToOneField("actions.Plan", on_delete=models.CASCADE, related_name="teams")
    # The address carries its own signature: it is a secret, shown only in part.
    url = models.URLField(max_length=2000)
    post_issued_reports = models.BooleanField("issued exception reports", default=True)
    post_early_locks = models.BooleanField("early locks", default=True)
    post_closures = models.BooleanField("closures waiting for a decision", default=True)
    # Only what happens from here on is posted: switching it on does not replay the past.
    since = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "Teams channel"

    def __str__(self) -> str:
        return f"Teams channel of {self.plan}"

    @property
    def masked_url(self) -> str:
        """The host and the start of the path: enough to recognise, not to use."""
        scheme, _, rest = self.url.partition("://")
        host, _, path = rest.partition("/")
        return f"{scheme}://{host}/{path[:12]}…"


class TeamsPost(models.Model):
    """One card for one event, claimed before it is sent, retried when Teams refuses it."""

    class Kind(models.TextChoices):
        REPORT_ISSUED = "report_issued", "Exception report issued"
        LOCKED_EARLY = "locked_early", "Plan locked early"
        CLOSURE_WAITING = "closure_waiting", "Closure waiting for a decision"
        TEST = "test", "Test card"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(TeamsWebhook, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the card is about ("report:12", "event:40", "closure:7"): one card per event.
    source = models.CharField(max_length=60)
    card = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "source"], name="teams_post_once_per_event")
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="teams_post_state_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.webhook.plan} ({self.get_state_display()})"


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
