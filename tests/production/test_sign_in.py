"""Local sign-in: guessing is locked out, idle sessions end, passwords follow the validators."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "change-me-demo"


def sign_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_with_a_plain_message(client):
    UserFactory(username="lead")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "lead", "wrong-password")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()

    locked = sign_in(client, "lead", "wrong-password")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Account locked for now" in page
    assert "the password was wrong too many times. Wait 15 minutes" in page
    assert 'value="lead"' in page  # the form is still there, username kept

    # Now even the right password is refused, and nobody is signed in.
    refused = sign_in(client, "lead", PASSWORD)
    assert refused.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(client):
    UserFactory(username="lead")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "lead", "wrong-password")
        assert sign_in(client, "lead", PASSWORD).status_code == 429

    later = start + dt.timedelta(minutes=settings.AXES_COOLOFF_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        response = sign_in(client, "lead", PASSWORD)

    assert response.status_code == 302
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_one_wards_typos_do_not_lock_out_another_lead_on_the_same_address(client):
    """Lockouts are per username (from an address): staff share the trust's addresses."""
    UserFactory(username="lead")
    UserFactory(username="lead2")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "lead", "wrong-password")

    response = sign_in(client, "lead2", PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
def test_the_address_behind_the_trusts_proxy_is_the_clients(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="lead")
    sign_in(client, "lead", "wrong", HTTP_X_FORWARDED_FOR="10.1.2.3", REMOTE_ADDR="172.16.0.1")

    assert AccessAttempt.objects.get().ip_address == "10.1.2.3"


@pytest.mark.django_db
def test_a_right_password_clears_the_count(client):
    UserFactory(username="lead")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "lead", "wrong-password")
    assert sign_in(client, "lead", PASSWORD).status_code == 302
    client.logout()

    assert sign_in(client, "lead", "wrong-password").status_code == 200  # not locked


@pytest.mark.django_db
def test_an_idle_session_ends_and_an_active_one_does_not(client):
    lead = UserFactory(username="lead", roles=["Action lead"])
    idle = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(lead)
        assert client.get(reverse("my_actions")).status_code == 200

    # Used again before the idle time runs out: the expiry moves on.
    with time_machine.travel(start + idle - dt.timedelta(minutes=2), tick=False):
        assert client.get(reverse("my_actions")).status_code == 200
    with time_machine.travel(start + 2 * idle - dt.timedelta(minutes=4), tick=False):
        assert client.get(reverse("my_actions")).status_code == 200

    # Then left alone for longer than the idle time: signed out.
    with time_machine.travel(start + 3 * idle, tick=False):
        response = client.get(reverse("my_actions"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_session_also_ends_when_the_browser_closes():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short-one", "too short"),
        ("password1234", "too common"),
        ("839201746351", "entirely numeric"),
        ("lead.person@trust", "too similar"),
    ],
)
@pytest.mark.django_db
def test_passwords_follow_djangos_validators(password, problem):
    user = UserFactory.build(username="lead.person", email="lead.person@trust.example.nhs.uk")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert problem in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_a_good_password_passes_the_validators():
    validate_password("Wednesday lock at noon", UserFactory.build(username="lead"))
