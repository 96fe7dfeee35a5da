from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Counts and reports read from the plan: Table 1, exception and highlight reports."""

    name = "reporting"
