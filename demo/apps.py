from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo plan, its users and its past weeks: on top of every app, used by none."""

    name = "demo"
