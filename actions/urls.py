from django.urls import include, path

from . import import_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("my-accountable-actions/", views.accountable_actions, name="accountable_actions"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/update/", views.action_update, name="action_update"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/lock/", views.plan_lock_now, name="plan_lock_now"),
    path("plans/<int:pk>/late-window/", views.late_window, name="late_window"),
    path("plans/<int:pk>/record/", views.plan_events, name="plan_events"),
    path("plans/<int:pk>/import/", import_views.plan_import_upload, name="plan_import"),
    path(
        "plans/<int:pk>/import/confirm/",
        import_views.plan_import_confirm,
        name="plan_import_confirm",
    ),
    path("imports/<uuid:token>/", import_views.import_job, name="import_job"),
    path("imports/<uuid:token>/status/", import_views.import_job_status, name="import_job_status"),
    path("", include("actions.pmo_urls")),
    path("", include("actions.people_urls")),
    path("", include("actions.inspections.urls")),
    path("", include("actions.carry_over.urls")),
    path("", include("actions.exports.urls")),
    path("", include("actions.baseline_urls")),
]
