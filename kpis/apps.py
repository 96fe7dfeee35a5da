from django.apps import AppConfig


class KpisConfig(AppConfig):
    """KPIs that show the plan is working: their values and NHS Making Data Count charts."""

    name = "kpis"
    verbose_name = "KPIs"

    def ready(self) -> None:
        from actions import hooks

        from . import selectors

        hooks.my_actions_sections["your_kpis"] = selectors.my_actions_your_kpis
