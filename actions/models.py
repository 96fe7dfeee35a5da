"""The improvement plan: inspections, findings, actions, reporting periods and weekly updates.

Writes go through ``actions.services``; reads that are reused are QuerySet methods here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from improvement.roles import Role  # noqa: F401 - the plan's roles, imported from here too


class Status(models.TextChoices):
    """RAGB, as trusts use it (DOMAIN.md)."""

    RED = "R", "Red"
    AMBER = "A", "Amber"
    GREEN = "G", "Green"
    BLUE = "B", "Blue"
    WHITE = "W", "White"


STATUS_MEANING = {
    Status.RED: "Compromised or significantly off track",
    Status.AMBER: "Experiencing problems: off track but recoverable",
    Status.GREEN: "On track",
    Status.BLUE: "Completed: evidence accepted and signed off",
    Status.WHITE: "Not yet due to start",
}

# What a lead may choose on the weekly update; Blue comes only from sign-off.
UPDATE_STATUSES = [Status.RED, Status.AMBER, Status.GREEN, Status.WHITE]


class FindingKind(models.TextChoices):
    REGULATORY = "regulatory", "Regulatory requirement notice"
    SECTION_29A = "s29a", "Section 29A warning notice"
    SECTION_31 = "s31", "Section 31 condition"
    MUST = "must", "Must do"
    SHOULD = "should", "Should do"


class KeyQuestion(models.TextChoices):
    SAFE = "safe", "Safe"
    EFFECTIVE = "effective", "Effective"
    CARING = "caring", "Caring"
    RESPONSIVE = "responsive", "Responsive"
    WELL_LED = "well_led", "Well-led"


class Inspection(models.Model):
    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", "Comprehensive"
        FOCUSED = "focused", "Focused"
        UNANNOUNCED = "unannounced", "Unannounced"
        WELL_LED = "well_led", "Well-led review"

    provider = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMPREHENSIVE)
    visit_start = models.DateField(null=True, blank=True)
    visit_end = models.DateField(null=True, blank=True)
    published_on = models.DateField("report published", null=True, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="inspection_visit_end_after_start",
                condition=Q(visit_end__isnull=True)
                | Q(visit_start__isnull=True)
                | Q(visit_end__gte=models.F("visit_start")),
            )
        ]

    def __str__(self) -> str:
        when = self.published_on.strftime("%B %Y") if self.published_on else "unpublished"
        return f"{self.provider} — {self.get_kind_display()} ({when})"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    ref = models.CharField(max_length=20)
    kind = models.CharField(max_length=12, choices=FindingKind.choices)
    core_service = models.CharField("core service", max_length=100, blank=True)
    key_question = models.CharField(max_length=12, choices=KeyQuestion.choices, blank=True)
    regulation = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    # Moves on every save (the PMO's edit, a re-import): the mapping page's cached findings
    # are keyed on it (``inspections.mapping.mapping_state``).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["inspection", "ref", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "ref"], name="finding_ref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ref} ({self.get_kind_display()})"


class Rating(models.TextChoices):
    """The CQC's four ratings, and "Not rated", best first as the report's grid reads."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_RATED = "not_rated", "Not rated"


class InspectionRating(models.Model):
    """One cell of the report's ratings grid.

    A blank core service is the trust as a whole; a blank key question is the overall
    rating. So (blank, blank) is the trust's overall rating, (blank, Safe) the trust's Safe
    rating, (Maternity, blank) Maternity's overall and (Maternity, Safe) one grid cell.
    """

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="ratings")
    core_service = models.CharField("core service", max_length=100, blank=True)
    key_question = models.CharField(max_length=12, choices=KeyQuestion.choices, blank=True)
    rating = models.CharField(max_length=24, choices=Rating.choices)

    class Meta:
        ordering = ["inspection", "core_service", "key_question", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "core_service", "key_question"],
                name="inspection_rating_once_per_cell",
            )
        ]

    def __str__(self) -> str:
        where = self.core_service or "Trust"
        question = self.get_key_question_display() or "Overall"
        return f"{where} / {question}: {self.get_rating_display()}"


class FindingColumnMapping(models.Model):
    """How one trust's findings spreadsheets are laid out, remembered for the next file.

    ``columns`` maps a finding field (ref, kind, core_service, key_question, regulation,
    text) to the header as the file wrote it; ``kind_values`` maps a kind cell with its
    numbers taken off ("M" from "M1", "must do") to a ``FindingKind``.
    """

    provider = models.CharField(
        max_length=200, unique=True, help_text="The trust, as the inspection names it."
    )
    columns = models.JSONField(default=dict)
    kind_values = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["provider", "id"]

    def __str__(self) -> str:
        return f"Findings columns of {self.provider}"


class RaisedAction(models.Model):
    """An action the PMO raised from a finding of a new report: seed 001's "new actions"."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="raised")
    action = models.OneToOneField("Action", on_delete=models.CASCADE, related_name="raised_from")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} raised from {self.finding}"


class ExecRole(models.Model):
    """An executive role as the plan writes it (``DWOD``), and who holds it."""

    code = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200, blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exec_roles",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "executive role"

    def __str__(self) -> str:
        return self.code


class Plan(models.Model):
    """An improvement plan and the beat its reporting periods run to."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    class MonthWeek(models.IntegerChoices):
        FIRST = 1, "First"
        SECOND = 2, "Second"
        THIRD = 3, "Third"
        FOURTH = 4, "Fourth"
        LAST = -1, "Last"

    name = models.CharField(max_length=200)
    trust = models.CharField(max_length=200, blank=True)
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.WEEKLY)
    deadline_weekday = models.IntegerField(choices=Weekday.choices, default=Weekday.WEDNESDAY)
    deadline_time = models.TimeField(default=dt.time(12, 0))
    month_week = models.IntegerField(
        choices=MonthWeek.choices,
        default=MonthWeek.LAST,
        help_text="For a monthly plan: which of the month's deadline weekdays.",
    )
    time_zone = models.CharField(max_length=64, default="Europe/London")
    cycle_starts_on = models.DateField(
        default=timezone.localdate,
        help_text="The first reporting period ends on the first deadline on or after this day; "
        "fortnightly periods count from it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A new plan year (actions.carry_over): the plan it carried on from, and, on the old
    # plan, when it closed. A closed plan is read-only: every write service refuses it.
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_years",
        verbose_name="previous plan year",
    )
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the plan's open actions were carried into a new plan year; "
        "read-only from then.",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plan", args=[self.pk])

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def deadline_label(self) -> str:
        """'Wednesday 12:00', as users say it."""
        return f"{self.get_deadline_weekday_display()} {self.deadline_time:%H:%M}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ActionQuerySet(models.QuerySet):
    def open(self) -> ActionQuerySet:
        return self.exclude(status=Status.BLUE)

    def led_by(self, user) -> ActionQuerySet:
        return self.filter(action_lead=user)

    def for_exec(self, user) -> ActionQuerySet:
        return self.filter(exec_roles__holder=user).distinct()

    def with_update_state(self, period: ReportingPeriod) -> ActionQuerySet:
        """Annotate ``updated_this_period`` for ``period``: one subquery, not one per row.

        ``period`` may be unsaved (the open period before anyone wrote to it): no update
        has its id, so every action reads as not updated."""
        return self.annotate(
            updated_this_period=Exists(
                WeeklyUpdate.objects.filter(action=OuterRef("pk"), period_id=period.pk)
            )
        )

    def for_listing(self) -> ActionQuerySet:
        return self.select_related("action_lead", "plan").prefetch_related("exec_roles")


class Action(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    ref = models.CharField("ref.", max_length=20)
    theme = models.CharField(max_length=100, blank=True)
    department = models.CharField("dept", max_length=100, blank=True)
    kind = models.CharField(
        "finding kind",
        max_length=12,
        choices=FindingKind.choices,
        help_text="The kind of finding the action answers, as the plan records it.",
    )
    requirement = models.TextField("requirement and actions")
    action_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_actions",
    )
    exec_roles = models.ManyToManyField(
        ExecRole, blank=True, related_name="actions", verbose_name="exec lead"
    )
    findings = models.ManyToManyField(Finding, blank=True, related_name="actions")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField("RAGB", max_length=1, choices=Status.choices, default=Status.WHITE)
    carried_from = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The plan year the action was carried from, still open, into this one.",
    )
    # Optimistic concurrency: every write bumps it; an edit based on an older one is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "ref"],
                name="action_ref_unique_in_plan",
                violation_error_message="Another action in this plan has this Ref.",
            ),
            models.CheckConstraint(
                name="action_end_not_before_start",
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                violation_error_message="The end date must not be before the start date.",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"], name="action_plan_status")]

    def __str__(self) -> str:
        return self.ref

    def get_absolute_url(self) -> str:
        return reverse("action", args=[self.pk])

    @property
    def exec_lead_label(self) -> str:
        """Exec leads as the plan writes them: ``DOps/MD``. Uses the prefetch when present;
        without one, reads the codes alone (one card after a save: no prefetch to pay for)."""
        if "exec_roles" in getattr(self, "_prefetched_objects_cache", {}):
            return "/".join(r.code for r in self.exec_roles.all())
        return "/".join(self.exec_roles.values_list("code", flat=True))

    @property
    def is_open(self) -> bool:
        return self.status != Status.BLUE


class ReportingPeriod(models.Model):
    """One period of a plan, ending at its deadline. Locked exactly once."""

    class LockKind(models.TextChoices):
        SCHEDULED = "scheduled", "At the deadline"
        EARLY = "early", "Locked early by the PMO"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="periods")
    deadline = models.DateTimeField()
    locked_at = models.DateTimeField(null=True, blank=True)
    lock_kind = models.CharField(max_length=12, choices=LockKind.choices, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lock_reason = models.TextField(blank=True)
    lock_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "deadline"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "deadline"], name="period_deadline_unique"),
            models.CheckConstraint(
                name="period_lock_has_kind",
                condition=Q(locked_at__isnull=True, lock_kind="")
                | Q(locked_at__isnull=False) & ~Q(lock_kind=""),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def local_deadline(self) -> dt.datetime:
        return timezone.localtime(self.deadline, self.plan.tz)

    @property
    def label(self) -> str:
        """'Week ending Wed 25 Nov 2026', or 'Period ending …' for other cadences."""
        noun = "Week" if self.plan.cadence == Plan.Cadence.WEEKLY else "Period"
        d = self.local_deadline
        return f"{noun} ending {d:%a} {d.day} {d:%b %Y}"

    @property
    def label_in_sentence(self) -> str:
        """'week ending Wed 25 Nov 2026', for the middle of a sentence."""
        return self.label[0].lower() + self.label[1:]

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def is_closed_at(self, when: dt.datetime) -> bool:
        """Closed once locked or once the deadline has passed, recorded or not."""
        return self.locked_at is not None or when >= self.deadline

    @property
    def lock_time_label(self) -> str:
        """How the refusal names the lock: 'Wednesday 12:00'."""
        at = timezone.localtime(self.locked_at or self.deadline, self.plan.tz)
        return f"{at:%A} {at:%H:%M}"


class WeeklyUpdateQuerySet(models.QuerySet):
    def newest_first(self) -> WeeklyUpdateQuerySet:
        return self.order_by("-period__deadline", "-id")


class WeeklyUpdate(models.Model):
    """The lead's status and narrative on one action for one period (one per pair)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="updates")
    status = models.CharField(max_length=1, choices=Status.choices)
    narrative = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    late = models.BooleanField(
        default=False, help_text="Saved after the deadline, in a late window the PMO gave."
    )

    objects = WeeklyUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-period__deadline", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "period"], name="one_update_per_period"),
            models.CheckConstraint(name="update_narrative_not_blank", condition=~Q(narrative="")),
            models.CheckConstraint(name="update_status_not_blue", condition=~Q(status=Status.BLUE)),
        ]

    def __str__(self) -> str:
        return f"{self.action} — {self.period}"


class RecoveryPlan(models.Model):
    """What will be done to bring a Red action back, by when and by whom.

    Recorded with the weekly update that made (or kept) the action Red; "who" is free
    text because trusts write owners as "DoN with ward managers".
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="recovery_plans")
    update = models.ForeignKey(
        WeeklyUpdate, on_delete=models.CASCADE, related_name="recovery_plans"
    )
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="+")
    what = models.TextField()
    by_when = models.DateField()
    who = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} recovery by {self.by_when}"


class LateWindow(models.Model):
    """The PMO lets one lead save updates for one locked period until ``expires_at``."""

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="late_windows"
    )
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"Late window for {self.lead} on {self.period}"


class PeriodSnapshot(models.Model):
    """What each action's update said at the lock: the exception report reads this."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="snapshot")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    action_status = models.CharField(max_length=1, choices=Status.choices)
    updated = models.BooleanField()
    update_status = models.CharField(max_length=1, choices=Status.choices, blank=True)
    narrative = models.TextField(blank=True)
    action_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The action as it stood at the lock, so later edits never change a report.
    ref = models.CharField(max_length=20, default="")
    theme = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=12, choices=FindingKind.choices, default=FindingKind.MUST)
    requirement = models.TextField(blank=True)
    end_date = models.DateField(null=True, blank=True)
    exec_leads = models.CharField(max_length=100, blank=True, help_text="As written: DOps/MD")

    class Meta:
        ordering = ["period", "action"]
        constraints = [
            models.UniqueConstraint(fields=["period", "action"], name="snapshot_once_per_action")
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.period}"


class HistoryEntry(models.Model):
    """Who changed what on an action, when, with the values before and after."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        UPDATE_SAVED = "update_saved", "Weekly update saved"
        UPDATE_REPLACED = "update_replaced", "Weekly update replaced"
        LEAD_ASSIGNED = "lead_assigned", "Action lead assigned"
        IMPORTED = "imported", "Changed by import"
        # Only the first import into an empty plan may bring an action in Blue: a legacy
        # plan's completed action, with no closure or sign-off in this product.
        CLOSED_BEFORE_IMPORT = "closed_before_import", "Closed before this plan was imported"
        # Evidence and closure (evidence app): every event is on the action's record.
        EVIDENCE_ADDED = "evidence_added", "Evidence added"
        EVIDENCE_WITHDRAWN = "evidence_withdrawn", "Evidence withdrawn"
        CLOSURE_REQUESTED = "closure_requested", "Closure requested"
        CLOSURE_WITHDRAWN = "closure_withdrawn", "Closure request withdrawn"
        INSPECTOR_NAMED = "inspector_named", "Peer inspector named"
        PEER_INSPECTION = "peer_inspection", "Peer inspection recorded"
        CLOSURE_PRESENTED = "closure_presented", "Closure presented at assurance meeting"
        CLOSURE_APPROVED = "closure_approved", "Closure approved and signed off"
        CLOSURE_DECLINED = "closure_declined", "Closure declined"
        REOPENED = "reopened", "Re-opened"
        CHANGE_REQUESTED = "change_requested", "Change requested"
        CHANGE_APPROVED = "change_approved", "Change approved"
        CHANGE_REFUSED = "change_refused", "Change refused"
        CHANGE_WITHDRAWN = "change_withdrawn", "Change request withdrawn"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name when they made the change: kept if they are renamed or deleted, so
    # the record still says who it was and publication still knows the name to take out.
    actor_name = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(help_text="The action's version after this change.")
    # {field name: [before, after]} with raw values; ``actions.history`` names the fields
    # and shows them.
    changes = models.JSONField(default=dict)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "history entries"

    def __str__(self) -> str:
        return f"{self.action}: {self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def shown_changes(self):
        """The changes with labels and display values: what history pages show."""
        from .history import shown

        return shown(self.changes)

    @property
    def actor_label(self) -> str:
        """Who made the change: their name now, else as recorded, else the system."""
        if self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        return self.actor_name or "System"


class PlanEvent(models.Model):
    """Plan-level events that must be on record: early locks, late windows, imports."""

    class Kind(models.TextChoices):
        LOCKED_EARLY = "locked_early", "Locked early"
        LATE_WINDOW = "late_window", "Late window granted"
        IMPORTED = "imported", "Plan imported"
        BASELINED = "baselined", "Plan approved and baselined"
        REBASELINED = "rebaselined", "Plan re-baselined"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    period = models.ForeignKey(
        ReportingPeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_kind_display()}"


class CarryOver(models.Model):
    """A plan year carried into the next: the open actions moved, the closed ones stayed.

    ``counts`` holds what was counted before and after (``actions.carry_over``), so the
    result page and the record read the same figures later.
    """

    from_plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="carry_over")
    to_plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="carried_in")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    themes = models.JSONField(default=dict, blank=True, help_text="Old theme → new theme.")
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="carry_over_into_another_plan", condition=~Q(from_plan=models.F("to_plan"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_plan} carried into {self.to_plan}"


# Imports run by the worker (issue 15): the upload, its preview, then the import. -----------


def import_file_name(job: ImportJob, filename: str) -> str:
    return f"pending-imports/{job.token.hex}"


class ImportJob(models.Model):
    """One uploaded plan or findings file: read and checked by the worker into a preview,
    then imported by the worker when the PMO who uploaded it confirms."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan"
        FINDINGS = "findings", "Findings"

    class State(models.TextChoices):
        READING = "reading", "Reading the file"
        COLUMNS = "columns", "Waiting for the columns"  # findings: the PMO says which is which
        CHECKING = "checking", "Checking the rows"
        PREVIEW = "preview", "Ready to check"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Nothing saved"  # the report says which rows to fix
        FAILED = "failed", "Failed"  # something unexpected; nothing saved

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to=import_file_name, blank=True, max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.READING)
    table = models.JSONField(null=True, blank=True, help_text="Findings: the file's cells.")
    mapping = models.JSONField(null=True, blank=True, help_text="Findings: the columns chosen.")
    report = models.JSONField(null=True, blank=True, help_text="The preview, then the outcome.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="import_job_plan_or_inspection",
                condition=(
                    Q(kind="plan", plan__isnull=False, inspection__isnull=True)
                    | Q(kind="findings", plan__isnull=True, inspection__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.filename}"

    def get_absolute_url(self) -> str:
        return reverse("import_job", args=[self.token])

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.READING, self.State.CHECKING, self.State.IMPORTING)


# Baseline and change control (issue 13): the end dates agreed when the plan was approved. ---


class PlanBaseline(models.Model):
    """The plan as approved: each action's end date and scope when it was taken.

    The trajectory is measured against the newest baseline in force; a re-baseline adds a
    new one and keeps the old ones for the record.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="baselines")
    number = models.PositiveIntegerField(help_text="1 for the plan as first approved.")
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_by_name = models.CharField(max_length=300, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="baseline_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan}: baseline {self.number}"

    @property
    def label(self) -> str:
        return "Original baseline" if self.number == 1 else f"Re-baseline {self.number - 1}"


class BaselineDateQuerySet(models.QuerySet):
    def in_force(self, plan_id: int) -> BaselineDateQuerySet:
        """The rows of the plan's newest baseline: what its actions are measured against."""
        newest = PlanBaseline.objects.filter(plan_id=plan_id).order_by("-number").values("pk")[:1]
        return self.filter(baseline_id=models.Subquery(newest))


class BaselineDate(models.Model):
    """One action as a baseline holds it: the end date and scope agreed then."""

    baseline = models.ForeignKey(PlanBaseline, on_delete=models.CASCADE, related_name="dates")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="baseline_dates")
    end_date = models.DateField(null=True, blank=True)
    requirement = models.TextField("scope", blank=True)

    objects = BaselineDateQuerySet.as_manager()

    class Meta:
        ordering = ["baseline", "action"]
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "action"], name="baseline_date_once_per_action"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} in {self.baseline}"


class ChangeRequest(models.Model):
    """A proposed change to a baselined action's end date or scope, decided by the PMO or the
    executive improvement board (seed 004: "proposed changes to the plan are reviewed and
    approved"). Approved, the action changes; refused or withdrawn, nothing does."""

    class Kind(models.TextChoices):
        END_DATE = "end_date", "End date"
        SCOPE = "scope", "Scope"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    current_end_date = models.DateField(null=True, blank=True)
    proposed_end_date = models.DateField(null=True, blank=True)
    current_requirement = models.TextField(blank=True)
    proposed_requirement = models.TextField(blank=True)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="change_request_end_date_proposed",
                condition=~Q(kind="end_date") | Q(proposed_end_date__isnull=False),
            ),
            models.CheckConstraint(
                name="change_request_scope_proposed",
                condition=~Q(kind="scope") | ~Q(proposed_requirement=""),
            ),
            models.CheckConstraint(
                name="change_request_decided_has_who",
                condition=Q(state__in=["pending", "withdrawn"]) | Q(decided_at__isnull=False),
            ),
            models.CheckConstraint(
                name="change_request_refusal_has_reason",
                condition=~Q(state="refused") | ~Q(decision_note=""),
            ),
        ]
        indexes = [models.Index(fields=["state", "decided_at"], name="change_request_decided")]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_kind_display()} change ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("change_request", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def summary(self) -> str:
        """'End date 31/03/2026 to 30/06/2026', 'Scope change': what the request asks."""
        if self.kind == self.Kind.END_DATE:
            before = f"{self.current_end_date:%d/%m/%Y}" if self.current_end_date else "none"
            after = f"{self.proposed_end_date:%d/%m/%Y}" if self.proposed_end_date else "none"
            return f"End date {before} to {after}"
        return "Scope change"
