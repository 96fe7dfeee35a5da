"""Health checks for the load balancer and compose (the PMO's Automation page: reporting)."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import selectors


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The web app: answers, and reaches its database. No session, no sign-in."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
def healthz_automation(request: HttpRequest) -> JsonResponse:
    """Beat and the workers: beat sent a task lately, and a worker finished one lately."""
    now = timezone.now()
    try:
        beat = selectors.beat_heartbeat()
        scheduled = selectors.scheduled_tasks()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    beat_stale = selectors.is_beat_stale(beat, now)
    workers_stale = selectors.are_workers_stale(scheduled, now)
    healthy = not beat_stale and not workers_stale
    body = {
        "status": "ok" if healthy else "stalled",
        "beat": {
            "last_sent_at": beat.at.isoformat() if beat else None,
            "stale": beat_stale,
        },
        "workers": {
            "stale": workers_stale,
            "tasks": {
                t.key: {
                    "task": t.task_name,
                    "last_ok_at": t.last_ok_at.isoformat() if t.last_ok_at else None,
                    "last_run_ok": t.last_run.ok if t.last_run else None,
                }
                for t in scheduled
            },
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
