"""The PMO's pages for people: add, change, deactivate, give and take roles, and who
holds each executive role. Every change is recorded and shown on the person's page.

These live in actions, not improvement, because a person's page shows the executive
roles they hold (actions.ExecRole) and deactivating someone hands those over.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from improvement import people
from improvement.forms import add_errors
from improvement.models import PeopleChange
from improvement.roles import Role

from . import access, services
from .models import ExecRole
from .people_forms import (
    DeactivateForm,
    ExecRoleForm,
    NewPersonForm,
    PeopleFilterForm,
    PersonForm,
    RolesForm,
)
from .pmo_views import _form_page


def _get_person_for_pmo(request: HttpRequest, pk: int):
    access.require_pmo(request)
    return get_object_or_404(get_user_model(), pk=pk)


def _get_exec_role_for_pmo(request: HttpRequest, pk: int) -> ExecRole:
    access.require_pmo(request)
    return get_object_or_404(ExecRole.objects.select_related("holder"), pk=pk)


# People ------------------------------------------------------------------------------


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    """Everyone, with their roles and executive roles; filtered by role, status and text."""
    access.require_pmo(request)
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = get_user_model().objects.prefetch_related(
        "groups", Prefetch("exec_roles", queryset=ExecRole.objects.order_by("code"))
    )
    status = filters.get("status") or ""
    if status == "left":
        users = users.filter(is_active=False)
    elif status != "all":
        users = users.filter(is_active=True)
    role = filters.get("role") or ""
    if role == "none":
        users = users.filter(groups__isnull=True)
    elif role:
        users = users.filter(groups__name=role)
    if text := (filters.get("q") or "").strip():
        users = users.filter(
            Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(username__icontains=text)
        )
    users = users.order_by("last_name", "first_name", "pk").distinct()
    return render(
        request,
        "actions/people/people_list.html",
        {"form": form, "people": users, "filtered": bool(request.GET)},
    )


@login_required
def person_add(request: HttpRequest) -> HttpResponse:
    access.require_pmo(request)
    form = NewPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = people.person_add(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _added_message(person))
            return redirect("person_detail", person.pk)
    return _form_page(
        request,
        "actions/people/person_form.html",
        {"form": form, "oidc_enabled": settings.OIDC_ENABLED},
    )


def _added_message(person) -> str:
    name = people.display_name(person)
    if settings.OIDC_ENABLED:
        return (
            f"{name} is added. We emailed {person.email}: they sign in with "
            f"{settings.OIDC_PROVIDER_NAME}."
        )
    return (
        f"{name} is added. We emailed {person.email} a link to choose their password; "
        "it works once."
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_pmo(request, pk)
    changes = PeopleChange.objects.filter(person=person).select_related("by")
    return render(
        request,
        "actions/people/person_detail.html",
        {
            "person": person,
            "roles": sorted(person.groups.values_list("name", flat=True)),
            "exec_roles": ExecRole.objects.filter(holder=person),
            "changes": changes,
            "oidc_enabled": settings.OIDC_ENABLED,
            "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
        },
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_pmo(request, pk)
    initial = {f: getattr(person, f) for f in ("first_name", "last_name", "email", "username")}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people.person_edit(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Details saved for {people.display_name(person)}.")
            return redirect("person_detail", person.pk)
    return _form_page(request, "actions/people/person_form.html", {"form": form, "person": person})


@login_required
def person_roles(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_pmo(request, pk)
    current = [n for n in person.groups.values_list("name", flat=True) if n in Role.values]
    # Bound on every POST: no box ticked takes every role away.
    data = request.POST if request.method == "POST" else None
    form = RolesForm(data, initial={"roles": current})
    if request.method == "POST" and form.is_valid():
        try:
            given, taken = people.person_roles_set(
                person=person, by=request.user, roles=form.cleaned_data["roles"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            said = [f"given {', '.join(given)}"] * bool(given) + [
                f"no longer {', '.join(taken)}"
            ] * bool(taken)
            messages.success(
                request,
                f"Roles saved: {people.display_name(person)} "
                f"{' and '.join(said) if said else 'is unchanged'}.",
            )
            if person.pk == request.user.pk and Role.PMO.label in taken:
                return redirect("home")  # the people pages are no longer theirs to see
            return redirect("person_detail", person.pk)
    return _form_page(request, "actions/people/person_roles.html", {"form": form, "person": person})


@login_required
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks who takes over each executive role the person holds, then switches them off."""
    person = _get_person_for_pmo(request, pk)
    exec_roles = list(ExecRole.objects.filter(holder=person))
    data = request.POST if request.method == "POST" else None  # no fields without exec roles
    form = DeactivateForm(data, person=person, exec_roles=exec_roles)
    if request.method == "POST" and form.is_valid():
        try:
            vacant = services.person_deactivate_and_hand_over(
                person=person, by=request.user, new_holders=form.new_holders()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"{people.display_name(person)} is deactivated: they can no longer sign in, "
                "and any session they had has ended.",
            )
            if vacant:
                codes = ", ".join(r.code for r in vacant)
                messages.warning(
                    request,
                    f"{codes} {'is' if len(vacant) == 1 else 'are'} now vacant. Choose a new "
                    "holder on the executive roles page.",
                )
            return redirect("person_detail", person.pk)
    return _form_page(
        request,
        "actions/people/person_deactivate.html",
        {"form": form, "person": person, "exec_roles": exec_roles},
    )


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_pmo(request, pk)
    try:
        people.person_reactivate(person=person, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{people.display_name(person)} is active again. We emailed {person.email} how "
            "to sign in. Check their roles.",
        )
    return redirect("person_detail", person.pk)


@login_required
@require_POST
def person_sign_in_email(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_pmo(request, pk)
    try:
        people.sign_in_email_send(person=person, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"We emailed {person.email} how to sign in.")
    return redirect("person_detail", person.pk)


# Executive roles -----------------------------------------------------------------------


@login_required
def exec_role_list(request: HttpRequest) -> HttpResponse:
    access.require_pmo(request)
    exec_roles = ExecRole.objects.select_related("holder").order_by("code")
    return render(request, "actions/people/exec_role_list.html", {"exec_roles": exec_roles})


@login_required
def exec_role_create(request: HttpRequest) -> HttpResponse:
    access.require_pmo(request)
    form = ExecRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exec_role = services.exec_role_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Executive role {exec_role.code} added.")
            return redirect("exec_role_list")
    return _form_page(request, "actions/people/exec_role_form.html", {"form": form})


@login_required
def exec_role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exec_role = _get_exec_role_for_pmo(request, pk)
    form = ExecRoleForm(
        request.POST or None,
        editing=True,
        initial={"title": exec_role.title, "holder": exec_role.holder_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.exec_role_edit(exec_role=exec_role, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            holder = people.display_name(form.cleaned_data["holder"]) or "nobody (vacant)"
            messages.success(request, f"{exec_role.code} saved: held by {holder}.")
            return redirect("exec_role_list")
    return _form_page(
        request, "actions/people/exec_role_form.html", {"form": form, "exec_role": exec_role}
    )
