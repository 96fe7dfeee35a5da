"""The PMO's forms for people, their roles and the executive roles they hold.

Forms only validate what was typed; the services (improvement.people, actions.services)
check the rules and save.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from improvement.people import display_name
from improvement.roles import Role

from .services import VACANT

ROLE_HELP = {
    Role.PMO: "owns the plan: people, imports, the lock and the reports",
    Role.ACTION_LEAD: "writes the weekly update on the actions they lead",
    Role.EXEC_LEAD: "the director accountable for actions; reads the whole plan",
    Role.REVIEWER: "approves or declines closures",
    Role.BOARD: "reads the plan and the board report",
}
ROLE_CHOICES = [(r.value, f"{r.label} ({ROLE_HELP[r]})") for r in Role]


def active_people():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "pk")


class PersonForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="Work email address",
        max_length=254,
        help_text="They sign in with the trust's account for this email, or get a link here "
        "to choose a password.",
    )
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="For signing in with a password. Usually their email address.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, message in (
            ("first_name", "Enter their first name."),
            ("last_name", "Enter their last name."),
            ("email", "Enter their work email address, like name@nhs.net."),
            ("username", "Enter a username, for example their email address."),
        ):
            self.fields[name].error_messages["required"] = message
        self.fields["email"].error_messages["invalid"] = (
            "Enter their work email address, like name@nhs.net."
        )


class NewPersonForm(PersonForm):
    roles = forms.MultipleChoiceField(
        label="Roles", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


class DeactivateForm(forms.Form):
    """One question per executive role the person holds: who holds it now."""

    def __init__(self, *args, person, exec_roles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        others = [(str(u.pk), display_name(u)) for u in active_people().exclude(pk=person.pk)]
        self.exec_roles = exec_roles
        for role in exec_roles:
            field = forms.ChoiceField(
                label=f"Who holds {role.code}{f' ({role.title})' if role.title else ''} now?",
                choices=[("", "Choose"), (VACANT, "Nobody: leave it vacant"), *others],
                help_text="If you leave it vacant, the plan shows no director for "
                f"{role.code}'s actions until you choose one on the executive roles page.",
            )
            field.error_messages["required"] = (
                f"Choose who holds {role.code} now, or leave it vacant."
            )
            self.fields[f"holder_{role.pk}"] = field

    def new_holders(self) -> dict:
        chosen = {}
        people = {str(u.pk): u for u in active_people()}
        for role in self.exec_roles:
            value = self.cleaned_data[f"holder_{role.pk}"]
            chosen[role.pk] = VACANT if value == VACANT else people[value]
        return chosen


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Name, email or username", required=False, max_length=200)
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[("", "Any role"), *[(r.value, r.label) for r in Role], ("none", "No role")],
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Active"), ("left", "Deactivated"), ("all", "Everyone")],
    )


class ExecRoleForm(forms.Form):
    code = forms.CharField(
        label="Short name",
        max_length=20,
        help_text="As the plan writes it, for example DWOD or DoN&Q.",
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="For example Director of Workforce and OD.",
    )
    holder = forms.ModelChoiceField(
        label="Who holds it",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody (vacant)",
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = active_people()
        self.fields["holder"].label_from_instance = display_name
        self.fields["code"].error_messages["required"] = (
            "Enter the role's short name, as the plan writes it."
        )
        if editing:
            del self.fields["code"]
