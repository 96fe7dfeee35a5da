from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from actions.forms_auth import SignInForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # NHS.UK frontend's stylesheet asks for its icons under /assets/.
    re_path(
        r"^assets/(?P<path>.+)$",
        lambda request, path: RedirectView.as_view(url=static(f"nhsuk/assets/{path}"))(request),
    ),
    path("", include("actions.urls")),
]
