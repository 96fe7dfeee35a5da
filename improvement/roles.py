"""Who someone is in the product: the groups a user can be in, read once per request.

Roles are about people, not about any one app, so they live at the bottom: sign-in and
two-factor (here) need them as much as the plan's pages (``actions.access``) do.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models


class Role(models.TextChoices):
    """The groups a user can be in; exec leads also hold an ``ExecRole``."""

    PMO = "PMO", "PMO"
    ACTION_LEAD = "Action lead", "Action lead"
    EXEC_LEAD = "Executive lead", "Executive lead"
    REVIEWER = "Assurance reviewer", "Assurance reviewer"
    BOARD = "Board member", "Board member"


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached  # type: ignore[attr-defined]
    return cached


def is_pmo(user) -> bool:
    return Role.PMO in roles_of(user)
