"""The product's URLs plus ``/bench/bare/``: base.html and nothing else, as a yardstick.

It renders the base template for an in-memory PMO (header and navigation as on every
page) with no database query; it fails loudly if anything ever makes it query. Called
without a session cookie, the session and auth middleware have nothing to read either.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from actions.models import Role


def _reader():
    user = get_user_model()(pk=0, username="bench", first_name="Bench", last_name="Reader")
    user._role_names = frozenset({Role.PMO.value})  # what access.roles_of() caches
    return user


READER = _reader()


def bare(request: HttpRequest) -> HttpResponse:
    request.user = READER
    with CaptureQueriesContext(connection) as queries:
        response = render(request, "base.html")
    if queries.captured_queries:
        raise AssertionError(f"the bare view made {len(queries.captured_queries)} queries")
    return response


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("improvement.urls")),
]
