"""The PMO's API tokens page: a token per integration, its secret shown once, revoked with a
confirmation; who made and revoked each is on record. Nobody else may use the page."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from actions.models import Role
from actions.selectors import navigation
from integrations import services
from integrations.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))
PAGE = "/api-tokens/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pmo_client(pmo):
    pmo.first_name, pmo.last_name = "Priya", "Shah"
    pmo.save()
    client = Client()
    client.force_login(pmo)
    return client


def test_the_pmo_creates_a_token_and_sees_its_secret_once(pmo_client, pmo):
    response = pmo_client.post(PAGE, {"name": "  Power BI   quality dashboard "})
    assert response.status_code == 302 and response["Location"] == PAGE

    page = pmo_client.get(PAGE).content.decode()
    token = ApiToken.objects.get()
    assert token.name == "Power BI quality dashboard"
    assert (token.created_by, token.created_at, token.revoked_at) == (pmo, NOW, None)
    secret = page.split('id="api-token-secret" type="text" value="')[1].split('"')[0]
    assert secret.startswith("ipt_") and len(secret) > 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in ApiToken.objects.values_list("name", "token_hash").get()
    assert "Copy it now: it is shown only once." in page

    again = pmo_client.get(PAGE).content.decode()
    assert secret not in again
    assert "Power BI quality dashboard" in again and "Active" in again

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/plans").status_code == 200


def test_a_token_needs_a_name(pmo_client):
    response = pmo_client.post(PAGE, {"name": "   "})
    assert response.status_code == 200
    assert "Give the token a name that says what uses it" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_says_who_made_and_revoked_each_token(pmo_client, pmo):
    old, _ = services.api_token_create(name="Old dashboard", by=pmo)
    services.api_token_revoke(token=old, by=pmo)
    services.api_token_create(name="Quality dashboard", by=pmo)
    page = pmo_client.get(PAGE).content.decode()
    assert page.index("Quality dashboard") < page.index("Old dashboard"), "newest first"
    assert page.count("by Priya Shah") == 3, "two made, one revoked"
    assert "Revoked" in page
    assert page.count(">Revoke<") == 1, "only the active one can be revoked"


def test_the_pmo_revokes_a_token_after_confirming(pmo_client, pmo):
    token, secret = services.api_token_create(name="Power BI quality dashboard", by=pmo)
    url = reverse("api_token_revoke", args=[token.pk])

    confirm = pmo_client.get(url)
    assert confirm.status_code == 200
    assert "Revoke this API token?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.is_active, "asking is not revoking"

    response = pmo_client.post(url, follow=True)
    assert "no longer works" in response.content.decode()
    token.refresh_from_db()
    assert (token.revoked_by, token.revoked_at) == (pmo, NOW)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/plans").status_code == 401

    twice = pmo_client.post(url, follow=True)
    assert "had already been revoked" in twice.content.decode()
    token.refresh_from_db()
    assert token.revoked_at == NOW


def test_creating_and_revoking_are_logged_with_who(pmo, caplog):
    with caplog.at_level(logging.INFO, logger="integrations.services"):
        token, secret = services.api_token_create(name="Dashboard", by=pmo)
        services.api_token_revoke(token=token, by=pmo)
    lines = [r.getMessage() for r in caplog.records if r.name == "integrations.services"]
    assert lines == [
        f"API token {token.pk} (Dashboard) made by user {pmo.pk}",
        f"API token {token.pk} (Dashboard) revoked by user {pmo.pk}",
    ]
    assert not any(secret in line for line in lines)


@pytest.mark.parametrize("role", [Role.ACTION_LEAD, Role.EXEC_LEAD, Role.REVIEWER, Role.BOARD])
def test_only_the_pmo_may_use_the_page(pmo, role):
    token, _ = services.api_token_create(name="Dashboard", by=pmo)
    client = Client()
    client.force_login(UserFactory(username="someone", roles=[role]))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "Mine"}).status_code == 403
    revoke = reverse("api_token_revoke", args=[token.pk])
    assert client.get(revoke).status_code == 403
    assert client.post(revoke).status_code == 403
    assert ApiToken.objects.active().count() == 1


def test_anonymous_is_sent_to_sign_in(pmo):
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_the_pmo_sees_the_link(pmo_client, lead):
    assert 'href="/api-tokens/"' in pmo_client.get("/automation/").content.decode()
    client = Client()
    client.force_login(lead)
    assert 'href="/api-tokens/"' not in client.get("/my-actions/").content.decode()


def test_the_pmo_opens_api_tokens_from_the_automation_page_not_the_menu(pmo_client, pmo):
    page = pmo_client.get(reverse("automation")).content.decode()
    assert f'<a href="{PAGE}">API tokens</a>' in page
    menu = [item.key for item in navigation(pmo).items]
    assert "api_tokens" not in menu
