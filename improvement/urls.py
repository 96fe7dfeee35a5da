from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from . import auth, oidc, views


def nhsuk_asset(request: HttpRequest, path: str) -> HttpResponse:
    """NHS.UK frontend's stylesheet asks for its icons under /assets/."""
    try:
        return redirect(static(f"nhsuk/assets/{path}"))
    except ValueError as missing:  # not in the manifest of hashed names
        raise Http404("No such asset.") from missing


urlpatterns = [
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The trust's identity provider (OpenID Connect); 404 unless OIDC_RP_CLIENT_ID is set.
    path("oidc/authenticate/", oidc.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/automation", views.healthz_automation, name="healthz_automation"),
    path("admin/", admin.site.urls),
    re_path(r"^assets/(?P<path>.+)$", nhsuk_asset),
    # Each app's pages, in the order they were first matched; each app routes only its own.
    path("", include("actions.urls")),
    path("", include("reporting.urls")),
    path("", include("evidence.urls")),
]
