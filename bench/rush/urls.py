"""The product's URLs plus two yardsticks that render base.html and nothing else.

``/bench/bare/`` renders the base template for an in-memory PMO (header and navigation as
on every page) with no database query; it fails loudly if anything ever makes it query.
Called without a session cookie, the session and auth middleware have nothing to read
either.

``/bench/signed-in/`` is a signed-in page that does nothing: the lead's own session and
user, every middleware, the header menu as on every page, and no content. A save is
compared with it (``profile_save.py``): what a save costs beyond being a page at all.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from actions.models import Role
from actions.selectors import Navigation, NavItem


def _reader():
    user = get_user_model()(pk=0, username="bench", first_name="Bench", last_name="Reader")
    user._role_names = frozenset({Role.PMO.value})  # what access.roles_of() caches
    return user


READER = _reader()
# A PMO's menu, made without the query ``selectors.navigation`` makes for a real user.
MENU = [
    ("plan", "Plan", "/plans/"),
    ("exception_reports", "Exception reports", "/exception-reports/"),
    ("board_reports", "Board reports", "/plans/1/board-reports/"),
    ("inspections", "Inspections", "/inspections/"),
    ("automation", "Automation", "/automation/"),
    ("people", "People", "/people/"),
    ("api_tokens", "API tokens", "/api-tokens/"),
]
NAVIGATION = Navigation(items=[NavItem(*item) for item in MENU], home="/plans/")


def bare(request: HttpRequest) -> HttpResponse:
    request.user = READER
    with CaptureQueriesContext(connection) as queries:
        response = render(request, "base.html", {"navigation": NAVIGATION})
    if queries.captured_queries:
        raise AssertionError(f"the bare view made {len(queries.captured_queries)} queries")
    return response


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/signed-in/", signed_in, name="bench_signed_in"),
    path("", include("improvement.urls")),
]
