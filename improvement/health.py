"""The detailed health check (/healthz/detail): database, cache, Redis, evidence storage,
disk, and the automation (beat and workers), with django-health-check.

/healthz and /healthz/automation stay as they are for the load balancer and compose;
this one is for the trust's monitoring, which sends ``Authorization: Bearer <HEALTHZ_TOKEN>``
(reporting routes it, letting a signed-in PMO open it too). It answers 200 when all pass,
500 when one fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from . import selectors


@dataclasses.dataclass
class Beat(HealthCheck):
    """Celery beat sent a task within BEAT_STALE_SECONDS."""

    timeout = dt.timedelta(seconds=5)

    def run(self):
        try:
            beat = selectors.beat_heartbeat()
        finally:
            connections.close_all()  # this thread's own connection, opened for the check
        if selectors.is_beat_stale(beat, timezone.now()):
            last = beat.at.isoformat() if beat else "never"
            raise ServiceUnavailable(f"Beat has sent nothing lately (last: {last}).")


@dataclasses.dataclass
class Workers(HealthCheck):
    """A worker finished each scheduled task lately."""

    timeout = dt.timedelta(seconds=5)

    def run(self):
        try:
            scheduled = selectors.scheduled_tasks()
        finally:
            connections.close_all()
        if selectors.are_workers_stale(scheduled, timezone.now()):
            raise ServiceUnavailable("No worker has finished the scheduled tasks lately.")


def checks() -> list:
    """What /healthz/detail checks; Redis only where the product uses it."""
    found: list = [
        "health_check.checks.Database",
        "health_check.checks.Cache",
        ("health_check.checks.Storage", {"alias": "evidence"}),
        (
            "health_check.contrib.psutil.Disk",
            {"path": str(settings.EVIDENCE_ROOT), "max_disk_usage_percent": 90.0},
        ),
        (
            "health_check.contrib.psutil.Disk",
            {"path": str(settings.VAR_DIR), "max_disk_usage_percent": 90.0},
        ),
        Beat,
        Workers,
    ]
    if settings.REDIS_URL:
        from redis.asyncio import Redis as RedisClient

        url = settings.REDIS_URL
        found.append(
            (
                "health_check.contrib.redis.Redis",
                {"client_factory": lambda: RedisClient.from_url(url)},
            )
        )
    return found


def token_matches(request) -> bool:
    """The monitoring's ``Authorization: Bearer <HEALTHZ_TOKEN>`` (never when unset)."""
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token and sent and hmac.compare_digest(sent, token))


class DetailView(HealthCheckView):
    """The checks, for whoever ``allowed(request)`` admits (set where the view is routed)."""

    allowed = staticmethod(token_matches)

    async def get(self, request, *args, **kwargs):
        from asgiref.sync import sync_to_async

        if not await sync_to_async(self.allowed)(request):
            raise PermissionDenied("The detailed health check needs the monitoring token.")
        self.checks = checks()
        return await super().get(request, *args, **kwargs)
