"""The PMO's pages for people, their roles and the executive roles."""

from django.urls import path

from . import people_views

urlpatterns = [
    path("people/", people_views.people_list, name="people_list"),
    path("people/new/", people_views.person_add, name="person_add"),
    path("people/<int:pk>/", people_views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people_views.person_edit, name="person_edit"),
    path("people/<int:pk>/roles/", people_views.person_roles, name="person_roles"),
    path("people/<int:pk>/deactivate/", people_views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", people_views.person_reactivate, name="person_reactivate"),
    path(
        "people/<int:pk>/sign-in-email/",
        people_views.person_sign_in_email,
        name="person_sign_in_email",
    ),
    path("exec-roles/", people_views.exec_role_list, name="exec_role_list"),
    path("exec-roles/new/", people_views.exec_role_create, name="exec_role_create"),
    path("exec-roles/<int:pk>/edit/", people_views.exec_role_edit, name="exec_role_edit"),
]
