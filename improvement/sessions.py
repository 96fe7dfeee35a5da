"""Sessions end after ``SESSION_IDLE_MINUTES`` without a request.

Django's SESSION_SAVE_EVERY_REQUEST would write the session on every request, a database
write per page and per htmx save. Instead the expiry is moved on at most once a minute:
the session ends between ``SESSION_IDLE_MINUTES - 1`` and ``SESSION_IDLE_MINUTES`` after
the last request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

REFRESHED_KEY = "_idle_refreshed"
REFRESH_EVERY_SECONDS = 60


def stamp(session) -> None:
    """Mark the session as used now (its expiry is set again when it is saved)."""
    session[REFRESHED_KEY] = int(time.time())


class SessionIdleMiddleware:
    """After SessionMiddleware: a signed-in session used again is saved, once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a signed-in session, which the request has read anyway (to find the user).
        if session is not None and session.accessed and SESSION_KEY in session:
            if time.time() - session.get(REFRESHED_KEY, 0) >= REFRESH_EVERY_SECONDS:
                stamp(session)
        return response


def on_login(sender, request: HttpRequest, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a new session starts stamped, so its first request
    does not write it again. Every way in (the sign-in page, the identity provider, the
    admin, tests' force_login) goes through ``login()``, which sends this signal."""
    if request is not None and hasattr(request, "session"):
        stamp(request.session)
