"""Workstreams (a trust's improvement steering groups, strategic priorities or divisions) and
the root causes a finding is unpacked into."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from actions.models import Action, Finding, Plan
from kpis.models import Kpi


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly (sprints)"
    MONTHLY = "monthly", "Monthly"


class Workstream(models.Model):
    """A group of a plan's actions with one accountable executive and its own cadence."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="workstreams")
    name = models.CharField(max_length=200)
    executive = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accountable_workstreams",
        help_text="The accountable executive.",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_workstreams",
        help_text="Who runs the workstream day to day (optional).",
    )
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.FORTNIGHTLY)
    cadence_starts_on = models.DateField(
        "sprints count from",
        null=True,
        blank=True,
        help_text="Optional: the day its first update was due; else the plan's cycle start.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    actions = models.ManyToManyField(
        Action, through="WorkstreamAction", related_name="workstreams", blank=True
    )
    kpis = models.ManyToManyField(Kpi, related_name="workstreams", blank=True)

    class Meta:
        ordering = ["plan", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="workstream_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class WorkstreamAction(models.Model):
    """An action belongs to at most one workstream."""

    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="+")
    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="workstream_link")

    def __str__(self) -> str:
        return f"{self.action} in {self.workstream}"


class RootCause(models.Model):
    """One of the root causes a finding was unpacked into (seed 004: 21 Must Do findings
    became 47 Must Do root causes)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="root_causes")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="root_causes")
    ref = models.CharField("ref.", max_length=20)
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_root_causes",
    )
    workstream = models.ForeignKey(
        Workstream,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="root_causes",
    )
    actions = models.ManyToManyField(Action, related_name="root_causes", blank=True)
    due_date = models.DateField(null=True, blank=True)
    kpi = models.ForeignKey(
        Kpi, null=True, blank=True, on_delete=models.SET_NULL, related_name="root_causes"
    )

    class Meta:
        ordering = ["plan", "ref", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="root_cause_ref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.description[:60]}"


class ProgrammeSettings(models.Model):
    """How a plan names its workstreams: "Improvement steering group", "Strategic priority"."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="programme_settings")
    workstream_term = models.CharField(
        "what the plan calls a workstream",
        max_length=60,
        default="Workstream",
        help_text="For example Improvement steering group, Strategic priority or Division.",
    )
    workstream_term_plural = models.CharField(
        "the plural",
        max_length=60,
        blank=True,
        help_text="Leave blank to add an s (Strategic priority: write Strategic priorities).",
    )

    class Meta:
        verbose_name = "programme settings"
        verbose_name_plural = "programme settings"

    def __str__(self) -> str:
        return f"Programme settings of {self.plan}"

    @property
    def plural(self) -> str:
        return self.workstream_term_plural or f"{self.workstream_term}s"


class WorkstreamNarrative(models.Model):
    """A workstream's monthly narrative (seed 003 section 2): one per workstream per month."""

    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="narratives")
    month = models.DateField(help_text="The first day of the month it reports on.")
    progress = models.TextField("progress since last month", blank=True)
    risks = models.TextField("key risks and concerns", blank=True)
    mitigation = models.TextField(blank=True)
    next_steps = models.TextField("next steps", blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["workstream", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["workstream", "month"], name="workstream_narrative_once_a_month"
            ),
            models.CheckConstraint(
                name="workstream_narrative_month_first_day",
                condition=models.Q(month__day=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workstream}, {self.month:%B %Y}"
