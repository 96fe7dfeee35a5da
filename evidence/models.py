"""Evidence, closure requests, peer inspections, sign-offs and assurance meetings.

Blue means proven: an action becomes Blue only when a closure request, with its evidence,
is approved by someone the plan allows to sign off. Writes go through
``evidence.services``; reads that are reused live in ``evidence.selectors``.

A ``SignOff`` is the record of a decision and is never changed or deleted: its queryset
refuses ``update()`` and ``delete()``, the admin is read-only, and a database trigger
(migration 0002) refuses UPDATE and DELETE of its rows on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from actions.models import Action, FindingKind, Plan, Status

from .storage import evidence_file_name, evidence_storage


class ClosureSettings(models.Model):
    """Per plan: who may sign off a closure, and whether a peer inspection comes first.

    Created the first time the PMO saves it; until then ``selectors.closure_settings_for``
    gives the defaults (assurance reviewers and the action's exec lead; no inspection).
    """

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="closure_settings")
    reviewers_sign_off = models.BooleanField("Assurance reviewers", default=True)
    exec_lead_signs_off = models.BooleanField("The action's exec lead", default=True)
    pmo_signs_off = models.BooleanField("The PMO", default=False)
    peer_inspection_required = models.BooleanField(
        "Peer inspection required",
        default=False,
        help_text="A named inspector tests the change in practice (a CSPI visit) and "
        "records a pass before anyone can sign the closure off.",
    )

    class Meta:
        verbose_name = "closure settings"
        verbose_name_plural = "closure settings"
        constraints = [
            models.CheckConstraint(
                name="closure_settings_someone_signs_off",
                condition=Q(reviewers_sign_off=True)
                | Q(exec_lead_signs_off=True)
                | Q(pmo_signs_off=True),
                violation_error_message="Choose at least one group who may sign off.",
            )
        ]

    def __str__(self) -> str:
        return f"Closure settings for {self.plan}"

    @property
    def signers_label(self) -> str:
        names = []
        if self.reviewers_sign_off:
            names.append("assurance reviewers")
        if self.exec_lead_signs_off:
            names.append("the action's exec lead")
        if self.pmo_signs_off:
            names.append("the PMO")
        if len(names) > 1:
            return ", ".join(names[:-1]) + " or " + names[-1]
        return names[0] if names else "nobody"


class EvidenceQuerySet(models.QuerySet):
    def current(self) -> EvidenceQuerySet:
        """Not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Evidence(models.Model):
    """A file, a link or a note that shows an action is done and embedded."""

    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"
        NOTE = "note", "Note"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    description = models.CharField(max_length=500)
    file = models.FileField(
        storage=evidence_storage, upload_to=evidence_file_name, blank=True, max_length=100
    )
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(
        max_length=100, blank=True, help_text="As detected from the file's content."
    )
    size = models.PositiveBigIntegerField(null=True, blank=True)
    url = models.URLField("link", max_length=2000, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["action", "added_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                name="evidence_description_not_blank", condition=~Q(description="")
            ),
            models.CheckConstraint(
                name="evidence_file_has_file",
                condition=~Q(kind="file") | (~Q(file="") & ~Q(original_name="")),
            ),
            models.CheckConstraint(
                name="evidence_link_has_url", condition=~Q(kind="link") | ~Q(url="")
            ),
            models.CheckConstraint(
                name="evidence_note_has_note", condition=~Q(kind="note") | ~Q(note="")
            ),
            models.CheckConstraint(
                name="evidence_withdrawn_has_time",
                condition=Q(withdrawn_by__isnull=True) | Q(withdrawn_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_kind_display()} — {self.description}"

    def get_absolute_url(self) -> str:
        """Where the evidence opens: the download for a file, the action otherwise."""
        if self.kind == self.Kind.FILE:
            return reverse("evidence_download", args=[self.pk])
        return reverse("action", args=[self.action_id]) + f"#evidence-{self.pk}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def title(self) -> str:
        """How a list names it: the file's name, the link, or 'Note'."""
        if self.kind == self.Kind.FILE:
            return self.original_name
        if self.kind == self.Kind.LINK:
            return self.url
        return "Note"


class ClosureRequestQuerySet(models.QuerySet):
    def waiting(self) -> ClosureRequestQuerySet:
        return self.filter(state=ClosureRequest.State.REQUESTED)

    def in_plan(self, plan: Plan) -> ClosureRequestQuerySet:
        if plan.closed_at is None:
            return self.filter(action__plan=plan)
        # A closed plan's reports also read the closures of the actions carried on into the
        # new plan year (actions.carry_over), as asked for while they were in it.
        return self.filter(
            Q(action__plan=plan) | Q(action__carried_from=plan, requested_at__lte=plan.closed_at)
        )

    def for_listing(self) -> ClosureRequestQuerySet:
        return self.select_related(
            "action__plan", "action__action_lead", "requested_by", "sign_off__decided_by"
        )


class ClosureRequest(models.Model):
    """The action lead asks for the action to be closed: a summary and its evidence."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Closure requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="closure_requests")
    summary = models.TextField(help_text="What was done, and how the evidence shows it.")
    evidence = models.ManyToManyField(Evidence, related_name="closure_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    previous_status = models.CharField(
        max_length=1,
        choices=Status.choices,
        help_text="The action's status when closure was requested; a decline leaves it so.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ClosureRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=Q(state="requested"),
                name="one_waiting_closure_per_action",
                violation_error_message="This action already has a closure request waiting.",
            ),
            models.CheckConstraint(name="closure_summary_not_blank", condition=~Q(summary="")),
            models.CheckConstraint(
                name="closure_previous_status_not_blue", condition=~Q(previous_status="B")
            ),
            models.CheckConstraint(
                name="closure_withdrawn_has_time",
                condition=~Q(state="withdrawn") | Q(withdrawn_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="closure_state_requested")]

    def __str__(self) -> str:
        return f"Closure of {self.action} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("closure", args=[self.pk])

    @property
    def is_waiting(self) -> bool:
        return self.state == self.State.REQUESTED

    @property
    def decision(self) -> SignOff | None:
        """The sign-off record, if decided (uses ``select_related`` when present)."""
        try:
            return self.sign_off
        except SignOff.DoesNotExist:
            return None

    # What the exception report reads from a declined (or approved) closure.
    @property
    def decided_at(self):
        return self.decision.decided_at if self.decision else None

    @property
    def decided_by(self):
        return self.decision.decided_by if self.decision else None

    @property
    def reason(self) -> str:
        return self.decision.reason if self.decision else ""

    @property
    def inspection(self) -> PeerInspection | None:
        try:
            return self.peer_inspection
        except PeerInspection.DoesNotExist:
            return None


class PeerInspection(models.Model):
    """A named inspector tests the change in practice (a CSPI visit): passed or failed."""

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    closure = models.OneToOneField(
        ClosureRequest, on_delete=models.CASCADE, related_name="peer_inspection"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="peer_inspections"
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    named_at = models.DateTimeField()
    outcome = models.CharField(max_length=6, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-named_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="inspection_outcome_recorded_together",
                condition=Q(outcome="", recorded_at__isnull=True)
                | (~Q(outcome="") & Q(recorded_at__isnull=False) & ~Q(note="")),
            )
        ]

    def __str__(self) -> str:
        return f"Peer inspection of {self.closure.action}"

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None

    @property
    def passed(self) -> bool:
        return self.outcome == self.Outcome.PASSED


class AssuranceMeeting(models.Model):
    """A meeting of the Evidence Assurance Group, and the closures presented to it."""

    name = models.CharField(max_length=200, default="Evidence Assurance Group")
    held_on = models.DateField("date")
    presented = models.ManyToManyField(
        ClosureRequest, blank=True, related_name="meetings", verbose_name="closures presented"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = "assurance meeting"

    def __str__(self) -> str:
        return f"{self.name}, {self.held_on:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("meeting", args=[self.pk])


class SignOffImmutable(Exception):
    """Sign-off records are never changed or deleted."""


class SignOffQuerySet(models.QuerySet):
    """No bulk changes: a sign-off, once written, stands."""

    def update(self, **kwargs):
        raise SignOffImmutable("Sign-off records cannot be changed.")

    def delete(self):
        raise SignOffImmutable("Sign-off records cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise SignOffImmutable("Sign-off records cannot be changed.")


class SignOff(models.Model):
    """The decision on a closure request: approved (the action is Blue) or declined."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    closure = models.OneToOneField(
        ClosureRequest, on_delete=models.PROTECT, related_name="sign_off"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sign_offs"
    )
    decided_at = models.DateTimeField()
    meeting = models.ForeignKey(
        AssuranceMeeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        help_text="The assurance meeting where the decision was taken, if any.",
    )

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = "sign-off"
        constraints = [
            models.CheckConstraint(
                name="signoff_decline_has_reason",
                condition=~Q(decision="declined") | ~Q(reason=""),
                violation_error_message="Give a reason for declining the closure.",
            )
        ]
        indexes = [models.Index(fields=["decision", "decided_at"], name="signoff_decision_at")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.closure.action} at {self.decided_at:%Y-%m-%d}"

    @property
    def approved(self) -> bool:
        return self.decision == self.Decision.APPROVED


class Reopening(models.Model):
    """The PMO or an exec lead re-opens a Blue action, with a reason. The sign-off stands."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reopenings")
    closure = models.ForeignKey(
        ClosureRequest, null=True, on_delete=models.PROTECT, related_name="reopenings"
    )
    reason = models.TextField()
    status_after = models.CharField(max_length=1, choices=Status.choices)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField()

    class Meta:
        ordering = ["-reopened_at", "-id"]
        constraints = [
            models.CheckConstraint(name="reopening_reason_not_blank", condition=~Q(reason="")),
            models.CheckConstraint(name="reopening_not_to_blue", condition=~Q(status_after="B")),
        ]

    def __str__(self) -> str:
        return f"{self.action} re-opened at {self.reopened_at:%Y-%m-%d}"


# Finding kinds as the assurance table groups them (seed 003: "Conditions: 29A, S31", then
# musts, then shoulds). Regulatory requirement notices have a column of their own, shown only
# when a closure of one is in the table (seed 003 has none; seed 000's plan does).
KIND_GROUPS: dict[str, str] = {
    FindingKind.SECTION_29A: "s29a",
    FindingKind.SECTION_31: "s31",
    FindingKind.REGULATORY: "regulatory",
    FindingKind.MUST: "must",
    FindingKind.SHOULD: "should",
}
KIND_GROUP_LABELS: dict[str, str] = {
    "s29a": "Section 29A",
    "s31": "Section 31",
    "regulatory": "Requirement notices",
    "must": "Must do",
    "should": "Should do",
}
# Always shown, as seed 003 lays the table out; the others only when they have closures.
KIND_GROUPS_ALWAYS_SHOWN = ("s29a", "s31", "must", "should")
