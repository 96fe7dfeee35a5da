"""URLs of public publication: the PMO's pages and the public's (no sign-in)."""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/<int:pk>/publications/", views.plan_publications, name="plan_publications"),
    path(
        "plans/<int:pk>/publications/prepare/",
        views.publication_prepare,
        name="publication_prepare",
    ),
    path(
        "plans/<int:pk>/publications/preview/",
        views.publication_preview,
        name="publication_preview",
    ),
    path(
        "plans/<int:pk>/publications/publish/",
        views.publication_publish,
        name="publication_publish",
    ),
    path(
        "publications/<int:pk>/withdraw/", views.publication_withdraw, name="publication_withdraw"
    ),
    path("public/", views.publication_public_index, name="public_index"),
    path(
        "public/plans/<slug:slug>/",
        views.publication_public_list,
        name="publication_public_list",
    ),
    path(
        "public/plans/<slug:slug>/<int:number>/",
        views.publication_public,
        name="publication_public",
    ),
    path(
        "public/plans/<slug:slug>/<int:number>/pdf/",
        views.publication_public_pdf,
        name="publication_public_pdf",
    ),
]
