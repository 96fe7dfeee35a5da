from .access import can_read_plan, is_pmo, roles_of


def roles(request):
    """Role flags for the navigation."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "user_roles": roles_of(user),
        "user_is_pmo": is_pmo(user),
        "user_reads_plan": can_read_plan(user),
    }
