"""Reports are read here, never changed: every change goes through the report pages."""

from django.contrib import admin

from improvement.admin import ReadOnlyAdmin

from .models import (
    BoardReport,
    DistributionEntry,
    ExceptionReport,
    Publication,
    PublicationWithdrawal,
    Reminder,
    ReportEmail,
    ReportSettings,
)


@admin.register(ExceptionReport)
class ExceptionReportAdmin(ReadOnlyAdmin):
    list_display = ["period", "version", "status", "issued_at", "auto_issued"]
    list_filter = ["status", "auto_issued"]
    exclude = ["content"]


@admin.register(ReportEmail)
class ReportEmailAdmin(ReadOnlyAdmin):
    list_display = ["report", "email", "status", "attempts", "sent_at"]
    list_filter = ["status"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["period", "lead", "kind", "slot_at", "status", "sent_at"]
    list_filter = ["kind", "status"]


@admin.register(DistributionEntry)
class DistributionEntryAdmin(ReadOnlyAdmin):
    list_display = ["plan", "name", "email", "role"]


@admin.register(ReportSettings)
class ReportSettingsAdmin(ReadOnlyAdmin):
    list_display = ["plan", "issue_weekday", "issue_time", "oversight_group"]


@admin.register(BoardReport)
class BoardReportAdmin(ReadOnlyAdmin):
    list_display = ["plan", "month", "version", "status", "progress", "requested_at"]
    list_filter = ["status"]
    exclude = ["document"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "slug", "published_at", "published_by"]
    exclude = ["content", "pdf"]


@admin.register(PublicationWithdrawal)
class PublicationWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["publication", "withdrawn_at", "withdrawn_by"]
