"""Reads of the integrations, for the pages of the apps below (through their hooks)."""

from __future__ import annotations

import datetime as dt

from reporting.automation import Record

from .models import TeamsPost

TEAMS_SHOWN_DAYS = 7


def teams_record(now: dt.datetime) -> Record | None:
    """The Automation page's line on Teams: cards of the week, the newest failure."""
    week = TeamsPost.objects.filter(created_at__gte=now - dt.timedelta(days=TEAMS_SHOWN_DAYS))
    newest = week.select_related("webhook__plan").order_by("-created_at", "-id").first()
    if newest is None:
        return None
    sent = week.filter(state=TeamsPost.State.SENT).count()
    detail = f"{sent} sent in the last {TEAMS_SHOWN_DAYS} days"
    failing = week.filter(state=TeamsPost.State.FAILED).select_related("webhook__plan")
    newest_failure = failing.first()
    if newest_failure:
        detail += (
            f"; {failing.count()} failed, the newest for {newest_failure.webhook.plan}: "
            f"{newest_failure.error} (tried again every few minutes, six times in all)"
        )
    return Record(title="Teams cards", at=newest.sent_at or newest.created_at, detail=detail)
