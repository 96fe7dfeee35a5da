from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Counts and reports read from the plan: Table 1, exception and highlight reports."""

    name = "reporting"

    def ready(self) -> None:
        from actions import hooks

        from . import carryover, services

        hooks.carry_over_settings["reporting"] = carryover.report_settings_copy
        hooks.carry_over_before_move["reporting"] = services.drafts_build_due
