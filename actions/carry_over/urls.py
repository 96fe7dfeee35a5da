"""A new plan year (``actions.carry_over``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/<int:pk>/new-year/", views.plan_year_start, name="plan_year_start"),
    path("carry-overs/<int:pk>/", views.plan_year_result, name="plan_year_result"),
]
