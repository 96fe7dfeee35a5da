"""Sign-in with the trust's identity provider over OpenID Connect (Entra ID, NHS CIS2, …).

mozilla-django-oidc runs the authorization code flow (with PKCE and a nonce); this module
adds what a trust needs around it:

- the provider's endpoints come from its discovery document (or from settings), fetched
  when a sign-in first needs them, so a local sign-in never waits on the provider;
- the ID token's audience and issuer are checked, not only its signature;
- staff are matched to the accounts the PMO made, by email, case-insensitively; an email
  with no account is refused with a message saying whom to ask (no account is made unless
  ``OIDC_CREATE_USERS`` is on);
- every refusal reaches the sign-in page in words, not as a bare redirect.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 3600
GENERIC_FAILURE = (
    "Signing in with {provider} did not work. Try again, or sign in with your username "
    "and password if the PMO gave you one."
)


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


_discovered: dict[str, tuple[float, Provider]] = {}
_discovery_lock = threading.Lock()


def provider() -> Provider:
    """The provider's endpoints: settings first, the rest from discovery (cached an hour)."""
    explicit = Provider(
        issuer=settings.OIDC_OP_ISSUER,
        authorization_endpoint=settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        token_endpoint=settings.OIDC_OP_TOKEN_ENDPOINT,
        userinfo_endpoint=settings.OIDC_OP_USER_ENDPOINT,
        jwks_uri=settings.OIDC_OP_JWKS_ENDPOINT,
    )
    url = settings.OIDC_OP_DISCOVERY_URL
    if not url:
        return explicit
    with _discovery_lock:
        cached = _discovered.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            found = Provider(
                issuer=explicit.issuer or document["issuer"],
                authorization_endpoint=explicit.authorization_endpoint
                or document["authorization_endpoint"],
                token_endpoint=explicit.token_endpoint or document["token_endpoint"],
                userinfo_endpoint=explicit.userinfo_endpoint or document["userinfo_endpoint"],
                jwks_uri=explicit.jwks_uri or document["jwks_uri"],
            )
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.error("Could not read the OIDC discovery document at %s: %s", url, error)
            raise ProviderUnavailable(str(error)) from error
        _discovered[url] = (time.monotonic() + DISCOVERY_CACHE_SECONDS, found)
        return found


def forget_discovery() -> None:
    """Drop the cached discovery documents (tests; a provider that moved its keys)."""
    with _discovery_lock:
        _discovered.clear()


class TrustOIDCBackend(OIDCAuthenticationBackend):
    """Signs in existing users by the email their identity provider vouches for."""

    def __init__(self, *args, **kwargs) -> None:
        # The parent reads every endpoint here; ours are properties, read only when a
        # provider's callback is being handled.
        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802 (the parent's attribute names)
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:  # noqa: N802
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:  # noqa: N802
        return settings.OIDC_RP_SIGN_ALGO

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802
        return provider().token_endpoint

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:  # noqa: N802
        return provider().userinfo_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return provider().jwks_uri

    def authenticate(self, request: HttpRequest | None, **kwargs):
        """Only the provider's callback is ours: a username and password never are."""
        if not settings.OIDC_ENABLED or request is None or "password" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except ProviderUnavailable:
            _refuse(request, GENERIC_FAILURE.format(provider=settings.OIDC_PROVIDER_NAME))
            return None
        except requests.RequestException as error:
            logger.warning("OIDC sign-in failed talking to the provider: %s", error)
            _refuse(request, GENERIC_FAILURE.format(provider=settings.OIDC_PROVIDER_NAME))
            return None

    def _verify_jws(self, payload, key):
        """The signature, and that the token was issued by our provider to us, recently."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"The identity provider signed with {header.get('alg')!r}, "
                f"not {self.OIDC_RP_SIGN_ALGO!r}."
            )
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider().issuer or None,
                leeway=60,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(
                f"The identity provider's token was refused: {error}"
            ) from error

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") and userinfo["sub"] != payload.get("sub"):
            raise SuspiciousOperation("The userinfo response is about someone else.")
        claims = {**payload, **userinfo}
        email = next(
            (str(claims[c]).strip() for c in settings.OIDC_EMAIL_CLAIMS if claims.get(c)), ""
        )
        provider_name = settings.OIDC_PROVIDER_NAME
        if not email or "@" not in email:
            return _refuse(
                self.request,
                f"Signing in with {provider_name} did not give us your email address, so we "
                "cannot find your account. Ask the PMO to check the sign-in settings.",
            )
        if claims.get("email_verified") is False:
            return _refuse(
                self.request,
                f"{provider_name} has not verified the email address {email}. "
                "Verify it there, then try again.",
            )
        users = list(self.UserModel.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            return _refuse(
                self.request,
                f"More than one account here uses {email}. Ask the PMO to remove the "
                "duplicate, then sign in again.",
            )
        if users:
            user = users[0]
            if not user.is_active:
                return _refuse(
                    self.request,
                    f"The account for {email} is switched off. Ask the PMO if you still need it.",
                )
            return user
        if settings.OIDC_CREATE_USERS:
            return self._create(email, claims)
        return _refuse(
            self.request,
            f"There is no account here for {email}. Ask the PMO to add you to the "
            "improvement plan with this email address, then sign in again.",
        )

    def _create(self, email: str, claims: dict):
        username = email.lower()[:150]
        user = self.UserModel.objects.create_user(
            username,
            email=email,
            first_name=str(claims.get("given_name", ""))[:150],
            last_name=str(claims.get("family_name", ""))[:150],
        )
        logger.info("Created an account for %s at their first sign-in", email)
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def _refuse(request: HttpRequest | None, message: str) -> None:
    """Remember why: the callback view shows it on the sign-in page."""
    if request is not None:
        request.oidc_refusal = message  # type: ignore[attr-defined]
    logger.info("OIDC sign-in refused: %s", message)
    return None


class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and PKCE in the session."""

    def __init__(self, *args, **kwargs) -> None:
        View.__init__(self, *args, **kwargs)  # the parent reads the endpoint at init
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Sign-in with an identity provider is not set up.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except ProviderUnavailable:
            messages.error(
                request,
                f"{settings.OIDC_PROVIDER_NAME[:1].upper()}{settings.OIDC_PROVIDER_NAME[1:]} "
                "is not answering. Try again in a few minutes.",
            )
            return HttpResponseRedirect(reverse("login"))
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; refusals go to the sign-in page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Sign-in with an identity provider is not set up.")
        try:
            return super().get(request)
        except SuspiciousOperation as error:  # an unknown or replayed state
            logger.warning("OIDC callback refused: %s", error)
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        provider_name = settings.OIDC_PROVIDER_NAME
        message = getattr(self.request, "oidc_refusal", None)
        if message is None and self.request.GET.get("error"):
            said = self.request.GET.get("error_description") or self.request.GET["error"]
            message = (
                f"{provider_name[:1].upper()}{provider_name[1:]} did not sign you in "
                f"({said[:200]})."
            )
        messages.error(self.request, message or GENERIC_FAILURE.format(provider=provider_name))
        return HttpResponseRedirect(reverse("login"))
