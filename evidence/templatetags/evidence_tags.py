"""Evidence and closure on pages the actions app renders: "My actions", the update form."""

from __future__ import annotations

from django import template

from actions.models import Action
from evidence.models import ClosureRequest

register = template.Library()


@register.filter
def latest_closure(action: Action) -> ClosureRequest | None:
    """The action's newest closure request, from the closures the view prefetched
    (``actions.hooks.my_actions_prefetches``)."""
    closures = getattr(action, "recent_closures", None) or []
    return closures[0] if closures else None


@register.filter
def contains(collection, item) -> bool:
    return item in collection
