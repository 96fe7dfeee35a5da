"""Staff sign in with the trust's identity provider (OpenID Connect), matched by email.

The provider is a stub served on 127.0.0.1 (tests/production/oidc_stub.py); the browser's
part is played by the Django test client (our pages) and by plain HTTP (the provider's).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import override_settings
from django.urls import reverse

from improvement import oidc
from tests.factories import UserFactory

from .oidc_stub import StubProvider, _new_key


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Requests to the stub go straight to 127.0.0.1, whatever the machine's proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def provider():
    oidc.forget_discovery()
    with (
        StubProvider() as stub,
        override_settings(
            OIDC_ENABLED=True,
            OIDC_RP_CLIENT_ID=stub.client_id,
            OIDC_RP_CLIENT_SECRET=stub.client_secret,
            OIDC_OP_DISCOVERY_URL=stub.discovery_url,
        ),
    ):
        yield stub
    oidc.forget_discovery()


def sign_in_with_provider(client, next_url: str = ""):
    """Click the button, let the provider sign us in, come back: the callback's response."""
    start = reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else "")
    to_provider = client.get(start)
    assert to_provider.status_code == 302, to_provider
    authorize = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    back = urlsplit(authorize.headers["Location"])
    assert back.path == reverse("oidc_authentication_callback")
    return client.get(back.path, parse_qs(back.query))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


@pytest.mark.django_db
def test_lead_signs_in_with_the_trust_account_matched_by_email_ignoring_case(client, provider):
    lead = UserFactory(username="lead", email="A.Lead@Example.NHS.uk", roles=["Action lead"])
    provider.claims = {"sub": "entra-123", "email": "a.lead@example.nhs.uk"}

    response = sign_in_with_provider(client, next_url="/my-actions/")

    assert response.status_code == 302
    assert response["Location"] == "/my-actions/"
    assert signed_in_user_id(client) == str(lead.pk)
    assert client.get(reverse("my_actions")).status_code == 200


@pytest.mark.django_db
def test_the_flow_uses_pkce_and_a_nonce_and_the_authorization_code_once(client, provider):
    UserFactory(username="lead", email="lead@example.nhs.uk")
    to_provider = client.get(reverse("oidc_authentication_init"))
    query = parse_qs(urlsplit(to_provider["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] and query["state"]
    assert query["scope"] == ["openid email profile"]

    authorize = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(authorize.headers["Location"])
    assert client.get(back.path, parse_qs(back.query)).status_code == 302
    assert provider.token_requests[-1]["code_verifier"]
    client.logout()

    replay = client.get(back.path, parse_qs(back.query))  # the same code and state again

    assert replay["Location"] == reverse("login")
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_unknown_email_is_refused_with_words_that_say_to_ask_the_pmo(client, provider):
    provider.claims = {"sub": "entra-9", "email": "new.starter@example.nhs.uk"}

    response = sign_in_with_provider(client)

    assert response["Location"] == reverse("login")
    assert signed_in_user_id(client) is None
    assert not get_user_model().objects.filter(email__iexact="new.starter@example.nhs.uk").exists()
    page = client.get(reverse("login"))
    assert (
        "There is no account here for new.starter@example.nhs.uk. Ask the PMO to add you"
        in page.content.decode()
    )


@pytest.mark.django_db
def test_an_account_is_made_for_a_new_email_only_when_the_trust_turns_it_on(client, provider):
    provider.claims = {
        "sub": "entra-9",
        "email": "new.starter@example.nhs.uk",
        "given_name": "New",
        "family_name": "Starter",
    }

    with override_settings(OIDC_CREATE_USERS=True):
        response = sign_in_with_provider(client)

    assert response.status_code == 302 and response["Location"] != reverse("login")
    user = get_user_model().objects.get(email="new.starter@example.nhs.uk")
    assert (user.first_name, user.last_name, user.has_usable_password()) == (
        "New",
        "Starter",
        False,
    )
    assert not user.groups.exists()  # no role until the PMO gives one
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_switched_off_account_is_refused(client, provider):
    UserFactory(username="gone", email="gone@example.nhs.uk", is_active=False)
    provider.claims = {"sub": "x", "email": "gone@example.nhs.uk"}

    response = sign_in_with_provider(client)

    assert response["Location"] == reverse("login")
    assert signed_in_user_id(client) is None
    assert "switched off" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_two_accounts_with_one_email_are_refused_rather_than_guessed(client, provider):
    UserFactory(username="one", email="same@example.nhs.uk")
    UserFactory(username="two", email="SAME@example.nhs.uk")
    provider.claims = {"sub": "x", "email": "same@example.nhs.uk"}

    sign_in_with_provider(client)

    assert signed_in_user_id(client) is None
    assert "More than one account here uses" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_a_token_issued_to_another_application_is_refused(client, provider):
    UserFactory(username="lead", email="lead@example.nhs.uk")
    provider.audience = "some-other-application"

    response = sign_in_with_provider(client)

    assert response["Location"] == reverse("login")
    assert signed_in_user_id(client) is None
    assert "did not work" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_a_token_from_another_issuer_is_refused(client, provider):
    UserFactory(username="lead", email="lead@example.nhs.uk")
    provider.issuer_override = "https://login.example.com/someone-else"

    sign_in_with_provider(client)

    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_a_token_signed_with_a_key_the_provider_did_not_publish_is_refused(client, provider):
    UserFactory(username="lead", email="lead@example.nhs.uk")
    provider.signing_key = _new_key()

    sign_in_with_provider(client)

    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_the_provider_saying_no_reaches_the_sign_in_page(client, provider):
    client.get(reverse("oidc_authentication_init"))
    state = next(iter(client.session["oidc_states"]))

    response = client.get(
        reverse("oidc_authentication_callback"),
        {"error": "access_denied", "error_description": "User cancelled", "state": state},
    )

    assert response["Location"] == reverse("login")
    assert "did not sign you in (User cancelled)" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_sign_in_page_offers_the_trust_account_only_when_configured(client, provider):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with your NHS account" in page
    assert reverse("oidc_authentication_init") in page

    with override_settings(OIDC_ENABLED=False):
        page = client.get(reverse("login")).content.decode()
        assert "Sign in with your NHS account" not in page
        assert client.get(reverse("oidc_authentication_init")).status_code == 404
        assert client.get(reverse("oidc_authentication_callback")).status_code == 404


@pytest.mark.django_db
def test_local_accounts_still_sign_in_and_never_wait_on_the_provider(client):
    UserFactory(username="lead", email="lead@example.nhs.uk")
    oidc.forget_discovery()
    # A provider that cannot be reached: a local sign-in must not even try it.
    with override_settings(
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID="improvement",
        OIDC_RP_CLIENT_SECRET="secret",  # noqa: S106
        OIDC_OP_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration",
    ):
        response = client.post(reverse("login"), {"username": "lead", "password": "change-me-demo"})
        assert response.status_code == 302
        assert signed_in_user_id(client) is not None

        client.logout()
        down = client.get(reverse("oidc_authentication_init"))
        assert down["Location"] == reverse("login")
        assert "is not answering" in client.get(reverse("login")).content.decode()
