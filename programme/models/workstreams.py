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
