from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The programme around the actions: workstreams and root causes."""

    name = "programme"
    verbose_name = "Improvement programme"

    def ready(self) -> None:
        from actions import hooks

        from . import menu, selectors

        hooks.menu_annotations["programme"] = menu.annotations
        hooks.menu_items["programme"] = menu.items
        hooks.my_actions_panels["root_causes"] = selectors.my_actions_root_causes
