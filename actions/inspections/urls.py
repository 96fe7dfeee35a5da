"""A new report's pages: ratings, their comparison, the findings import and the mapping."""

from django.urls import path

from . import views

urlpatterns = [
    path("inspections/compare/", views.inspections_compare, name="inspections_compare"),
    path("inspections/<int:pk>/ratings/", views.ratings_edit, name="inspection_ratings"),
    path(
        "inspections/<int:pk>/findings/import/",
        views.findings_import_upload,
        name="findings_import",
    ),
    path(
        "inspections/<int:pk>/findings/import/columns/",
        views.findings_import_columns,
        name="findings_import_columns",
    ),
    path(
        "inspections/<int:pk>/findings/import/confirm/",
        views.findings_import_confirm,
        name="findings_import_confirm",
    ),
    path("inspections/<int:pk>/mapping/", views.finding_mapping, name="finding_mapping"),
    path("findings/<int:pk>/link/", views.finding_link, name="finding_link"),
    path("findings/<int:pk>/unlink/", views.finding_unlink, name="finding_unlink"),
    path("findings/<int:pk>/raise/", views.finding_raise, name="finding_raise"),
]
