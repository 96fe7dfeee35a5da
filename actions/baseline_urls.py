"""The plan's baseline and its change requests (``actions.baseline``)."""

from django.urls import path

from . import baseline_views

urlpatterns = [
    path("plans/<int:pk>/baseline/", baseline_views.baseline_page, name="plan_baseline"),
    path("plans/<int:pk>/baseline/take/", baseline_views.baseline_take, name="baseline_take"),
    path("plans/<int:pk>/changes/", baseline_views.change_request_list, name="change_requests"),
    path("actions/<int:pk>/change/", baseline_views.change_request_new, name="change_request_new"),
    path("changes/<int:pk>/", baseline_views.change_request_page, name="change_request"),
    path(
        "changes/<int:pk>/withdraw/",
        baseline_views.change_request_withdraw,
        name="change_request_withdraw",
    ),
]
