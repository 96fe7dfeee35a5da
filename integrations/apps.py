from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """The product in the trust's other systems: calendar feeds (Outlook), the read-only API
    (Power BI)."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from reporting import automation

        from .selectors import teams_record

        automation.extra_records["integrations.teams"] = teams_record
