"""The PMO's plan filters (django-filter): status, kind, theme, department, leads, updated."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.html import format_html, format_html_join

from .models import Action, ExecRole, FindingKind, Status

SORTS = {
    "ref": "ref",
    "theme": "theme",
    "dept": "department",
    "kind": "kind",
    "status": "status",
    "start": "start_date",
    "end": "end_date",
    "lead": "action_lead__last_name",
}


class Select(forms.Select):
    """Django's select, with its options built in Python.

    A plan's lead list has hundreds of names; a sub-template per option made it a third
    of the plan page's time. The markup is the same. The class keeps its name so
    ``nhsuk/field.html`` still styles it as a select.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), " selected" if str(key) in selected else "", label)
                for key, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", forms.utils.flatatt(attrs), options)


def _distinct(plan, field):
    values = (
        Action.objects.filter(plan=plan)
        .exclude(**{field: ""})
        .order_by(field)
        .values_list(field, flat=True)
        .distinct()
    )
    return [(v, v) for v in values]


def _lead_choices(plan):
    """The plan's action leads by name, from a narrow query (no user rows, no DISTINCT sort)."""
    rows = (
        get_user_model()
        .objects.filter(pk__in=Action.objects.filter(plan=plan).values("action_lead"))
        .order_by("last_name", "first_name")
        .values_list("pk", "first_name", "last_name", "username")
    )
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows]


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        label="Status",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a column of the action itself: no duplicate rows to remove
    )
    kind = django_filters.ChoiceFilter(
        choices=FindingKind.choices, label="Finding kind", widget=Select
    )
    theme = django_filters.ChoiceFilter(label="Theme", widget=Select)
    department = django_filters.ChoiceFilter(label="Department", widget=Select)
    exec_role = django_filters.ModelChoiceFilter(
        field_name="exec_roles", queryset=ExecRole.objects.all(), label="Exec lead", widget=Select
    )
    action_lead = django_filters.ChoiceFilter(label="Action lead", widget=Select)
    updated = django_filters.ChoiceFilter(
        choices=[("yes", "Updated this period"), ("no", "Not yet updated")],
        method="filter_updated",
        label="This period",
        widget=Select,
    )

    class Meta:
        model = Action
        fields = ["q", "status", "kind", "theme", "department", "exec_role", "action_lead"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["theme"].extra["choices"] = _distinct(plan, "theme")
        self.filters["department"].extra["choices"] = _distinct(plan, "department")
        self.filters["action_lead"].extra["choices"] = _lead_choices(plan)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(ref__iexact=value) | Q(requirement__icontains=value) | Q(theme__icontains=value)
        )

    def filter_updated(self, queryset, name, value):
        # ``updated_this_period`` is annotated by the view for the plan's open period.
        return queryset.filter(updated_this_period=(value == "yes"))
