from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """The product in the trust's other systems: calendar feeds (Outlook), the read-only API
    (Power BI)."""

    name = "integrations"
    verbose_name = "Integrations"
