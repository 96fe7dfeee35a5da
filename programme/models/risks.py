"""The trust's risk register and Board Assurance Framework (BAF) risks that a plan's actions,
findings and root causes link to, and how the inspection's themed risks line up with the
register (seed 003: "137 risks identified once themed; 69 already on the register but need
updating; 68 not on the register")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from actions.models import Action, Finding, Plan
from programme.models.workstreams import RootCause, Workstream


class RiskKind(models.TextChoices):
    REGISTER = "register", "Risk register"
    BAF = "baf", "Board Assurance Framework"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Alignment(models.TextChoices):
    """Where a risk themed from the inspection stands against the trust's register."""

    ON_REGISTER = "on_register", "On the register as it should be"
    NEEDS_UPDATE = "needs_update", "On the register but needs updating or rewording"
    NOT_ON_REGISTER = "not_on_register", "Not on the register: needs a risk assessment"


# The NHS 5x5 matrix (likelihood x consequence) and its rating bands.
BANDS = [
    (15, "extreme", "Extreme"),
    (8, "high", "High"),
    (4, "moderate", "Moderate"),
    (1, "low", "Low"),
]


def rating_band(score: int | None) -> tuple[str, str]:
    """('high', 'High') for a score of 12; ('', '') without a score."""
    if not score:
        return "", ""
    for floor, code, label in BANDS:
        if score >= floor:
            return code, label
    return "", ""  # pragma: no cover - scores start at 1


class RiskQuerySet(models.QuerySet):
    def in_plan(self, plan: Plan) -> RiskQuerySet:
        return self.filter(plan=plan)

    def baf(self) -> RiskQuerySet:
        return self.filter(kind=RiskKind.BAF)

    def themed(self) -> RiskQuerySet:
        """The risks themed from the inspection (the alignment table counts these)."""
        return self.exclude(alignment="")

    def for_listing(self) -> RiskQuerySet:
        return self.select_related("owner", "workstream").annotate(
            action_count=models.Count("actions", distinct=True),
            finding_count=models.Count("findings", distinct=True),
            root_cause_count=models.Count("root_causes", distinct=True),
        )


class Risk(models.Model):
    """A risk on the trust's register or its BAF, as the PMO keeps or imports it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(max_length=10, choices=RiskKind.choices, default=RiskKind.REGISTER)
    reference = models.CharField(
        max_length=30,
        blank=True,
        help_text="As the register or BAF writes it: R1234, BAF 3. Blank for a risk not on "
        "the register yet.",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_risks",
    )
    owner_name = models.CharField(
        max_length=200, blank=True, help_text="The owner as the register names them, if not a user."
    )
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    consequence = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Likelihood x consequence, 1 to 25."
    )
    status = models.CharField(max_length=8, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    theme = models.CharField(
        max_length=100, blank=True, help_text="The theme the inspection's findings gave it."
    )
    alignment = models.CharField(
        "alignment with the register",
        max_length=16,
        choices=Alignment.choices,
        blank=True,
        help_text="For a risk themed from the inspection: is it on the register, and right?",
    )
    workstream = models.ForeignKey(
        Workstream, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks"
    )
    actions = models.ManyToManyField(Action, blank=True, related_name="risks")
    findings = models.ManyToManyField(Finding, blank=True, related_name="risks")
    root_causes = models.ManyToManyField(RootCause, blank=True, related_name="risks")
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "kind", "reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"],
                condition=~Q(reference=""),
                name="risk_reference_unique_in_plan",
                violation_error_message="Another risk in this plan has this reference.",
            ),
            models.CheckConstraint(
                name="risk_score_1_to_25",
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=25),
                violation_error_message="The score is likelihood x consequence: 1 to 25.",
            ),
            models.CheckConstraint(
                name="risk_likelihood_1_to_5",
                condition=Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=5),
                violation_error_message="Likelihood is 1 (rare) to 5 (almost certain).",
            ),
            models.CheckConstraint(
                name="risk_consequence_1_to_5",
                condition=Q(consequence__isnull=True) | Q(consequence__gte=1, consequence__lte=5),
                violation_error_message="Consequence is 1 (negligible) to 5 (catastrophic).",
            ),
            models.CheckConstraint(
                name="risk_not_on_register_has_no_reference",
                condition=~Q(alignment="not_on_register") | Q(reference=""),
                violation_error_message="A risk not on the register has no register reference.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}" if self.reference else self.title

    def get_absolute_url(self) -> str:
        return reverse("risk", args=[self.pk])

    @property
    def band(self) -> str:
        return rating_band(self.score)[0]

    @property
    def band_label(self) -> str:
        return rating_band(self.score)[1]

    @property
    def owner_label(self) -> str:
        if self.owner_id and self.owner:
            return self.owner.get_full_name() or self.owner.get_username()
        return self.owner_name
