"""Signed-in responses are never kept in the browser's cache (wards share computers);
public pages and static files keep their own caching."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.cache import patch_cache_control

from actions import services
from improvement.middleware import NoStoreForSignedInMiddleware

pytestmark = pytest.mark.django_db


def assert_never_stored(response) -> None:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]
    assert "public" not in directives
    assert response["Pragma"] == "no-cache"


@pytest.mark.parametrize("name", ["my_actions", "plans"])
def test_signed_in_pages_are_never_stored(client, pmo, action, name):
    action.action_lead = pmo
    action.save()
    client.force_login(pmo)

    response = client.get(reverse(name))

    assert response.status_code in (200, 302)
    assert_never_stored(response)


def test_the_action_page_and_its_redirects_are_never_stored(client, action, lead):
    client.force_login(lead)

    assert_never_stored(client.get(reverse("action", args=[action.pk])))
    assert_never_stored(client.get(reverse("home")))


def test_an_htmx_fragment_is_never_stored(client, action, lead, plan):
    client.force_login(lead)
    period = services.period_current_row(plan=plan)
    p = f"a{action.pk}"

    response = client.post(
        reverse("action_update", args=[action.pk]),
        {
            f"{p}-status": "G",
            f"{p}-narrative": "On plan",
            f"{p}-period": period.pk,
            f"{p}-base_revision": 0,
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert_never_stored(response)


def test_a_refusal_to_a_signed_in_user_is_never_stored(client, action, other_lead):
    client.force_login(other_lead)

    response = client.get(reverse("action_update", args=[action.pk]))

    assert response.status_code in (403, 404)
    assert_never_stored(response)


def test_an_export_download_is_never_stored(client, plan, pmo, action):
    client.force_login(pmo)

    response = client.get(reverse("plan_export", args=[plan.pk, "csv"]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert_never_stored(response)


def test_pages_for_someone_not_signed_in_are_left_alone(db):
    anonymous = Client()

    sign_in = anonymous.get(reverse("login"))
    missing_publication = anonymous.get("/public/plans/no-such-plan/")

    assert "Pragma" not in sign_in  # Django's own never-cache headers only
    assert "Cache-Control" not in missing_publication


def test_a_response_that_declares_itself_public_keeps_its_headers(rf, lead):
    """A published plan is the same for everyone, signed in or not."""
    request = rf.get("/public/plans/cqc-improvement-plan-2026/1/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    request.session, request.user = SessionStore(), lead

    def public_page(request):
        response = HttpResponse("The plan as published.")
        patch_cache_control(response, public=True, no_cache=True, max_age=0)
        return response

    response = NoStoreForSignedInMiddleware(public_page)(request)

    assert response["Cache-Control"] == "public, no-cache, max-age=0"
    assert "Pragma" not in response
