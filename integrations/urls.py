from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("plans/<int:pk>/teams/", views.teams_settings, name="teams_settings"),
    path("plans/<int:pk>/audit-export/", views.audit_export_page, name="audit_export"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("api/v1/", api.urls),
]
