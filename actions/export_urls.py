"""Downloads of the plan (``actions.exports``)."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("plans/<int:pk>/export.<str:fmt>", export_views.plan_export, name="plan_export"),
]
