from django.urls import path

from . import views

urlpatterns = [
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("plans/<int:pk>/teams/", views.teams_settings, name="teams_settings"),
]
