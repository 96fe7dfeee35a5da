"""People and roles change on the PMO's People pages, where each change is recorded
(improvement.people); here they are shown, and the record is read-only."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import PeopleChange

User = get_user_model()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the admin shows and never changes: their pages and services change them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordedUserAdmin(UserAdmin):
    """Roles and switching an account off go through the People pages, so they are
    recorded; the admin still sets staff and superuser flags and passwords."""

    readonly_fields = ["groups", "is_active", "last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None):
        return False  # people are deactivated, never deleted: history keeps their name


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, RecordedUserAdmin)


@admin.register(PeopleChange)
class PeopleChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "person", "kind", "what", "before", "after", "by"]
    list_filter = ["kind"]
    search_fields = ["person__username", "person__email", "what"]
