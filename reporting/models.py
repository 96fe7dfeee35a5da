"""The Thursday exception report, its distribution, and the reminders before the lock.

Writes go through ``reporting.services``; reads that are reused are QuerySet methods here
or in ``reporting.selectors``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from actions.models import Plan, ReportingPeriod

DEFAULT_ISSUE_WEEKDAY = Plan.Weekday.THURSDAY
DEFAULT_ISSUE_TIME = dt.time(12, 0)
# The SOP's reminders: the morning before the Wednesday lock, and the morning of it.
DEFAULT_REMINDER_SLOTS = [
    (Plan.Weekday.TUESDAY, dt.time(9, 0)),
    (Plan.Weekday.WEDNESDAY, dt.time(9, 0)),
]


class ReportSettings(models.Model):
    """A plan's exception report settings; made with the SOP's defaults when first needed."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="report_settings")
    issue_weekday = models.IntegerField(
        "issue day", choices=Plan.Weekday.choices, default=DEFAULT_ISSUE_WEEKDAY
    )
    issue_time = models.TimeField("issue time", default=DEFAULT_ISSUE_TIME)
    oversight_group = models.CharField(
        max_length=100,
        default="the oversight group",
        help_text="Who escalations go to, as the report names them: for example IPAG.",
    )

    class Meta:
        verbose_name = "report settings"
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Report settings of {self.plan}"

    @property
    def issue_label(self) -> str:
        """'Thursday 12:00', as users say it."""
        return f"{self.get_issue_weekday_display()} {self.issue_time:%H:%M}"


class ReminderSlot(models.Model):
    """A time before the lock when leads with updates still to write get one reminder."""

    settings = models.ForeignKey(
        ReportSettings, on_delete=models.CASCADE, related_name="reminder_slots"
    )
    weekday = models.IntegerField("day", choices=Plan.Weekday.choices)
    time = models.TimeField()

    class Meta:
        ordering = ["settings", "weekday", "time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "weekday", "time"],
                name="reminder_slot_unique_in_plan",
                violation_error_message="The plan already has a reminder at that time.",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


class DistributionEntry(models.Model):
    """Someone who receives the issued exception report by email."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="distribution_list")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(
        max_length=200, blank=True, help_text="For example: Executive lead (DoN)."
    )
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "name", "id"]
        verbose_name_plural = "distribution list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "email"],
                name="distribution_email_unique_in_plan",
                violation_error_message="That email address is already on the list.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ExceptionReportQuerySet(models.QuerySet):
    def issued(self) -> ExceptionReportQuerySet:
        return self.filter(status=ExceptionReport.Status.ISSUED)

    def drafts(self) -> ExceptionReportQuerySet:
        return self.filter(status=ExceptionReport.Status.DRAFT)

    def of_plan(self, plan: Plan) -> ExceptionReportQuerySet:
        return self.filter(period__plan=plan)

    def newest_first(self) -> ExceptionReportQuerySet:
        return self.order_by("-period__deadline", "-version", "-id")

    def for_listing(self) -> ExceptionReportQuerySet:
        return self.select_related("period__plan", "issued_by").defer("content")


class ExceptionReport(models.Model):
    """One version of a period's exception report, frozen at build from the lock's snapshot.

    The page, the PDF and the emails render only from ``content`` (and the PMO's
    commentary and comments), so nothing changed after the lock alters a report. Version 1
    is the draft the sweep builds after the lock; a correction is a later version with a
    reason. An issued version never changes.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="exception_reports"
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField()
    commentary = models.TextField(blank=True)
    built_at = models.DateTimeField()
    issue_deadline = models.DateTimeField(
        help_text="When a draft not yet issued is issued automatically (Thursday 12:00)."
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issue_recorded_at = models.DateTimeField(null=True, blank=True)
    auto_issued = models.BooleanField(default=False)
    issue_note = models.TextField(blank=True)
    correction_reason = models.TextField(blank=True)

    objects = ExceptionReportQuerySet.as_manager()

    class Meta:
        ordering = ["-built_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version"], name="exception_report_version_unique"
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status="draft"),
                name="exception_report_one_draft_per_period",
            ),
            models.CheckConstraint(
                name="exception_report_issued_has_time",
                condition=Q(status="draft") | Q(issued_at__isnull=False),
            ),
            models.CheckConstraint(
                name="exception_report_correction_has_reason",
                condition=Q(version=1) | ~Q(correction_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exception_report", args=[self.pk])

    @property
    def title(self) -> str:
        """'Exception report: week ending Wed 20 May 2026', with the version if corrected."""
        label = self.content.get("period", {}).get("label") or str(self.period)
        version = f" (version {self.version})" if self.version > 1 else ""
        return f"Exception report: {label[0].lower()}{label[1:]}{version}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED


class ReportComment(models.Model):
    """The PMO's comment on one action in one report ("escalated to IPAG")."""

    report = models.ForeignKey(ExceptionReport, on_delete=models.CASCADE, related_name="comments")
    # The action's id as the frozen content holds it; the comment outlives the action.
    action_pk = models.BigIntegerField()
    ref = models.CharField(max_length=20)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["report", "ref", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "action_pk"], name="report_comment_once_per_action"
            ),
            models.CheckConstraint(name="report_comment_not_blank", condition=~Q(text="")),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.ref} in {self.report}"


class Delivery(models.TextChoices):
    """An email's state. A row is claimed (``sending``) in the database before it is sent."""

    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed; will be tried again"


class ReportEmail(models.Model):
    """The issued report sent to one recipient: one row per version and address, ever."""

    report = models.ForeignKey(ExceptionReport, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    # The exec roles the recipient held at issue: their copy puts those actions first.
    exec_codes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "email"], name="report_email_once_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} to {self.email}"


class Reminder(models.Model):
    """One reminder (or PMO nudge) to one lead in one period, claimed before it is sent."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Reminder"
        NUDGE = "nudge", "Nudge from the PMO"

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The slot's time in this period (Tuesday 09:00); for a nudge, when the PMO sent it.
    slot_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    action_refs = models.JSONField(default=list, help_text="The actions the email listed.")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-slot_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "lead", "kind", "slot_at"],
                name="reminder_once_per_lead_per_slot",
            )
        ]
        indexes = [models.Index(fields=["period", "lead"], name="reminder_period_lead")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.lead} ({self.period})"
