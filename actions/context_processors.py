from django.utils.functional import SimpleLazyObject

from .access import can_read_plan, is_pmo, roles_of
from .selectors import navigation


def roles(request):
    """Role flags and the menu, read only if a template asks (htmx fragments do not)."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "user_roles": SimpleLazyObject(lambda: roles_of(user)),
        "user_is_pmo": SimpleLazyObject(lambda: is_pmo(user)),
        "user_reads_plan": SimpleLazyObject(lambda: can_read_plan(user)),
        "navigation": SimpleLazyObject(lambda: navigation(user)),
    }
