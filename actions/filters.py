"""The PMO's plan filters (django-filter): status, kind, theme, department, leads, updated."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import Action, ExecRole, FindingKind, Status


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class UserFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoiceField


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


def _distinct(plan, field):
    values = (
        Action.objects.filter(plan=plan)
        .exclude(**{field: ""})
        .order_by(field)
        .values_list(field, flat=True)
        .distinct()
    )
    return [(v, v) for v in values]


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label="Status", widget=forms.CheckboxSelectMultiple
    )
    kind = django_filters.ChoiceFilter(choices=FindingKind.choices, label="Finding kind")
    theme = django_filters.ChoiceFilter(label="Theme")
    department = django_filters.ChoiceFilter(label="Department")
    exec_role = django_filters.ModelChoiceFilter(
        field_name="exec_roles", queryset=ExecRole.objects.all(), label="Exec lead"
    )
    action_lead = UserFilter(queryset=get_user_model().objects.none(), label="Action lead")
    updated = django_filters.ChoiceFilter(
        choices=[("yes", "Updated this period"), ("no", "Not yet updated")],
        method="filter_updated",
        label="This period",
    )

    class Meta:
        model = Action
        fields = ["q", "status", "kind", "theme", "department", "exec_role", "action_lead"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["theme"].extra["choices"] = _distinct(plan, "theme")
        self.filters["department"].extra["choices"] = _distinct(plan, "department")
        leads = get_user_model().objects.filter(led_actions__plan=plan).distinct()
        self.filters["action_lead"].queryset = leads.order_by("last_name", "first_name")

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(ref__iexact=value) | Q(requirement__icontains=value) | Q(theme__icontains=value)
        )

    def filter_updated(self, queryset, name, value):
        # ``updated_this_period`` is annotated by the view for the plan's open period.
        return queryset.filter(updated_this_period=(value == "yes"))
