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


class ReminderOptOut(models.Model):
    """A lead who asked for no more scheduled reminder emails for one plan.

    Set from the List-Unsubscribe link of a reminder (or its page), undone there too. The
    PMO's nudges still reach them: a nudge is a person asking, not the schedule.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reminder_opt_outs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "user"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "user"], name="reminder_opt_out_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} has no reminders for {self.plan}"


# The monthly board highlight report ------------------------------------------------------


def board_report_file_name(instance: BoardReport, filename: str) -> str:
    """'board-reports/<plan>/2019-05-v2.pdf': one file per version, never overwritten."""
    return f"board-reports/{instance.plan_id}/{instance.month:%Y-%m}-v{instance.version}.pdf"


class BoardReportQuerySet(models.QuerySet):
    def of_plan(self, plan: Plan) -> BoardReportQuerySet:
        return self.filter(plan=plan)

    def newest_first(self) -> BoardReportQuerySet:
        return self.order_by("-month", "-version", "-id")

    def for_listing(self) -> BoardReportQuerySet:
        return self.select_related("requested_by").defer("document", "executive_summary")


class BoardReport(models.Model):
    """One version of a plan's monthly highlight report for the board, and its PDF.

    The PMO writes the cover sheet and the words that need a person; the figures are read
    from the plan as it stood at the month's end and frozen in ``document`` when rendered.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RENDERING = "rendering", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class AskedTo(models.TextChoices):
        APPROVE = "approve", "Approve"
        RECEIVE = "receive", "Receive"
        NOTE = "note", "Note"
        ASSURANCE = "assurance", "Take assurance"

    class EqualityImpact(models.TextChoices):
        """Seed 004's cover: the equality impact assessment's stage."""

        STAGE_1 = "stage_1", "Stage 1 only (no negative impact identified)"
        STAGE_2 = (
            "stage_2",
            (
                "Stage 2 recommended (negative impact identified and equality impact assessment "
                "attached for Board approval)"
            ),
        )

    class FoiStatus(models.TextChoices):
        """Seed 004's cover: the paper's status under the Freedom of Information Act (2000)."""

        FULL = "full", "This paper is suitable for publication"
        PART_EXEMPT = "part_exempt", "This paper includes information exempt under the FOI Act"
        EXEMPT = "exempt", "This whole paper is exempt under the FOI Act"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="board_reports")
    month = models.DateField(help_text="The first day of the month the report is for.")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to=board_report_file_name, blank=True, max_length=200)
    document = models.JSONField(null=True, blank=True)

    # The cover sheet, as in the board papers.
    meeting = models.CharField(max_length=200, default="Trust Board")
    paper_title = models.CharField(max_length=300)
    meeting_date = models.DateField("date of meeting", null=True, blank=True)
    written_on = models.DateField("date paper was written", null=True, blank=True)
    responsible_director = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    previously_considered_by = models.TextField(
        blank=True,
        help_text="The committees or groups that saw this paper, or a summary of it, before.",
    )
    asked_to = models.CharField(
        "the board is asked to", max_length=10, choices=AskedTo.choices, default=AskedTo.NOTE
    )
    key_questions = models.JSONField(
        "CQC key questions", default=list, blank=True, help_text="Which the paper links to."
    )
    strategic_objectives = models.TextField(
        "link to strategic objectives",
        blank=True,
        help_text="The trust's strategic objectives this paper supports, one a line.",
    )
    baf_risks = models.TextField(
        "other board assurance framework risks",
        blank=True,
        help_text="Free text: BAF risks not in the plan's risk list (earlier reports named "
        "them here).",
    )
    baf_risk_links = models.ManyToManyField(
        "programme.Risk",
        blank=True,
        related_name="board_reports",
        verbose_name="board assurance framework risks",
    )
    equality_impact = models.CharField(
        "equality impact assessment", max_length=10, choices=EqualityImpact.choices, blank=True
    )
    foi_status = models.CharField(
        "Freedom of Information Act (2000) status",
        max_length=12,
        choices=FoiStatus.choices,
        default=FoiStatus.FULL,
    )
    financial_assessment = models.TextField(
        blank=True, help_text="Is there a financial impact associated with the paper?"
    )
    executive_summary = models.TextField(blank=True)
    risks = models.TextField("risks and mitigations", blank=True)
    next_steps = models.TextField(blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BoardReportQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-month", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "month", "version"], name="board_report_version_unique"
            ),
            models.CheckConstraint(name="board_report_month_first_day", condition=Q(month__day=1)),
            models.CheckConstraint(
                name="board_report_progress_percent", condition=Q(progress__lte=100)
            ),
            models.CheckConstraint(
                name="board_report_ready_has_pdf", condition=~Q(status="ready") | ~Q(pdf="")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("board_report", args=[self.pk])

    @property
    def month_label(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def title(self) -> str:
        """'Board highlight report: May 2019 (version 2)'."""
        version = f" (version {self.version})" if self.version > 1 else ""
        return f"Board highlight report: {self.month_label}{version}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.State.READY, self.State.FAILED)

    @property
    def is_ready(self) -> bool:
        return self.status == self.State.READY


class Committee(models.Model):
    """A committee the finished board pack goes to (the Board, Quality Committee, IGC…),
    with its distribution list: one address a line, "Name <email>" or the email alone."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="committees")
    name = models.CharField(max_length=200)
    recipients = models.TextField(
        help_text='One a line: "Name <name@trust.nhs.uk>" or the address alone.'
    )
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="committee_name_unique_in_plan",
                violation_error_message="The plan already has a committee of that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def addresses(self) -> list[tuple[str, str]]:
        """(name, email) for each line of the list."""
        from email.utils import parseaddr

        found = []
        for line in self.recipients.splitlines():
            if line.strip():
                name, email = parseaddr(line.strip())
                found.append((name, email.lower()))
        return found


class BoardReportSending(models.Model):
    """One version of a board report sent to one committee's list: who, when, to whom.

    Once per committee and version; the PMO's "Send again" makes the next ``round``. Claimed
    in the database before it is sent, like the exception report's emails.
    """

    report = models.ForeignKey(BoardReport, on_delete=models.CASCADE, related_name="sendings")
    committee = models.ForeignKey(
        Committee, null=True, on_delete=models.SET_NULL, related_name="sendings"
    )
    committee_name = models.CharField(max_length=200, help_text="As it was when sent.")
    recipients = models.JSONField(default=list, help_text='[["name", "email"], …] when sent.')
    round = models.PositiveIntegerField(default=1, help_text="2 and up: sent again on request.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    as_link = models.BooleanField(default=False, help_text="Too large to attach: sent a link.")
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "committee_name", "round"],
                name="board_report_sent_once_per_committee_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} to {self.committee_name}"


# Public publication (issue 6): the plan as the trust publishes it, names taken out. --------


class PublicationSettings(models.Model):
    """What the PMO's next publication of a plan shows: fields, summary, glossary.

    The public address's slug is fixed the first time, so every snapshot of the plan keeps
    its address even if the plan is renamed.
    """

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="publication_settings")
    slug = models.SlugField(max_length=80, unique=True)
    fields = models.JSONField(default=list, help_text="The action fields the public sees.")
    highlights = models.TextField(blank=True)
    challenges = models.TextField(blank=True)
    glossary = models.JSONField(default=list, help_text='[{"term": …, "definition": …}]')
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "publication settings"
        verbose_name_plural = "publication settings"

    def __str__(self) -> str:
        return f"Publication settings of {self.plan}"


class PublicationImmutable(Exception):
    """A publication (and its withdrawal) is never changed or deleted."""


class FrozenQuerySet(models.QuerySet):
    """No bulk changes: what was published stays on record exactly as published."""

    def update(self, **kwargs):
        raise PublicationImmutable("Publications cannot be changed.")

    def delete(self):
        raise PublicationImmutable("Publications cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PublicationImmutable("Publications cannot be changed.")


class PublicationQuerySet(FrozenQuerySet):
    def current(self) -> PublicationQuerySet:
        return self.filter(withdrawal__isnull=True)

    def newest_first(self) -> PublicationQuerySet:
        return self.order_by("-published_at", "-number", "-id")

    def with_pdf_ready(self) -> PublicationQuerySet:
        """``pdf_ready`` on each row, without reading the PDF itself."""
        return self.defer("pdf").annotate(
            pdf_ready=models.ExpressionWrapper(
                Q(pdf__isnull=False), output_field=models.BooleanField()
            )
        )

    def store_pdf(self, *, pk: int, pdf: bytes) -> bool:
        """Store a publication's PDF if it has none yet: the one write the database allows
        after publishing (migration 0003's trigger). False if it was already stored."""
        rows = self.filter(pk=pk, pdf__isnull=True)
        return models.QuerySet.update(rows, pdf=pdf) == 1


class Publication(models.Model):
    """One published snapshot of a plan: the redacted document and its PDF, frozen.

    A database trigger (migration 0003) refuses UPDATE and DELETE of its rows, bar storing
    the PDF once: a worker makes it after publishing (``pdf`` is NULL until then).
    Withdrawal is a separate record, so the snapshot stays on record as the public saw it.
    """

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="publications")
    slug = models.SlugField(max_length=80)
    number = models.PositiveIntegerField(help_text="1 for the plan's first publication, …")
    token = models.UUIDField(unique=True, help_text="The preview it was published from.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=300)
    content = models.JSONField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the content as published.")
    pdf = models.BinaryField(null=True, help_text="Made by a worker after publishing; stored once.")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "number"], name="publication_address_unique"),
            models.UniqueConstraint(fields=["plan", "number"], name="publication_number_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("publication_public", args=[self.slug, self.number])


class PublicationWithdrawal(models.Model):
    """The PMO took a publication down: its address then answers 410 Gone. Final."""

    publication = models.OneToOneField(
        Publication, on_delete=models.PROTECT, related_name="withdrawal"
    )
    withdrawn_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["-withdrawn_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="publication_withdrawal_has_reason", condition=~Q(reason="")
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication} withdrawn"
