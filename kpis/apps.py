from django.apps import AppConfig


class KpisConfig(AppConfig):
    """KPIs that show the plan is working: their values and NHS Making Data Count charts."""

    name = "kpis"
    verbose_name = "KPIs"
