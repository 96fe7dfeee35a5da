"""A new plan year (``actions.carry_over``)."""

from django.urls import path

from . import views as carryover_views

urlpatterns = [
    path("plans/<int:pk>/new-year/", carryover_views.plan_year_start, name="plan_year_start"),
    path("carry-overs/<int:pk>/", carryover_views.plan_year_result, name="plan_year_result"),
]
