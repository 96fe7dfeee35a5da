from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    """Running the product: health, the automation's record, sign-in with the trust's accounts."""

    name = "improvement"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import sessions, signals  # noqa: F401 (signals connects the Celery handlers)

        user_logged_in.connect(sessions.on_login, dispatch_uid="improvement.sessions.on_login")
