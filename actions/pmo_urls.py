"""The PMO's pages for inspections, findings, plans and actions."""

from django.urls import path

from . import pmo_views

urlpatterns = [
    path("inspections/", pmo_views.inspection_list, name="inspection_list"),
    path("inspections/new/", pmo_views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/edit/", pmo_views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/findings/", pmo_views.finding_list, name="finding_list"),
    path("inspections/<int:pk>/findings/new/", pmo_views.finding_create, name="finding_create"),
    path("findings/<int:pk>/edit/", pmo_views.finding_edit, name="finding_edit"),
    path("plans/new/", pmo_views.plan_create, name="plan_create"),
    path("plans/<int:pk>/settings/", pmo_views.plan_settings, name="plan_settings"),
    path("plans/<int:pk>/actions/new/", pmo_views.action_create, name="action_create"),
    path("plans/<int:pk>/leads/", pmo_views.plan_reassign_leads, name="plan_reassign_leads"),
    path("actions/<int:pk>/edit/", pmo_views.action_edit, name="action_edit"),
]
