from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """Evidence, closure requests and sign-off (issue: "Blue means proven")."""

    name = "evidence"

    def ready(self) -> None:
        from actions import hooks

        from . import access, carryover, selectors, views

        hooks.my_actions_prefetches["recent_closures"] = selectors.recent_closures_prefetch
        hooks.action_page_context["evidence"] = views.action_page_context
        hooks.my_actions_panels["recent_decisions"] = selectors.my_actions_recent_decisions
        hooks.carry_over_counts["evidence"] = carryover.evidence_count
        hooks.carry_over_counts["closures"] = carryover.closures_count
        hooks.carry_over_settings["evidence"] = carryover.closure_settings_copy
        hooks.review_queue_shown["evidence"] = access.review_queue_shown
        hooks.review_queue_waiting["evidence"] = selectors.review_queue_waiting
