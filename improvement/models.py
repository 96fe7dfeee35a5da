"""Operational records: what the automation did, so the PMO can see that it is alive."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TaskRunQuerySet(models.QuerySet):
    def failed(self) -> TaskRunQuerySet:
        return self.filter(ok=False)

    def named(self, names) -> TaskRunQuerySet:
        return self.filter(task_name__in=list(names))


class TaskRun(models.Model):
    """One run of one Celery task on a worker: when, how long, and the error if it failed."""

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    worker = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # None while it runs (or if the worker died mid-run); True or False once it finished.
    ok = models.BooleanField(null=True)
    error = models.TextField(blank=True)

    objects = TaskRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["task_name", "-started_at"], name="taskrun_name_started"),
            models.Index(fields=["ok", "-started_at"], name="taskrun_ok_started"),
        ]

    def __str__(self) -> str:
        state = {True: "ok", False: "failed", None: "running"}[self.ok]
        return f"{self.task_name} at {self.started_at:%Y-%m-%d %H:%M:%S} ({state})"

    @property
    def short_name(self) -> str:
        """'lock_due_periods' for 'actions.tasks.lock_due_periods'."""
        return self.task_name.rsplit(".", 1)[-1]

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Heartbeat(models.Model):
    """The last time a process that has no web page showed it was alive (beat: each send)."""

    name = models.CharField(max_length=100, unique=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class TwoFactorEvent(models.Model):
    """A change to someone's two-factor sign-in: set up, new recovery codes, or a reset."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", "Set up two-factor sign-in"
        CODES_REGENERATED = "codes_regenerated", "Made new recovery codes"
        RESET = "reset", "Two-factor sign-in reset"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    # Who did it: the person themselves, or the PMO or an administrator for a reset.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="twofactorevent_user_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} at {self.at:%Y-%m-%d %H:%M}"


class PeopleChange(models.Model):
    """One change to someone's account or roles: who made it, when, before and after.

    People are never deleted (their names stay on the plan's history), so neither is this.
    """

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        DETAILS = "details", "Details changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        ROLE_GIVEN = "role_given", "Role given"
        ROLE_TAKEN = "role_taken", "Role taken away"
        EXEC_ROLE = "exec_role", "Executive role holder changed"
        SIGN_IN_EMAIL = "sign_in_email", "Sign-in email sent"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="people_changes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What changed ("Email", "PMO", "DWOD"), and its value before and after, as text: the
    # record reads the same after names and roles change again.
    what = models.CharField(max_length=200, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="peoplechange_person_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person} at {self.at:%Y-%m-%d %H:%M}"
