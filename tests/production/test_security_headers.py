"""Security headers on every page, with the production flags the test settings carry."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import ActionFactory, UserFactory


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    lead = UserFactory(username="lead", roles=["Action lead"])
    client.force_login(lead)

    response = client.get(reverse("my_actions"))

    csp = directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert csp["font-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_our_pages_need_nothing_the_policy_forbids(client):
    """No inline script or style, and htmx told not to inject its indicator style."""
    ActionFactory(action_lead=UserFactory(username="lead", roles=["Action lead"]))
    pages = {"sign-in": client.get(reverse("login")).content.decode()}
    client.force_login(get_user_model().objects.get(username="lead"))
    pages["my actions"] = client.get(reverse("my_actions")).content.decode()
    for url, page in pages.items():
        assert "app-card" in page or url == "sign-in"
        for script in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in script, f"inline script on {url}: {script}"
        assert "<style" not in page, url
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert '"includeIndicatorStyles": false' in page
        assert '"allowEval": false' in page


@pytest.mark.django_db
def test_https_requests_get_hsts_and_the_other_headers(client):
    response = client.get(reverse("login"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_same_site(client):
    UserFactory(username="lead")
    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"), {"username": "lead", "password": "change-me-demo"}, secure=True
    )

    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    assert session["max-age"] == ""  # ends when the browser closes
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"
