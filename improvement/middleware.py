"""Response rules for signed-in people: nothing kept in a shared computer's browser cache,
and an htmx request whose session has ended is told so instead of being sent to sign in."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers

SIGNED_OUT = "signed-out"
# The header the client script (static/app.js) reads to say what went wrong.
PROBLEM_HEADER = "X-Save-Problem"


def signed_out_response() -> HttpResponse:
    """401 for an htmx request without a session: htmx does not swap it into the page."""
    response = HttpResponse(
        "You have been signed out, so this was not saved. Sign in again in a new tab, "
        "then try again.",
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response[PROBLEM_HEADER] = SIGNED_OUT
    return response


class HtmxSignInMiddleware:
    """An htmx request sent to the sign-in page gets a 401 instead of the redirect.

    The browser would follow the redirect inside the request and htmx would swap the
    sign-in page into the card, throwing away what the lead typed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code in (301, 302, 303, 307, 308)
            and urlsplit(response.get("Location", "")).path
            == urlsplit(resolve_url(settings.LOGIN_URL)).path
        ):
            return signed_out_response()
        return response


def _signed_in(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    if session is None or not hasattr(request, "user"):
        return False
    # No session cookie and no new session: nobody is signed in, and reading the user
    # would mark the response "Vary: Cookie" for nothing (public pages stay cacheable).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not session.modified:
        return False
    return request.user.is_authenticated


class NoStoreForSignedInMiddleware:
    """Every response to a signed-in person is ``Cache-Control: no-store``.

    Wards share computers: the next person must not find plan pages, downloads or
    fragments in the browser's cache or history. A response that declares itself
    ``public`` (a published plan, the same for everyone) keeps its own headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "public" in response.get("Cache-Control", "") or not _signed_in(request):
            return response
        add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private
        response["Pragma"] = "no-cache"
        return response
