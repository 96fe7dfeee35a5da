"""The product's URLs plus ``/bench/bare/``: the base template, no database, as a yardstick.

(``/bench/bare/signed-in/`` is the same page for a signed-in user, for comparison: the
three queries every signed-in page makes, for the session, the user and the roles.)

The bare view goes through the same middleware as every page and renders ``base.html`` for
an authenticated PMO (so the header and navigation render as on the plan page), but the
user is an in-memory object with its roles preloaded: the context processors have nothing
to ask the database. The benchmark calls it from a client without a session cookie, so the
session and auth middleware do not query either. If anything ever makes it query, it fails
loudly rather than quietly raising the yardstick.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from actions.models import Role
from actions.selectors import navigation


class BareViewQueried(AssertionError):
    pass


def _bench_user():
    user = get_user_model()(pk=0, username="bench", first_name="Bench", last_name="Reader")
    user._role_names = frozenset({Role.PMO.value})  # what access.roles_of() caches
    return user


BENCH_USER = _bench_user()
_navigation = []  # the header menu, read once (outside the measured queries), then reused


def bare(request: HttpRequest) -> HttpResponse:
    request.user = BENCH_USER
    if not _navigation:
        # The menu as the bench's PMO sees it (the in-memory user has no row to ask about).
        _navigation.append(navigation(get_user_model().objects.get(username="pmo")))
    with CaptureQueriesContext(connection) as queries:
        response = render(request, "base.html", {"navigation": _navigation[0]})
    if queries.captured_queries:
        raise BareViewQueried(
            f"the bare view made {len(queries.captured_queries)} queries; it must make none "
            "(call it without a session cookie): "
            + "; ".join(q["sql"] for q in queries.captured_queries)
        )
    return response


def bare_signed_in(request: HttpRequest) -> HttpResponse:
    """For comparison only: the same page for the signed-in user (session, user, roles)."""
    return render(request, "base.html")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/bare/signed-in/", bare_signed_in, name="bench_bare_signed_in"),
    path("", include("improvement.urls")),
]
