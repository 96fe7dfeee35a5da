"""The programme's pages: workstreams, their narratives and actions, and root causes."""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/<int:pk>/workstreams/", views.programme_overview, name="programme"),
    path(
        "plans/<int:pk>/workstreams/settings/",
        views.programme_settings,
        name="programme_settings",
    ),
    path("plans/<int:pk>/workstreams/new/", views.workstream_create, name="workstream_create"),
    path("workstreams/<int:pk>/", views.workstream_detail, name="workstream"),
    path("workstreams/<int:pk>/edit/", views.workstream_edit, name="workstream_edit"),
    path("workstreams/<int:pk>/move/", views.workstream_move, name="workstream_move"),
    path("workstreams/<int:pk>/remove/", views.workstream_delete, name="workstream_delete"),
    path("workstreams/<int:pk>/actions/", views.workstream_actions, name="workstream_actions"),
    path(
        "workstreams/<int:pk>/narrative/", views.workstream_narrative, name="workstream_narrative"
    ),
    path("plans/<int:pk>/root-causes/", views.root_cause_list, name="root_causes"),
    path(
        "plans/<int:pk>/findings/<int:finding_pk>/root-causes/",
        views.root_cause_create,
        name="root_cause_create",
    ),
    path("root-causes/<int:pk>/", views.root_cause_detail, name="root_cause"),
    path("root-causes/<int:pk>/edit/", views.root_cause_edit, name="root_cause_edit"),
    path("root-causes/<int:pk>/remove/", views.root_cause_delete, name="root_cause_delete"),
]
