"""Regulatory notices (Section 29A warning notices, Section 31 conditions, requirement
notices) with their numbered conditions and the regulator's deadlines [seed 003]."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from actions.models import Action, Finding, Inspection, Plan


class NoticeKind(models.TextChoices):
    SECTION_29A = "section_29a", "Section 29A warning notice"
    SECTION_31 = "section_31", "Section 31 conditions"
    REQUIREMENT = "requirement_notice", "Requirement notice"


NOTICE_SHORT = {
    NoticeKind.SECTION_29A: "29A",
    NoticeKind.SECTION_31: "S31",
    NoticeKind.REQUIREMENT: "Requirement notice",
}


class ConditionStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    LIFTED = "lifted", "Lifted or removed by the CQC"


class NoticeQuerySet(models.QuerySet):
    def in_plan(self, plan: Plan) -> NoticeQuerySet:
        return self.filter(plan=plan)


class Notice(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="notices")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    reference = models.CharField(
        max_length=60, help_text="As the CQC's letter gives it, or a short name of your own."
    )
    core_service = models.CharField("core service", max_length=100, blank=True)
    issued_on = models.DateField("issued on", null=True, blank=True)
    deadline = models.DateField(
        "regulator's deadline",
        null=True,
        blank=True,
        help_text="The date the CQC expects the notice to be met by.",
    )
    summary = models.TextField(blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "kind", "issued_on", "reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "reference"],
                name="notice_reference_unique_in_plan",
                violation_error_message="This plan already has a notice of this kind with this "
                "reference.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    def get_absolute_url(self) -> str:
        return reverse("notice", args=[self.pk])

    @property
    def short_kind(self) -> str:
        return NOTICE_SHORT.get(NoticeKind(self.kind), self.kind)


class NoticeCondition(models.Model):
    """One numbered condition (or requirement) of a notice, with its own deadline."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="conditions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    deadline = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ConditionStatus.choices, default=ConditionStatus.OPEN
    )
    findings = models.ManyToManyField(Finding, blank=True, related_name="notice_conditions")
    actions = models.ManyToManyField(Action, blank=True, related_name="notice_conditions")

    class Meta:
        ordering = ["notice", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "number"],
                name="notice_condition_number_unique",
                violation_error_message="The notice already has a condition with this number.",
            ),
            models.CheckConstraint(
                name="notice_condition_number_positive", condition=models.Q(number__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} condition {self.number}"

    @property
    def due(self):
        """The condition's own deadline, else the notice's."""
        return self.deadline or self.notice.deadline
