"""Regulatory notices, their conditions and the conditions report."""

from django.urls import path

from programme import notice_views as views

urlpatterns = [
    path("plans/<int:pk>/notices/", views.notice_list, name="notice_list"),
    path("plans/<int:pk>/notices/new/", views.notice_create, name="notice_create"),
    path("plans/<int:pk>/conditions-report/", views.conditions_report, name="conditions_report"),
    path(
        "plans/<int:pk>/conditions-report.pdf",
        views.conditions_report_pdf,
        name="conditions_report_pdf",
    ),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/conditions/new/", views.condition_create, name="condition_create"),
    path("conditions/<int:pk>/edit/", views.condition_edit, name="condition_edit"),
]
