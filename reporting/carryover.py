"""What reporting adds to a plan year's carry-over (``actions.carry_over``, via its hooks)."""

from __future__ import annotations

from actions.models import Plan

from .models import DistributionEntry, ReminderSlot, ReportSettings


def report_settings_copy(*, old: Plan, new: Plan) -> None:
    """The exception report's settings, its reminders and the distribution list."""
    report_settings = ReportSettings.objects.filter(plan=old).first()
    if report_settings is not None:
        slots = list(report_settings.reminder_slots.all())
        report_settings.pk = None
        report_settings.plan = new
        report_settings._state.adding = True
        report_settings.save()
        for slot in slots:
            slot.pk = None
            slot.settings = report_settings
            slot._state.adding = True
        ReminderSlot.objects.bulk_create(slots)
    entries = list(DistributionEntry.objects.filter(plan=old))
    for entry in entries:
        entry.pk = None
        entry.plan = new
        entry._state.adding = True
    DistributionEntry.objects.bulk_create(entries)
