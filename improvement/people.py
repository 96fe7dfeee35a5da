"""People and their roles: the PMO adds, changes and deactivates accounts, and every
change is recorded (``PeopleChange``) with who made it, when, and before and after.

Nobody is deleted: a person who left is deactivated, so the plan's history keeps their
name. Nobody is given a password by the PMO either: a person on the trust's identity
provider signs in with it (matched by email, improvement/oidc.py); anyone else gets an
email with a one-use link to choose their own password (Django's password-reset token),
so the password is only ever known to its owner.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import PeopleChange
from .roles import Role

logger = logging.getLogger(__name__)

LAST_PMO = "At least one person must keep the PMO role."


def display_name(user) -> str:
    """The name the pages and the record show: full name, else username."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def change_record(
    *, person, by, kind: str, what: str = "", before: str = "", after: str = ""
) -> PeopleChange:
    """Add a line to the person's record (also used by the apps above, e.g. exec roles)."""
    return PeopleChange.objects.create(
        person=person, by=by, kind=kind, what=what, before=before, after=after, at=timezone.now()
    )


def _role_group(role: str) -> Group:
    return Group.objects.get_or_create(name=Role(role).value)[0]


def _clean_details(
    *, first_name: str, last_name: str, email: str, username: str, person=None
) -> dict[str, str]:
    """The details, trimmed and checked; a ValidationError names each field at fault."""
    details = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email.strip(),
        "username": username.strip(),
    }
    errors: dict[str, str] = {}
    if not details["first_name"]:
        errors["first_name"] = "Enter their first name."
    if not details["last_name"]:
        errors["last_name"] = "Enter their last name."
    users = get_user_model().objects.exclude(pk=getattr(person, "pk", None))
    try:
        validate_email(details["email"])
    except ValidationError:
        errors["email"] = "Enter their work email address, like name@nhs.net."
    else:
        # Sign-in with the identity provider finds the account by email: two accounts
        # with one email would lock that person out.
        if users.filter(email__iexact=details["email"]).exists():
            errors["email"] = (
                f"Someone here already uses {details['email']}. Find them in the people "
                "list; if they left, reactivate their account instead."
            )
    if not details["username"]:
        errors["username"] = "Enter a username, for example their email address."
    else:
        try:
            get_user_model().username_validator(details["username"])
        except ValidationError:
            errors["username"] = (
                "A username can only have letters, numbers and the characters @ . + - _"
            )
        else:
            if len(details["username"]) > 150:
                errors["username"] = "A username can be 150 characters at most."
            elif users.filter(username__iexact=details["username"]).exists():
                errors["username"] = f"The username {details['username']} is taken."
    if errors:
        raise ValidationError(errors)
    return details


def person_add(
    *,
    by,
    first_name: str,
    last_name: str,
    email: str,
    username: str,
    roles: Iterable[str] = (),
):
    """A new account with no password, its roles, and the email that lets them sign in."""
    details = _clean_details(
        first_name=first_name, last_name=last_name, email=email, username=username
    )
    roles = [Role(r) for r in roles]
    with transaction.atomic():
        person = get_user_model()(**details)
        person.set_unusable_password()
        person.save()
        change_record(
            person=person, by=by, kind=PeopleChange.Kind.ADDED, after=display_name(person)
        )
        for role in roles:
            person.groups.add(_role_group(role))
            change_record(person=person, by=by, kind=PeopleChange.Kind.ROLE_GIVEN, what=role.label)
        _sign_in_email_queue(person=person, by=by, welcome=True)
    return person


DETAIL_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "username": "Username",
}


def person_edit(*, person, by, first_name: str, last_name: str, email: str, username: str):
    """Change someone's name, email or username; each changed field is recorded."""
    details = _clean_details(
        first_name=first_name, last_name=last_name, email=email, username=username, person=person
    )
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        changed = []
        for field, value in details.items():
            before = getattr(person, field)
            if before != value:
                setattr(person, field, value)
                changed.append(field)
                change_record(
                    person=person,
                    by=by,
                    kind=PeopleChange.Kind.DETAILS,
                    what=DETAIL_LABELS[field],
                    before=before,
                    after=value,
                )
        if changed:
            person.save(update_fields=changed)
    return person


def _pmo_count_after(*, losing) -> int:
    """How many active people keep the PMO role if ``losing`` loses it; locks the group
    row first, so two PMOs taking the role from each other cannot both succeed."""
    group = Group.objects.select_for_update().get(pk=_role_group(Role.PMO).pk)
    return group.user_set.filter(is_active=True).exclude(pk=losing.pk).count()


def person_roles_set(*, person, by, roles: Iterable[str]) -> tuple[list[str], list[str]]:
    """Give and take roles so the person has exactly ``roles``; returns (given, taken)."""
    wanted = {Role(r) for r in roles}
    with transaction.atomic():
        current = {
            Role(n) for n in person.groups.values_list("name", flat=True) if n in Role.values
        }
        given = sorted(wanted - current)
        taken = sorted(current - wanted)
        if given and not person.is_active:
            raise ValidationError(
                f"{display_name(person)} is deactivated. Reactivate them before giving a role."
            )
        if Role.PMO in taken and _pmo_count_after(losing=person) == 0:
            raise ValidationError({"roles": LAST_PMO})
        for role in given:
            person.groups.add(_role_group(role))
            change_record(person=person, by=by, kind=PeopleChange.Kind.ROLE_GIVEN, what=role.label)
        for role in taken:
            person.groups.remove(_role_group(role))
            change_record(person=person, by=by, kind=PeopleChange.Kind.ROLE_TAKEN, what=role.label)
    person.__dict__.pop("_role_names", None)
    return [r.label for r in given], [r.label for r in taken]


def person_deactivate(*, person, by) -> None:
    """Switch off the account of someone who left: they cannot sign in, and every session
    they have ends at its next request. Their roles stay on the record, unused."""
    with transaction.atomic():
        # No key update: a change recorded "by" this person in another transaction checks
        # its foreign key (at commit) with a key-share lock this must not block, or the two
        # deadlock over the PMO group row.
        person = get_user_model().objects.select_for_update(no_key=True).get(pk=person.pk)
        if not person.is_active:
            raise ValidationError(f"{display_name(person)} is already deactivated.")
        if by is not None and person.pk == by.pk:
            raise ValidationError(
                "You cannot deactivate your own account. Ask another member of the PMO."
            )
        if person.groups.filter(name=Role.PMO).exists() and _pmo_count_after(losing=person) == 0:
            raise ValidationError(LAST_PMO)
        person.is_active = False
        # A new unusable password changes the hash every session is checked against
        # (django.contrib.auth.get_user), so open sessions end, and any sign-in link sent
        # earlier stops working.
        person.set_unusable_password()
        person.save(update_fields=["is_active", "password"])
        change_record(person=person, by=by, kind=PeopleChange.Kind.DEACTIVATED)


def person_reactivate(*, person, by) -> None:
    """Switch an account back on (someone who returned); they get the sign-in email again."""
    with transaction.atomic():
        person = get_user_model().objects.select_for_update(no_key=True).get(pk=person.pk)
        if person.is_active:
            raise ValidationError(f"{display_name(person)} is already active.")
        if (
            get_user_model()
            .objects.filter(is_active=True, email__iexact=person.email)
            .exclude(pk=person.pk)
            .exists()
        ):
            raise ValidationError(
                f"Someone active already uses {person.email}. Change this person's email first."
            )
        person.is_active = True
        person.save(update_fields=["is_active"])
        change_record(person=person, by=by, kind=PeopleChange.Kind.REACTIVATED)
        _sign_in_email_queue(person=person, by=by, welcome=False)


def sign_in_email_send(*, person, by) -> None:
    """Send again the email that lets someone sign in (a lost or expired link)."""
    with transaction.atomic():
        if not person.is_active:
            raise ValidationError(f"{display_name(person)} is deactivated: reactivate them first.")
        _sign_in_email_queue(person=person, by=by, welcome=False)


def set_password_url(person) -> str:
    """The one-use link to choose a password; it stops working once used, when the
    password changes, and after PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    return f"{settings.SITE_URL}{path}"


def sign_in_email_message(*, person, welcome: bool) -> EmailMessage:
    """The email: with the identity provider, how to sign in; else the set-password link."""
    context = {
        "person": person,
        "welcome": welcome,
        "oidc_enabled": settings.OIDC_ENABLED,
        "provider_name": settings.OIDC_PROVIDER_NAME,
        "sign_in_url": f"{settings.SITE_URL}{reverse('login')}",
        "set_password_url": "" if settings.OIDC_ENABLED else set_password_url(person),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = (
        "You have been added to the improvement plan"
        if welcome
        else "Signing in to the improvement plan"
    )
    body = render_to_string("improvement/people/sign_in_email.txt", context)
    return EmailMessage(subject=subject, body=body, to=[person.email])


def _sign_in_email_queue(*, person, by, welcome: bool) -> None:
    """Record the email now; send it once the account is saved (a failed send is logged
    and the PMO can send it again from the person's page)."""
    change_record(person=person, by=by, kind=PeopleChange.Kind.SIGN_IN_EMAIL, after=person.email)
    person_pk = person.pk

    def send() -> None:
        fresh = get_user_model().objects.get(pk=person_pk)
        sign_in_email_message(person=fresh, welcome=welcome).send()

    transaction.on_commit(send, robust=True)
