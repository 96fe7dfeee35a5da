"""URLs of the board highlight report and the board dashboard."""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/<int:pk>/board-reports/", views.board_reports, name="board_reports"),
    path("plans/<int:pk>/board-dashboard/", views.board_dashboard, name="board_dashboard"),
    path("board-reports/<int:pk>/", views.board_report, name="board_report"),
    path("board-reports/<int:pk>/status/", views.board_report_status, name="board_report_status"),
    path("board-reports/<int:pk>/pdf/", views.board_report_pdf, name="board_report_pdf"),
    path("board-reports/<int:pk>/send/", views.board_report_send, name="board_report_send"),
    path("plans/<int:pk>/committees/", views.committees, name="board_committees"),
    path("committees/<int:pk>/remove/", views.committee_remove, name="board_committee_remove"),
]
