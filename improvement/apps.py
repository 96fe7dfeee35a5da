from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    """Running the product: health, the automation's record, sign-in with the trust's accounts."""

    name = "improvement"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from . import sessions, signals, two_factor  # noqa: F401 (signals: Celery handlers)

        user_logged_in.connect(sessions.on_login, dispatch_uid="improvement.sessions.on_login")
        user_logged_in.connect(two_factor.on_login, dispatch_uid="improvement.two_factor.on_login")
        checks.register(two_factor.check_required_roles)
