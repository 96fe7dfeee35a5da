"""The sign-in page: local accounts, the identity provider's button, and the lockout."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from .forms_auth import SignInForm


def _sign_in_context() -> dict:
    return {
        "oidc_enabled": settings.OIDC_ENABLED,
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
    }


class PasswordBackend(ModelBackend):
    """Django's username and password check, marking whom it let in as owing a second
    factor (improvement.two_factor.on_login): every password sign-in comes through here,
    the sign-in page's and the admin's alike."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            user.second_factor_owed = True
        return user


class SignInView(LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), **_sign_in_context()}


def client_ip_address(request: HttpRequest) -> str:
    """The client's address for django-axes: the last one our own proxies added."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return remote


def lockout_message(what: str = "the password was") -> str:
    minutes = settings.AXES_COOLOFF_MINUTES
    return (
        f"This account is locked because {what} wrong too many times. "
        f"Wait {minutes} minutes, then try again, or ask the PMO to unlock it sooner."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes calls this instead of the sign-in page when an account is locked out."""
    username = request.POST.get("username", "") if request.method == "POST" else ""
    form = SignInForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "next": request.POST.get("next", "") or request.GET.get("next", ""),
            "locked_out_message": lockout_message(
                # Wrong two-factor codes share the lockout (improvement.two_factor_views).
                "the security code was"
                if getattr(request, "two_factor_lockout", False)
                else "the password was"
            ),
            **_sign_in_context(),
        },
        status=429,
    )


class SetPasswordView(PasswordResetConfirmView):
    """The link in the sign-in email (improvement/people.py): the person chooses their own
    password, once; then they sign in (and set up two-factor if their role needs it)."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response
