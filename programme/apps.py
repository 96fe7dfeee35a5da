from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The programme around the actions: workstreams and root causes."""

    name = "programme"
    verbose_name = "Improvement programme"
