"""Health checks for the load balancer and compose (the PMO's Automation page: reporting)."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import selectors
from .middleware import PROBLEM_HEADER, signed_out_response


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


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an out-of-date security token (CSRF_FAILURE_VIEW).

    Usually the session ended, or the person signed in again in another tab, since the
    page was loaded. An htmx save gets a short answer the page's script explains next to
    the Save button, leaving the typed text in place; a plain form gets a page saying
    what to do.
    """
    signed_in = request.user.is_authenticated
    if request.headers.get("HX-Request") == "true":
        if not signed_in:
            return signed_out_response()
        response = HttpResponse(
            "The page was out of date, so this was not saved. Reload the page and try again.",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
        response[PROBLEM_HEADER] = "out-of-date"
        return response
    return render(request, "403_csrf.html", {"signed_in": signed_in}, status=403)
