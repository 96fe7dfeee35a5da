"""Two-factor sign-in for local accounts: an authenticator app (TOTP) and recovery codes.

A password sign-in by a PMO, exec lead, assurance reviewer or board member
(``TWO_FACTOR_REQUIRED_ROLES``) is not finished until a code from the person's
authenticator app, or one of their ten one-time recovery codes, has been given. Someone
of those roles with no authenticator yet sets one up first. Action leads may set one up;
once they have, they are asked too. A sign-in through the trust's identity provider is not
asked again: the provider applies its own MFA.

The devices are django-otp's (``TOTPDevice``, ``StaticDevice``); wrong codes count towards
the same django-axes lockout as wrong passwords, and django-otp slows each next try.
"""

from __future__ import annotations

import re
from base64 import b32encode
from collections.abc import Callable

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import TwoFactorEvent
from .roles import Role, roles_of

# Set at a sign-in that still owes its second factor; removed when it is given.
PENDING_KEY = "two_factor_pending"
# New recovery codes, kept until the person says they have saved them (then never again).
NEW_CODES_KEY = "two_factor_new_codes"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
TOTP_CODE = re.compile(r"^\d{6}$")


class TwoFactorError(Exception):
    """A two-factor change that cannot be made; the message says what to do."""


def check_required_roles(app_configs=None, **kwargs) -> list:
    """System check: every name in TWO_FACTOR_REQUIRED_ROLES is one of the product's roles,
    so a typo cannot quietly leave a role without its second factor."""
    from django.core.checks import Error

    unknown = sorted(set(settings.TWO_FACTOR_REQUIRED_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"TWO_FACTOR_REQUIRED_ROLES names no such role: {', '.join(unknown)}.",
            hint=f"Use the role names: {', '.join(Role.values)}.",
            id="improvement.E001",
        )
    ]


def is_required(user) -> bool:
    """Whether the user's roles oblige them to use a second factor after a password."""
    return bool(settings.TWO_FACTOR_ENFORCED) and bool(
        roles_of(user) & set(settings.TWO_FACTOR_REQUIRED_ROLES)
    )


def authenticator_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("id").first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def next_step(user) -> str | None:
    """What a password sign-in still needs: 'verify' (give a code), 'enrol', or nothing."""
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return "verify"
    if is_required(user):
        return "enrol"
    return None


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The setup link as an inline SVG QR code, drawn here: nothing is fetched elsewhere."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="app-qr",
        lineclass=None,
        title="QR code to scan with your authenticator app",
    )


def _record(*, user, kind: str, by=None, reason: str = "") -> None:
    TwoFactorEvent.objects.create(user=user, kind=kind, by=by, reason=reason, at=timezone.now())


def _new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with new ones; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [f"{c[:4]}-{c[4:]}" for c in codes]


def two_factor_enrolment_start(*, user) -> TOTPDevice:
    """The authenticator being set up: the same one until it is confirmed, so a reload
    shows the same QR code the person may already have scanned."""
    if authenticator_of(user) is not None:
        raise TwoFactorError("Two-factor sign-in is already set up for you.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def two_factor_enrol(*, user, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the authenticator with a code it shows; returns it and new recovery codes,
    or None if the code is wrong (django-otp counts the failure and slows the next try)."""
    code = re.sub(r"\s", "", code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None or authenticator_of(user) is not None:
            raise TwoFactorError(
                "This set-up has ended. Open two-factor sign-in again to start it afresh."
            )
        if not TOTP_CODE.match(code) or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
        _record(user=user, kind=TwoFactorEvent.Kind.ENROLLED, by=user)
    return device, codes


def two_factor_verify(*, user, code: str) -> Device | None:
    """The device that accepts the code: six digits are an authenticator code, anything
    else a recovery code (which then is used up). None if none accepts it."""
    code = re.sub(r"[\s-]", "", code).lower()
    if not code:
        return None
    model = TOTPDevice if TOTP_CODE.match(code) else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def recovery_codes_regenerate(*, user) -> list[str]:
    """New recovery codes for someone with an authenticator; the old ones stop working."""
    with transaction.atomic():
        if authenticator_of(user) is None:
            raise TwoFactorError("Set up two-factor sign-in first; it comes with recovery codes.")
        codes = _new_recovery_codes(user)
        _record(user=user, kind=TwoFactorEvent.Kind.CODES_REGENERATED, by=user)
    return codes


def two_factor_reset(*, user, by, reason: str) -> None:
    """Remove someone's authenticator and recovery codes (a lost phone), with who and why.

    At their next password sign-in they set up a new authenticator if their role needs one.
    """
    reason = reason.strip()
    if not reason:
        raise TwoFactorError("Say why two-factor sign-in is being reset (for the record).")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record(user=user, kind=TwoFactorEvent.Kind.RESET, by=by, reason=reason)


def on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a sign-in with a password still owes its second factor.

    improvement.auth.PasswordBackend marks the person a password let in; the identity
    provider's sign-in (whose MFA is the provider's) and tests' ``force_login`` are not
    marked. A signal, like improvement.sessions.on_login, because every way in must be
    covered, the admin's sign-in page included.
    """
    if request is None or not hasattr(request, "session"):
        return
    if getattr(user, "second_factor_owed", False):
        request.session[PENDING_KEY] = True
    else:
        request.session.pop(PENDING_KEY, None)


def second_factor_given(request: HttpRequest, device: Device) -> None:
    """The sign-in is complete: remember the device (django-otp) and stop asking."""
    from django_otp import login as otp_login

    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)


def _is_open(path: str) -> bool:
    """Whether a sign-in that still owes its second factor may reach this path: the steps
    themselves (exactly), signing out or in again, the identity provider, static files."""
    steps = {
        reverse("two_factor_verify"),
        reverse("two_factor_enrol"),
        reverse("two_factor_recovery_codes"),
        reverse("logout"),
        reverse("login"),
    }
    return path in steps or path.startswith(
        ("/oidc/", settings.STATIC_URL, "/assets/", "/healthz", "/public/")
    )


class SecondFactorMiddleware:
    """After AuthenticationMiddleware: until the second factor is given (or the new
    recovery codes are acknowledged), every page sends the person to that step.

    A session without either mark (nearly every request) costs nothing more: no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self._owed_step(request)
        if target is not None:
            return HttpResponseRedirect(target)
        return self.get_response(request)

    def _owed_step(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or _is_open(request.path_info):
            return None
        session = request.session
        if PENDING_KEY not in session and NEW_CODES_KEY not in session:
            return None
        if not request.user.is_authenticated:
            return None
        onward = request.get_full_path() if request.method == "GET" else ""
        query = f"?{urlencode({'next': onward})}" if onward else ""
        if PENDING_KEY in session:
            step = next_step(request.user)
            if step is not None:
                return reverse(f"two_factor_{step}") + query
            del session[PENDING_KEY]
        if NEW_CODES_KEY in session:
            return reverse("two_factor_recovery_codes") + query
        return None
