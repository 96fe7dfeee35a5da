"""KPIs that show the plan's actions worked [seed 004], and their dated values.

Writes go through ``kpis.services``; reads that are reused are QuerySet methods here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from actions.models import KeyQuestion, Plan


class Direction(models.TextChoices):
    """Which way is better, as kpis.spc.Direction names it."""

    INCREASE = "increase", "Higher is better"
    DECREASE = "decrease", "Lower is better"


class KpiQuerySet(models.QuerySet):
    def in_plan(self, plan: Plan) -> KpiQuerySet:
        return self.filter(plan=plan)

    def owned_by(self, user) -> KpiQuerySet:
        return self.filter(owner=user) if user.is_authenticated else self.none()

    def in_open_plans(self) -> KpiQuerySet:
        return self.filter(plan__closed_at__isnull=True)

    def with_latest(self) -> KpiQuerySet:
        """Annotate ``latest_date`` and ``latest_value``: two subqueries, not a query per KPI."""
        latest = KpiValue.objects.filter(kpi=OuterRef("pk")).order_by("-date")
        return self.annotate(
            latest_date=Subquery(latest.values("date")[:1]),
            latest_value=Subquery(latest.values("value")[:1]),
        )

    def for_listing(self) -> KpiQuerySet:
        return self.select_related("owner", "plan")


class Kpi(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="kpis")
    ref = models.CharField(
        "ref.", max_length=20, blank=True, help_text="Optional: how the plan refers to it (K1)."
    )
    name = models.CharField(max_length=200)
    unit = models.CharField(
        max_length=40, blank=True, help_text="What a value counts: %, days, patients…"
    )
    direction = models.CharField("improvement direction", max_length=10, choices=Direction.choices)
    target = models.FloatField(
        null=True, blank=True, help_text="Optional. With a target the chart shows assurance."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_kpis",
        help_text="Who enters its values.",
    )
    key_question = models.CharField("CQC key question", max_length=12, choices=KeyQuestion.choices)
    description = models.TextField(
        blank=True, help_text="What it measures, where the data comes from, how often."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KpiQuerySet.as_manager()

    class Meta:
        verbose_name = "KPI"
        ordering = ["plan", "key_question", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="kpi_name_unique_in_plan",
                violation_error_message="Another KPI in this plan has this name.",
            ),
            models.UniqueConstraint(
                fields=["plan", "ref"],
                condition=~Q(ref=""),
                name="kpi_ref_unique_in_plan",
                violation_error_message="Another KPI in this plan has this Ref.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}" if self.ref else self.name

    def get_absolute_url(self) -> str:
        return reverse("kpi", args=[self.pk])


class KpiValue(models.Model):
    """One value of a KPI for one period (its date). A second value for the date replaces it."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    date = models.DateField(help_text="The day the period ends (or the day measured).")
    value = models.FloatField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        verbose_name = "KPI value"
        ordering = ["kpi", "date"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "date"], name="kpi_value_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value:g} on {self.date:%d/%m/%Y}"


class KpiValueReplaced(models.Model):
    """A value that a later one for the same date replaced: who entered each, and when."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="replaced_values")
    date = models.DateField()
    old_value = models.FloatField()
    old_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_entered_at = models.DateTimeField()
    new_value = models.FloatField()
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_at = models.DateTimeField()
    source = models.CharField(max_length=200, blank=True, help_text="The import file, if any.")

    class Meta:
        verbose_name = "replaced KPI value"
        ordering = ["kpi", "-replaced_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kpi} {self.date:%d/%m/%Y}: {self.old_value:g} → {self.new_value:g}"
