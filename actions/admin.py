"""The admin manages people and reference data; plan records are read-only here.

Every change to actions, updates and locks goes through ``actions.services`` from the
app's own pages, so the lock and the history hold on every path.
"""

from django.contrib import admin

from improvement.admin import ReadOnlyAdmin

from .models import (
    Action,
    BaselineDate,
    ChangeRequest,
    ExecRole,
    Finding,
    FindingColumnMapping,
    HistoryEntry,
    Inspection,
    InspectionRating,
    LateWindow,
    PeriodSnapshot,
    Plan,
    PlanBaseline,
    PlanEvent,
    RaisedAction,
    ReportingPeriod,
    WeeklyUpdate,
)


@admin.register(ExecRole)
class ExecRoleAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "holder"]
    search_fields = ["code", "title"]
    # Who holds a role changes on the Executive roles page, where the change is recorded.
    readonly_fields = ["holder"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["ref", "plan", "theme", "kind", "status", "action_lead"]
    list_filter = ["plan", "kind", "status"]
    search_fields = ["ref", "requirement"]


@admin.register(WeeklyUpdate)
class WeeklyUpdateAdmin(ReadOnlyAdmin):
    list_display = ["action", "period", "status", "author", "submitted_at", "late"]
    list_filter = ["status", "late"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdmin):
    list_display = ["plan", "deadline", "locked_at", "lock_kind"]


for model in (Inspection, Finding, Plan, LateWindow, PeriodSnapshot, HistoryEntry, PlanEvent):
    admin.site.register(model, ReadOnlyAdmin)

# A new report's ratings, remembered column mappings and raised actions: written from the
# PMO's pages (actions.inspections), read here.
for model in (InspectionRating, FindingColumnMapping, RaisedAction):
    admin.site.register(model, ReadOnlyAdmin)

# The baseline and its change requests: taken and decided on the plan's pages
# (actions.baseline), read here.
for model in (PlanBaseline, BaselineDate, ChangeRequest):
    admin.site.register(model, ReadOnlyAdmin)
