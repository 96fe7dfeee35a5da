from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The programme around the actions: workstreams and root causes."""

    name = "programme"
    verbose_name = "Improvement programme"

    def ready(self) -> None:
        from actions import hooks

        from . import menu, selectors
        from .carryover import risks_and_notices_copy
        from .plan_columns import workstream_columns
        from .risks import action_page_rows

        hooks.menu_annotations["programme"] = menu.annotations
        hooks.menu_items["programme"] = menu.items
        hooks.my_actions_panels["root_causes"] = selectors.my_actions_root_causes
        hooks.action_page_rows["risks_and_notices"] = action_page_rows
        hooks.carry_over_settings["risks_and_notices"] = risks_and_notices_copy
        hooks.plan_columns["workstream"] = workstream_columns
