"""URLs of the reporting app: exception reports, who has updated, distribution, settings."""

from django.urls import include, path

from . import automation_views, views

urlpatterns = [
    path("automation/", automation_views.automation, name="automation"),
    path("healthz/detail", automation_views.health_detail, name="healthz_detail"),
    path("exception-reports/", views.report_list, name="exception_report_list"),
    path("exception-reports/<int:pk>/", views.report_detail, name="exception_report"),
    path("exception-reports/<int:pk>/pdf/", views.report_pdf, name="exception_report_pdf"),
    path(
        "exception-reports/<int:pk>/commentary/",
        views.report_commentary,
        name="exception_report_commentary",
    ),
    path(
        "exception-reports/<int:pk>/actions/<int:action_pk>/comment/",
        views.report_comment,
        name="exception_report_comment",
    ),
    path("exception-reports/<int:pk>/issue/", views.report_issue, name="exception_report_issue"),
    path(
        "exception-reports/<int:pk>/correct/",
        views.report_correct,
        name="exception_report_correct",
    ),
    path(
        "plans/<int:pk>/exception-reports/",
        views.plan_reports,
        name="plan_exception_reports",
    ),
    path(
        "plans/<int:pk>/exception-reports/build/",
        views.report_build_now,
        name="exception_report_build",
    ),
    path("plans/<int:pk>/who-has-updated/", views.who_has_updated, name="who_has_updated"),
    path(
        "plans/<int:pk>/who-has-updated/nudge/",
        views.who_has_updated_nudge,
        name="who_has_updated_nudge",
    ),
    path("plans/<int:pk>/distribution-list/", views.distribution_list, name="distribution_list"),
    path(
        "plans/<int:pk>/distribution-list/add-exec-leads/",
        views.distribution_exec_leads_add,
        name="distribution_exec_leads_add",
    ),
    path(
        "distribution-list/<int:pk>/remove/",
        views.distribution_entry_remove,
        name="distribution_entry_remove",
    ),
    path("plans/<int:pk>/report-settings/", views.report_settings, name="report_settings"),
    path(
        "reminders/unsubscribe/<str:token>/",
        views.reminders_unsubscribe,
        name="reminders_unsubscribe",
    ),
    path("", include("reporting.board.urls")),
    path("", include("reporting.publication.urls")),
]
