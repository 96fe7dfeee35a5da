from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The programme around the actions: KPIs and their statistical process control charts."""

    name = "programme"
    verbose_name = "Improvement programme"
