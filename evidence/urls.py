"""URLs of the evidence app: evidence, closure, sign-off and the assurance group."""

from django.urls import path

from . import views

urlpatterns = [
    path("actions/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("actions/<int:pk>/closure/", views.closure_request, name="closure_request"),
    path("actions/<int:pk>/reopen/", views.action_reopen, name="action_reopen"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("closures/<int:pk>/", views.closure_detail, name="closure"),
    path("closures/<int:pk>/withdraw/", views.closure_withdraw, name="closure_withdraw"),
    path("closures/<int:pk>/approve/", views.closure_approve, name="closure_approve"),
    path("closures/<int:pk>/decline/", views.closure_decline, name="closure_decline"),
    path("closures/<int:pk>/inspector/", views.peer_inspector, name="peer_inspector"),
    path("closures/<int:pk>/inspection/", views.peer_inspection, name="peer_inspection"),
    path("review/", views.review_queue, name="review_queue"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/present/", views.meeting_present, name="meeting_present"),
    path("plans/<int:pk>/sign-off-settings/", views.closure_settings, name="closure_settings"),
]
