"""Downloads of the plan (``actions.exports.plan_export``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/<int:pk>/export.<str:fmt>", views.plan_export, name="plan_export"),
]
