"""The KPI pages: a plan's KPIs, one KPI's chart and values, the PMO's edits and imports."""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/<int:pk>/kpis/", views.kpi_list, name="kpi_list"),
    path("plans/<int:pk>/kpis/new/", views.kpi_create, name="kpi_create"),
    path("plans/<int:pk>/kpis/import/", views.kpi_import, name="kpi_import"),
    path(
        "plans/<int:pk>/kpis/import/confirm/", views.kpi_import_confirm, name="kpi_import_confirm"
    ),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi"),
    path("kpis/<int:pk>/edit/", views.kpi_edit, name="kpi_edit"),
]
