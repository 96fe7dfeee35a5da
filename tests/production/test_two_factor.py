"""Two-factor sign-in: the PMO, exec leads, reviewers and the board give a code after
their password; leads may choose to; the identity provider's sign-in is not asked again."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from improvement import two_factor
from improvement.models import TwoFactorEvent
from tests.factories import UserFactory

from .test_oidc import _no_proxy, provider, sign_in_with_provider  # noqa: F401 (fixtures)

PASSWORD = "change-me-demo"
START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def code_for(device: TOTPDevice, at: dt.datetime | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at or timezone.now()).timestamp()
    return f"{totp.token():0{device.digits}d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator for the user, as the set-up page does."""
    device = two_factor.two_factor_enrolment_start(user=user)
    done = two_factor.two_factor_enrol(user=user, code=code_for(device))
    assert done is not None
    return done


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_pmo_without_an_authenticator_is_sent_to_set_one_up_and_reaches_no_page(client, clock):
    UserFactory(username="pmo", roles=["PMO"])

    assert sign_in(client, "pmo").status_code == 302

    for url in [reverse("home"), reverse("plans"), reverse("two_factor_account"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_enrol")), url
    # Not even new recovery codes: they would be a second factor for the taking.
    response = client.post(reverse("two_factor_regenerate_codes"))
    assert response["Location"].startswith(reverse("two_factor_enrol"))
    assert not StaticToken.objects.exists()

    page = client.get(reverse("two_factor_enrol")).content.decode()
    assert '<svg width="' in page and 'class="app-qr"' in page  # drawn here, not fetched
    assert "Set up two-factor sign-in" in page
    assert 'aria-label="Menu"' not in page  # nothing in the menu opens yet
    secret = TOTPDevice.objects.get(user__username="pmo", confirmed=False)
    assert two_factor.secret_for_typing(secret) in page


@pytest.mark.django_db
def test_set_up_refuses_a_wrong_code_then_a_right_one_shows_ten_codes_once(client, clock):
    pmo = UserFactory(username="pmo", roles=["PMO"])
    sign_in(client, "pmo")
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=pmo)
    right = code_for(device)
    wrong = "000000" if right != "000000" else "111111"

    refused = client.post(reverse("two_factor_enrol"), {"code": wrong, "next": "/plans/"})

    assert refused.status_code == 200
    assert "That code did not match" in refused.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_enrol"))

    clock.shift(dt.timedelta(seconds=5))  # django-otp slows the next try after a wrong one
    accepted = client.post(reverse("two_factor_enrol"), {"code": right, "next": "/plans/"})

    assert accepted.status_code == 302
    assert accepted["Location"].startswith(reverse("two_factor_recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed is True
    page = client.get(accepted["Location"]).content.decode()
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)
    assert len(codes) == settings.TWO_FACTOR_RECOVERY_CODES == 10
    # Until the person says they saved them, no page opens.
    assert client.get(reverse("plans"))["Location"].startswith(reverse("two_factor_recovery_codes"))
    unticked = client.post(reverse("two_factor_recovery_codes"), {"next": "/plans/"})
    assert "Save the recovery codes first" in unticked.content.decode()

    saved = client.post(reverse("two_factor_recovery_codes"), {"saved": "on", "next": "/plans/"})

    assert saved["Location"] == "/plans/"
    assert client.get(reverse("plans")).status_code == 200
    # Shown once: asking again shows no codes.
    again = client.get(reverse("two_factor_recovery_codes"))
    assert again["Location"] == reverse("two_factor_account")
    event = TwoFactorEvent.objects.get()
    assert (event.user, event.kind, event.by) == (pmo, TwoFactorEvent.Kind.ENROLLED, pmo)


@pytest.mark.django_db
def test_board_member_with_an_authenticator_gives_its_code_after_the_password(client, clock):
    board = UserFactory(username="board", roles=["Board member"])
    device, _ = enrolled(board)
    clock.shift(dt.timedelta(seconds=60))  # a later code: each is accepted once

    sign_in(client, "board")
    asked = client.get(reverse("plans"))
    assert asked["Location"] == reverse("two_factor_verify") + "?next=%2Fplans%2F"
    page = client.get(asked["Location"]).content.decode()
    assert "Enter your security code" in page

    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "/plans/"}
    )

    assert response["Location"] == "/plans/"
    assert client.get(reverse("plans")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once_only(client, clock):
    reviewer = UserFactory(username="reviewer", roles=["Assurance reviewer"])
    _, codes = enrolled(reviewer)

    sign_in(client, "reviewer")
    used = client.post(reverse("two_factor_verify"), {"code": codes[0].upper()})
    assert used["Location"] == reverse("home")
    assert client.get(reverse("plans")).status_code == 200
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9
    client.post(reverse("logout"))

    clock.shift(dt.timedelta(seconds=5))
    sign_in(client, "reviewer")
    refused = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert refused.status_code == 200
    assert "That code is wrong or was used already" in refused.content.decode()
    assert client.get(reverse("plans")).status_code == 302

    clock.shift(dt.timedelta(seconds=5))
    assert client.post(reverse("two_factor_verify"), {"code": codes[1]}).status_code == 302
    assert client.get(reverse("plans")).status_code == 200


@pytest.mark.django_db
def test_wrong_codes_lock_the_account_like_wrong_passwords(client, clock):
    exec_lead = UserFactory(username="exec", roles=["Executive lead"])
    enrolled(exec_lead)
    sign_in(client, "exec")

    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        clock.shift(dt.timedelta(minutes=1))
        response = client.post(reverse("two_factor_verify"), {"code": "12345a"})
        assert response.status_code == 200
        left = settings.AXES_FAILURE_LIMIT - attempt
        assert f"{left} tr" in response.content.decode()

    locked = client.post(reverse("two_factor_verify"), {"code": "12345a"})

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "the security code was wrong too many times. Wait 15 minutes" in page
    assert SESSION_KEY not in client.session  # signed out
    # The password alone does not get back in until the lockout ends.
    assert sign_in(client, "exec").status_code == 429


@pytest.mark.django_db
def test_after_a_wrong_code_even_the_right_one_waits_for_a_pause(client, clock):
    """django-otp slows guessing on the device itself (1, 2, 4… seconds), whatever address
    the guesses come from; the lockout above counts per username and address."""
    pmo = UserFactory(username="pmo", roles=["PMO"])
    device, _ = enrolled(pmo)
    clock.shift(dt.timedelta(seconds=60))
    sign_in(client, "pmo")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    client.post(reverse("two_factor_verify"), {"code": wrong})

    too_soon = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert too_soon.status_code == 200
    assert client.get(reverse("plans")).status_code == 302

    clock.shift(dt.timedelta(seconds=2))
    in_time = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert in_time.status_code == 302
    assert client.get(reverse("plans")).status_code == 200


@pytest.mark.django_db
def test_sign_in_with_the_identity_provider_is_not_asked_for_a_second_factor(client, provider):  # noqa: F811
    pmo = UserFactory(username="pmo", email="pmo@example.nhs.uk", roles=["PMO"])
    enrolled(pmo)
    provider.claims = {"sub": "entra-9", "email": "pmo@example.nhs.uk"}

    response = sign_in_with_provider(client, next_url="/plans/")

    assert response["Location"] == "/plans/"
    assert client.get(reverse("plans")).status_code == 200
    assert two_factor.PENDING_KEY not in client.session


@pytest.mark.django_db
def test_action_lead_is_not_asked_unless_they_chose_to_set_it_up(client, clock):
    lead = UserFactory(username="lead", roles=["Action lead"])
    sign_in(client, "lead")
    assert client.get(reverse("my_actions")).status_code == 200
    client.post(reverse("logout"))

    device, _ = enrolled(lead)  # the lead turned it on from the Two-factor sign-in page
    clock.shift(dt.timedelta(seconds=60))
    sign_in(client, "lead")

    assert client.get(reverse("my_actions"))["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert client.get(reverse("my_actions")).status_code == 200


@pytest.mark.django_db
def test_action_lead_can_turn_it_on_from_the_account_page(client, clock):
    lead = UserFactory(username="lead", roles=["Action lead"])
    client.force_login(lead)
    page = client.get(reverse("two_factor_account")).content.decode()
    assert "Two-factor sign-in is off for you. You can turn it on" in page
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=lead)

    response = client.post(reverse("two_factor_enrol"), {"code": code_for(device)})

    assert response["Location"] == reverse("two_factor_recovery_codes")
    assert two_factor.authenticator_of(lead) == device


@pytest.mark.django_db
def test_the_admins_password_sign_in_is_asked_too(client, clock):
    UserFactory(username="pmo", roles=["PMO"], is_staff=True, is_superuser=True)
    client.post("/admin/login/", {"username": "pmo", "password": PASSWORD, "next": "/admin/"})

    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_enrol"))


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(client, clock):
    pmo = UserFactory(username="pmo", roles=["PMO"])
    _, old = enrolled(pmo)
    client.force_login(pmo)

    response = client.post(reverse("two_factor_regenerate_codes"))

    assert response["Location"] == reverse("two_factor_recovery_codes")
    new = re.findall(
        r"<code>([a-z2-7-]{9})</code>", client.get(response["Location"]).content.decode()
    )
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.two_factor_verify(user=pmo, code=old[0]) is None
    clock.shift(dt.timedelta(seconds=5))  # after the wrong try, django-otp waits a second
    assert two_factor.two_factor_verify(user=pmo, code=new[0]) is not None
    assert TwoFactorEvent.objects.filter(kind=TwoFactorEvent.Kind.CODES_REGENERATED).count() == 1


@pytest.mark.django_db
def test_pmo_resets_a_board_members_two_factor_and_it_is_recorded(client, clock):
    pmo = UserFactory(username="pmo", roles=["PMO"])
    board = UserFactory(username="board", roles=["Board member"])
    enrolled(board)
    client.force_login(pmo)
    people = client.get(reverse("two_factor_people")).content.decode()
    assert reverse("two_factor_reset", args=[board.pk]) in people

    blank = client.post(reverse("two_factor_reset", args=[board.pk]), {"reason": " "})
    assert "Say why two-factor sign-in is being reset" in blank.content.decode()
    assert two_factor.authenticator_of(board) is not None

    done = client.post(reverse("two_factor_reset", args=[board.pk]), {"reason": "Lost phone"})

    assert done["Location"] == reverse("two_factor_people")
    assert two_factor.authenticator_of(board) is None
    assert not StaticToken.objects.filter(device__user=board).exists()
    event = TwoFactorEvent.objects.get(kind=TwoFactorEvent.Kind.RESET)
    assert (event.user, event.by, event.reason) == (board, pmo, "Lost phone")
    assert "Lost phone" in client.get(reverse("two_factor_people")).content.decode()
    # At their next sign-in the board member sets up a new authenticator.
    client.post(reverse("logout"))
    sign_in(client, "board")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_enrol"))


@pytest.mark.django_db
def test_only_the_pmo_resets_two_factor(client):
    board = UserFactory(username="board", roles=["Board member"])
    reviewer = UserFactory(username="reviewer", roles=["Assurance reviewer"])
    enrolled(board)
    client.force_login(reviewer)

    assert client.get(reverse("two_factor_people")).status_code == 403
    refused = client.post(reverse("two_factor_reset", args=[board.pk]), {"reason": "Because"})

    assert refused.status_code == 403
    assert two_factor.authenticator_of(board) is not None
    assert not TwoFactorEvent.objects.filter(kind=TwoFactorEvent.Kind.RESET).exists()


@pytest.mark.django_db
def test_with_enforcement_off_for_a_local_demo_the_pmo_is_not_asked(client, settings):
    settings.TWO_FACTOR_ENFORCED = False
    UserFactory(username="pmo", roles=["PMO"])

    sign_in(client, "pmo")

    assert client.get(reverse("plans")).status_code == 200


def test_a_misspelt_role_in_the_required_roles_stops_the_checks(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["PMO", "Board"]

    errors = two_factor.check_required_roles()

    assert [e.id for e in errors] == ["improvement.E001"]
    assert "no such role: Board" in errors[0].msg
    settings.TWO_FACTOR_REQUIRED_ROLES = ["PMO", "Board member"]
    assert two_factor.check_required_roles() == []
