from django.contrib import admin

from .models import ProgrammeSettings, RootCause, Workstream, WorkstreamNarrative


@admin.register(Workstream)
class WorkstreamAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "executive", "cadence", "position"]
    list_filter = ["plan", "cadence"]


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ["ref", "plan", "finding", "owner", "workstream", "due_date"]
    list_filter = ["plan"]
    search_fields = ["ref", "description"]


admin.site.register(ProgrammeSettings)
admin.site.register(WorkstreamNarrative)
