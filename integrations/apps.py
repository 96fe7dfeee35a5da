from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """The product in the trust's other systems: calendar feeds (Outlook)."""

    name = "integrations"
    verbose_name = "Integrations"
