"""The two-factor sign-in pages: set up, give a code, recovery codes, and the PMO's reset."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import auth, two_factor
from .forms import CodeForm, ResetForm, SavedCodesForm, SignInCodeForm
from .models import TwoFactorEvent
from .roles import is_pmo

# The sign-in steps show no menu: nothing in it opens until the step is done.
STEP = {"hide_navigation": True}


def _onward(request: HttpRequest, default: str = "home") -> str:
    """Where the person was going before the step (a path on this site), or ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def _locked_out(request: HttpRequest) -> HttpResponse:
    """Wrong codes used up the tries: sign out, and show the sign-in page's lockout."""
    username = request.user.get_username()
    logout(request)
    request.two_factor_lockout = True  # type: ignore[attr-defined]
    request.POST = request.POST.copy()
    request.POST["username"] = username
    return auth.lockout_response(request)


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or a recovery code."""
    user = request.user
    if two_factor.PENDING_KEY not in request.session:
        return redirect(_onward(request))
    if two_factor.next_step(user) != "verify":
        return redirect(_onward(request))
    form = SignInCodeForm(request.POST or None)
    tries_left = None
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, _credentials(user)):
            return _locked_out(request)
        if form.is_valid():
            device = two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"])
            if device is not None:
                two_factor.second_factor_given(request, device)
                AxesProxyHandler.reset_attempts(
                    username=user.get_username(), ip_address=request.axes_ip_address
                )
                if isinstance(device, StaticDevice):
                    left = two_factor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"You used a recovery code; it will not work again. {left} left. "
                        "Make new ones from Two-factor sign-in if you are running short.",
                    )
                return redirect(_onward(request))
            user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
            if getattr(request, "axes_locked_out", False):
                return _locked_out(request)
            failures = getattr(request, "axes_failures_since_start", None) or 0
            tries_left = max(settings.AXES_FAILURE_LIMIT - failures, 0)
            form.add_error(
                "code",
                "That code is wrong or was used already. Enter the code your authenticator "
                "app shows now, or a recovery code you have not used.",
            )
    return render(
        request,
        "improvement/two_factor/verify.html",
        {
            **STEP,
            "form": form,
            "next": _onward(request),
            "tries_left": tries_left,
            "lockout_minutes": settings.AXES_COOLOFF_MINUTES,
        },
    )


@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then give a code."""
    user = request.user
    if two_factor.authenticator_of(user) is not None:
        messages.info(request, "Two-factor sign-in is already set up for you.")
        return redirect("two_factor_account")
    pending = two_factor.PENDING_KEY in request.session
    if pending and two_factor.next_step(user) == "verify":
        return redirect("two_factor_verify")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = two_factor.two_factor_enrol(user=user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorError as error:
            messages.error(request, str(error))
            return redirect("two_factor_enrol")
        if done is not None:
            device, codes = done
            two_factor.second_factor_given(request, device)
            request.session[two_factor.NEW_CODES_KEY] = codes
            target = reverse("two_factor_recovery_codes")
            onward = request.POST.get("next", "")
            return redirect(f"{target}?{urlencode({'next': onward})}" if onward else target)
        form.add_error(
            "code",
            "That code did not match. Check that your phone's clock is right, wait for the "
            "app to show a new code, and enter it.",
        )
    device = two_factor.two_factor_enrolment_start(user=user)
    return render(
        request,
        "improvement/two_factor/enrol.html",
        {
            **(STEP if pending else {}),
            "form": form,
            # segno draws only squares from the setup link; the title is ours, not typed.
            "qr_svg": mark_safe(two_factor.qr_code_svg(device)),  # noqa: S308  # nosec B308 B703
            "secret": two_factor.secret_for_typing(device),
            "required": two_factor.is_required(user),
            "pending": pending,
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
    )


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once, until the person says they have saved them."""
    codes = request.session.get(two_factor.NEW_CODES_KEY)
    if not codes:
        return redirect("two_factor_account")
    form = SavedCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        del request.session[two_factor.NEW_CODES_KEY]
        messages.success(request, "Two-factor sign-in is on, and your recovery codes are saved.")
        return redirect(_onward(request, default="two_factor_account"))
    return render(
        request,
        "improvement/two_factor/recovery_codes.html",
        {
            **STEP,
            "form": form,
            "codes": codes,
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Your own two-factor sign-in: whether it is on, recovery codes left, new codes."""
    user = request.user
    device = two_factor.authenticator_of(user)
    return render(
        request,
        "improvement/two_factor/account.html",
        {
            "device": device,
            "codes_left": two_factor.recovery_codes_left(user) if device else 0,
            "required": two_factor.is_required(user),
            "events": TwoFactorEvent.objects.filter(user=user).select_related("by")[:10],
            "may_reset_others": _may_reset(user),
        },
    )


@require_POST
@login_required
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor.recovery_codes_regenerate(user=request.user)
    except two_factor.TwoFactorError as error:
        messages.error(request, str(error))
        return redirect("two_factor_account")
    request.session[two_factor.NEW_CODES_KEY] = codes
    return redirect("two_factor_recovery_codes")


def _may_reset(user) -> bool:
    return is_pmo(user) or user.is_superuser


def _require_reset_rights(request: HttpRequest) -> None:
    if not _may_reset(request.user):
        raise PermissionDenied("Only the PMO can reset someone's two-factor sign-in.")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """For the PMO: who has two-factor sign-in, who must, and the record of resets."""
    _require_reset_rights(request)
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(
            has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .prefetch_related("groups")
        .order_by("username")
    )
    required_roles = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    rows = [
        {
            "user": u,
            "roles": sorted(g.name for g in u.groups.all()),
            "required": bool(settings.TWO_FACTOR_ENFORCED)
            and any(g.name in required_roles for g in u.groups.all()),
        }
        for u in users
    ]
    events = TwoFactorEvent.objects.select_related("user", "by")[:50]
    return render(request, "improvement/two_factor/people.html", {"rows": rows, "events": events})


@login_required
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """For the PMO: remove someone's authenticator and recovery codes, with the reason."""
    _require_reset_rights(request)
    person = get_object_or_404(get_user_model(), pk=pk, is_active=True)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.two_factor_reset(
                user=person, by=request.user, reason=form.cleaned_data["reason"]
            )
        except two_factor.TwoFactorError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(
                request,
                f"Two-factor sign-in is reset for {person.get_full_name() or person.username}. "
                "They set it up again at their next sign-in.",
            )
            return redirect("two_factor_people")
    return render(
        request,
        "improvement/two_factor/reset.html",
        {
            "person": person,
            "form": form,
            "has_authenticator": two_factor.authenticator_of(person) is not None,
        },
    )
