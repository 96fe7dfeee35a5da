"""The signed address in a reminder's List-Unsubscribe header (RFC 2369 and RFC 8058).

The address itself is the permission: it names one lead and one plan, signed with the
site's key, so the link works from the email without signing in, and a mail client's
one-click POST needs no session or CSRF token. It can only turn reminders off or on.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

SALT = "reporting.reminders.unsubscribe"


def unsubscribe_path(*, plan_id: int, user_id: int) -> str:
    token = signing.Signer(salt=SALT).sign_object({"p": plan_id, "u": user_id}, compress=True)
    return reverse("reminders_unsubscribe", args=[token])


def read_token(token: str) -> tuple[int, int] | None:
    """(plan id, user id), or None for an address that was not made here."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
        return int(data["p"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
