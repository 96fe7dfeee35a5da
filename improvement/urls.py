from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from . import auth, oidc, two_factor_views, views


def nhsuk_asset(request: HttpRequest, path: str) -> HttpResponse:
    """NHS.UK frontend's stylesheet asks for its icons under /assets/."""
    try:
        return redirect(static(f"nhsuk/assets/{path}"))
    except ValueError as missing:  # not in the manifest of hashed names
        raise Http404("No such asset.") from missing


urlpatterns = [
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth.SetPasswordView.as_view(),
        name="set_password",
    ),
    # The trust's identity provider (OpenID Connect); 404 unless OIDC_RP_CLIENT_ID is set.
    path("oidc/authenticate/", oidc.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    # Two-factor sign-in (improvement/two_factor.py).
    path("account/two-factor/", two_factor_views.account, name="two_factor_account"),
    path("account/two-factor/code/", two_factor_views.verify, name="two_factor_verify"),
    path("account/two-factor/set-up/", two_factor_views.enrol, name="two_factor_enrol"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "account/two-factor/recovery-codes/new/",
        two_factor_views.regenerate_codes,
        name="two_factor_regenerate_codes",
    ),
    path("account/two-factor/people/", two_factor_views.people, name="two_factor_people"),
    path(
        "account/two-factor/people/<int:pk>/reset/",
        two_factor_views.reset,
        name="two_factor_reset",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/automation", views.healthz_automation, name="healthz_automation"),
    path("admin/", admin.site.urls),
    re_path(r"^assets/(?P<path>.+)$", nhsuk_asset),
    # Each app's pages, in the order they were first matched; each app routes only its own.
    path("", include("integrations.urls")),
    path("", include("actions.urls")),
    path("", include("reporting.urls")),
    path("", include("evidence.urls")),
    path("", include("kpis.urls")),
    path("", include("programme.urls")),
    path("", include("programme.risk_urls")),
    path("", include("programme.notice_urls")),
]
