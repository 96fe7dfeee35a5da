"""What evidence adds to a plan year's carry-over (``actions.carry_over``, via its hooks)."""

from __future__ import annotations

from django.db.models import QuerySet

from actions.models import Plan

from .models import ClosureRequest, ClosureSettings, Evidence


def evidence_count(ids: QuerySet) -> int:
    return Evidence.objects.filter(action__in=ids).count()


def closures_count(ids: QuerySet) -> int:
    return ClosureRequest.objects.filter(action__in=ids).count()


def closure_settings_copy(*, old: Plan, new: Plan) -> None:
    """Who signs off the old plan's closures signs off the new plan's."""
    closure_settings = ClosureSettings.objects.filter(plan=old).first()
    if closure_settings is not None:
        closure_settings.pk = None
        closure_settings.plan = new
        closure_settings._state.adding = True
        closure_settings.save()
