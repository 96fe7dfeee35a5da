"""The risk register and BAF pages."""

from django.urls import path

from programme import risk_views as views

urlpatterns = [
    path("plans/<int:pk>/risks/", views.risk_list, name="risk_list"),
    path("plans/<int:pk>/risks/new/", views.risk_create, name="risk_create"),
    path("plans/<int:pk>/risks/import/", views.risk_import, name="risk_import"),
    path("risks/<int:pk>/", views.risk_detail, name="risk"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/links/", views.risk_links, name="risk_links"),
]
