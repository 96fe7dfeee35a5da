from django.contrib import admin

from .models import Kpi, KpiValue, KpiValueReplaced


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ("name", "ref", "plan", "key_question", "direction", "target", "owner")
    list_filter = ("plan", "key_question", "direction")
    search_fields = ("name", "ref")


@admin.register(KpiValue)
class KpiValueAdmin(admin.ModelAdmin):
    """Read-only: values change through the KPI's page or the import, which keep the record."""

    list_display = ("kpi", "date", "value", "entered_by", "entered_at")
    list_filter = ("kpi__plan",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(KpiValueReplaced)
class KpiValueReplacedAdmin(KpiValueAdmin):
    list_display = ("kpi", "date", "old_value", "new_value", "replaced_by", "replaced_at")

    def has_delete_permission(self, request, obj=None):
        return False
