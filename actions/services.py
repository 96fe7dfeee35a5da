"""Every write to the plan: one function per change, each in one transaction.

Views, forms, the admin, tasks and management commands all call these, so the rules
(the lock above all) hold whoever asks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from improvement import people
from improvement import text as typed
from improvement.models import PeopleChange

from . import history, schedule
from .models import (
    Action,
    BaselineDate,
    ExecRole,
    Finding,
    HistoryEntry,
    LateWindow,
    PeriodSnapshot,
    Plan,
    PlanEvent,
    RecoveryPlan,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)

logger = logging.getLogger(__name__)

BLANK_UPDATE_MESSAGE = "Enter an update, or choose On plan. A blank update counts as not reviewed."
ON_PLAN = "On plan"
PAST_END_ON_PLAN_MESSAGE = (
    "This action is past its end date: say what is happening and when it will finish"
)
OFF_TRACK_ON_PLAN_MESSAGE = (
    "This action is {status}: say what is off track and what is being done to recover it"
)


def is_bare_on_plan(narrative: str) -> bool:
    """The whole narrative is "On plan" (give or take case and a full stop)."""
    return (narrative or "").strip().rstrip(".!").strip().casefold() == ON_PLAN.casefold()


def on_plan_refusal(*, action: Action, status: str, today: dt.date) -> str:
    """Why "On plan" alone is not enough on this action, or "" when it will do.

    The SOP accepts "On plan" when nothing has changed; an action past its end date, or
    Red or Amber (as it stands or as the lead now says), needs a real narrative.
    """
    if action.end_date is not None and action.end_date < today:
        return PAST_END_ON_PLAN_MESSAGE
    for value in (status, action.status):
        if value in (Status.RED, Status.AMBER):
            return OFF_TRACK_ON_PLAN_MESSAGE.format(status=Status(value).label)
    return ""


LOCK_REASON_MESSAGE = "Give a reason for locking the plan early. Action leads see it on My actions."


class LockSweepIncomplete(Exception):
    """Some plans could not be locked; the others were. Raised after trying every plan."""

    def __init__(self, failed: list[Plan], locked: list[ReportingPeriod]):
        self.failed = failed
        self.locked = locked
        super().__init__("Could not lock the due periods of: " + ", ".join(str(p) for p in failed))


class PeriodLocked(Exception):
    """The period had locked when the save arrived; nothing was saved."""

    def __init__(self, period: ReportingPeriod):
        self.period = period
        super().__init__(
            f"This period locked at {period.lock_time_label}; your update was not saved"
        )


class PeriodAlreadyLocked(Exception):
    """The PMO pressed "Lock plan now" on a period already locked; nothing was recorded."""

    def __init__(self, period: ReportingPeriod):
        self.period = period
        at = timezone.localtime(period.locked_at, period.plan.tz)
        if period.lock_kind == ReportingPeriod.LockKind.SCHEDULED:
            by = "the schedule, at its deadline"
        elif period.locked_by is not None:
            by = period.locked_by.get_full_name() or period.locked_by.get_username()
        else:
            by = "the lock_period command"
        why = f" ({period.lock_reason})" if period.lock_reason else ""
        super().__init__(
            f"{period.label} was already locked on {at:%A} {at.day} {at:%B %Y} at {at:%H:%M} "
            f"by {by}{why}. Nothing was changed."
        )


@dataclass
class EditConflict(Exception):
    """Someone else saved first; ``changes`` says what they changed."""

    message: str
    changes: list[HistoryEntry] = field(default_factory=list)
    current: Any = None

    def __str__(self) -> str:
        return self.message


class PlanReadOnly(ValidationError, PermissionDenied):
    """The plan is closed: its open actions went on into a new plan year.

    A ValidationError, so forms show it; a PermissionDenied, so a view that does not
    catch it answers 403 with the message rather than failing.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        closed = timezone.localtime(plan.closed_at, plan.tz) if plan.closed_at else None
        when = f" on {closed:%d %b %Y}" if closed else ""
        super().__init__(
            f"“{plan}” closed{when}, when its open actions were carried into a new plan "
            "year. It is kept as it stood and takes no more changes; work on the new plan."
        )


def plan_ensure_writable(plan: Plan) -> None:
    """Refuse any write to a closed plan. No query: it reads the plan already loaded."""
    if plan.closed_at is not None:
        raise PlanReadOnly(plan)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _record(
    *,
    action: Action,
    actor: User | None,
    kind: str,
    changes: dict[str, list[Any]],
    at: dt.datetime,
    note: str = "",
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        action=action,
        actor=actor,
        actor_name=history.user_name(actor),
        at=at,
        kind=kind,
        version=action.version,
        changes=changes,
        note=note,
    )


# Reporting periods ---------------------------------------------------------------------


def period_for_deadline(*, plan: Plan, deadline: dt.datetime) -> ReportingPeriod:
    """The period ending at ``deadline``, created the first time anyone needs it."""
    # One row at most (period_deadline_unique): no ordering, so no join to the plan.
    period = ReportingPeriod.objects.filter(plan=plan, deadline=deadline).order_by().first()
    if period is not None:
        period.plan = plan
        return period
    try:
        with transaction.atomic():
            period, _ = ReportingPeriod.objects.get_or_create(plan=plan, deadline=deadline)
    except IntegrityError:  # another request created it between our read and write
        period = ReportingPeriod.objects.get(plan=plan, deadline=deadline)
    period.plan = plan
    return period


def period_current(*, plan: Plan, now: dt.datetime | None = None) -> ReportingPeriod:
    """The open period: the first one whose deadline is still ahead and not locked early.

    Reads only, for pages: a period nobody has saved an update for or locked yet has no
    row, and comes back unsaved (``pk`` None) with its plan and deadline. Writers that
    need the row call ``period_current_row``, or pass this one to ``update_submit``,
    which creates it inside its own transaction.
    """
    now = _now(now)
    for deadline in schedule.deadlines_after(plan, now):
        # One row at most (period_deadline_unique): no ordering, so no join to the plan.
        period = ReportingPeriod.objects.filter(plan=plan, deadline=deadline).order_by().first()
        if period is None:
            return ReportingPeriod(plan=plan, deadline=deadline)
        period.plan = plan
        if not period.is_locked:
            return period
    raise AssertionError("unreachable: the schedule never ends")  # pragma: no cover


def period_current_row(*, plan: Plan, now: dt.datetime | None = None) -> ReportingPeriod:
    """The open period's row, created the first time a writer needs it (reminders, nudges)."""
    period = period_current(plan=plan, now=now)
    if period.pk is None:
        period = period_for_deadline(plan=plan, deadline=period.deadline)
    return period


def _period_lock(
    *,
    period: ReportingPeriod,
    locked_at: dt.datetime,
    kind: str,
    by: User | None = None,
    reason: str = "",
    now: dt.datetime,
) -> bool:
    """Lock ``period`` unless already locked, and freeze the snapshot. True if it locked now."""
    with transaction.atomic():
        period = (
            ReportingPeriod.objects.select_for_update().select_related("plan").get(pk=period.pk)
        )
        if period.is_locked:
            return False
        period.locked_at = locked_at
        period.lock_kind = kind
        period.locked_by = by
        period.lock_reason = reason
        period.lock_recorded_at = now
        period.save(
            update_fields=["locked_at", "lock_kind", "locked_by", "lock_reason", "lock_recorded_at"]
        )
        _snapshot_take(period=period)
    return True


def _snapshot_take(*, period: ReportingPeriod) -> None:
    """Freeze what every action's update said when ``period`` locked."""
    updates = {u.action_id: u for u in WeeklyUpdate.objects.filter(period=period)}
    PeriodSnapshot.objects.bulk_create(
        [
            PeriodSnapshot(
                period=period,
                action=action,
                action_status=action.status,
                updated=action.pk in updates,
                update_status=updates[action.pk].status if action.pk in updates else "",
                narrative=updates[action.pk].narrative if action.pk in updates else "",
                action_lead_id=action.action_lead_id,
                ref=action.ref,
                theme=action.theme,
                department=action.department,
                kind=action.kind,
                requirement=action.requirement,
                end_date=action.end_date,
                exec_leads=action.exec_lead_label,
            )
            for action in Action.objects.filter(plan=period.plan).prefetch_related("exec_roles")
        ]
    )


def plan_lock_due(*, plan: Plan, now: dt.datetime | None = None) -> list[ReportingPeriod]:
    """Lock every period of ``plan`` whose deadline has passed, each exactly once."""
    now = _now(now)
    first = schedule.first_deadline(plan)
    if first > now or plan.closed_at is not None:  # a closed plan's last lock is its last
        return []
    # A set: no ordering, so no join to the plan (ReportingPeriod orders by plan first).
    locked_deadlines = set(
        plan.periods.filter(locked_at__isnull=False).order_by().values_list("deadline", flat=True)
    )
    locked_now = []
    before_first = first - dt.timedelta(microseconds=1)
    for deadline in schedule.deadlines_between(plan, before_first, now):
        if deadline in locked_deadlines:
            continue
        period = period_for_deadline(plan=plan, deadline=deadline)
        if _period_lock(
            period=period, locked_at=deadline, kind=ReportingPeriod.LockKind.SCHEDULED, now=now
        ):
            locked_now.append(period)
    return locked_now


def periods_lock_due(*, now: dt.datetime | None = None) -> list[ReportingPeriod]:
    """The catch-up the beat runs every few minutes: safe to run twice or after days down."""
    now = _now(now)
    locked: list[ReportingPeriod] = []
    failed: list[Plan] = []
    first_error: Exception | None = None
    for plan in Plan.objects.all():
        try:
            locked.extend(plan_lock_due(plan=plan, now=now))
        except Exception as error:  # one broken plan must not stop the others' locks
            logger.exception("Could not lock the due periods of plan %s (%s)", plan.pk, plan)
            failed.append(plan)
            first_error = first_error or error
    if failed:
        raise LockSweepIncomplete(failed, locked) from first_error
    return locked


def plan_lock_now(
    *, plan: Plan, by: User | None, reason: str, now: dt.datetime | None = None
) -> ReportingPeriod:
    """The PMO's "Lock plan now": locks the open period early, with a reason on record.

    Raises ``PeriodAlreadyLocked`` (and records nothing) if that period is already locked.
    """
    now = _now(now)
    plan_ensure_writable(plan)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": LOCK_REASON_MESSAGE})
    plan_lock_due(plan=plan, now=now)
    # The period in progress, locked or not: if it is already locked early (a double click,
    # two PMOs at once, the command run twice), that lock stands. Taking the next open period
    # instead would lock the week that has only just opened.
    deadline = schedule.next_deadline_after(plan, now)
    period = period_for_deadline(plan=plan, deadline=deadline)
    with transaction.atomic():
        locked = _period_lock(
            period=period,
            locked_at=now,
            kind=ReportingPeriod.LockKind.EARLY,
            by=by,
            reason=reason,
            now=now,
        )
        if locked:  # only a lock that happened goes on the record
            PlanEvent.objects.create(
                plan=plan,
                period=period,
                actor=by,
                at=now,
                kind=PlanEvent.Kind.LOCKED_EARLY,
                detail=reason,
            )
    period.refresh_from_db()
    if not locked:
        raise PeriodAlreadyLocked(period)
    return period


def late_window_grant(
    *,
    period: ReportingPeriod,
    lead: User,
    expires_at: dt.datetime,
    reason: str,
    by: User | None,
    now: dt.datetime | None = None,
) -> LateWindow:
    """Let one lead save updates for one closed period until ``expires_at``."""
    now = _now(now)
    plan_ensure_writable(period.plan)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Give a reason for the late window; it goes on the plan's record."
    if expires_at <= now:
        errors["expires_at"] = "Choose when the late window ends: a time after now."
    if not period.is_closed_at(now):
        errors["period"] = "This period is still open; the lead can update it as usual."
    if errors:
        raise ValidationError(errors)
    plan_lock_due(plan=period.plan, now=now)
    with transaction.atomic():
        window = LateWindow.objects.create(
            period=period,
            lead=lead,
            expires_at=expires_at,
            reason=reason.strip(),
            granted_by=by,
            granted_at=now,
        )
        PlanEvent.objects.create(
            plan=period.plan,
            period=period,
            actor=by,
            at=now,
            kind=PlanEvent.Kind.LATE_WINDOW,
            detail=f"{history.user_name(lead)} until "
            f"{timezone.localtime(expires_at, period.plan.tz):%a %d %b %Y %H:%M}: {reason.strip()}",
        )
    return window


def late_window_active(*, period: ReportingPeriod, lead: User, now: dt.datetime) -> bool:
    return LateWindow.objects.filter(period=period, lead=lead, expires_at__gt=now).exists()


# Weekly updates ------------------------------------------------------------------------


def _period_for_save(pk: int, *, plan: Plan) -> ReportingPeriod:
    """The period row, held against the lock for the rest of the saving transaction.

    On PostgreSQL saves take it FOR SHARE: they run side by side, and the lock's FOR
    UPDATE waits for them (or they wait for it), so a save is in before the lock or
    refused. SQLite has no row locks; its IMMEDIATE transactions serialise writers.
    ``plan`` is the saving action's plan, already loaded: a period of another plan is
    refused by the caller.
    """
    if connection.vendor == "postgresql":
        period = ReportingPeriod.objects.raw(
            "SELECT * FROM actions_reportingperiod WHERE id = %s FOR SHARE", [pk]
        )[0]
        period.plan = plan if period.plan_id == plan.pk else Plan.objects.get(pk=period.plan_id)
        return period
    return ReportingPeriod.objects.select_for_update().select_related("plan").get(pk=pk)


def _is_current(period: ReportingPeriod, *, now: dt.datetime) -> bool:
    """Is the open ``period`` the current one? Read from the schedule when it is the next
    deadline (every save in a normal week). After an early lock, it is current when it is
    on the schedule and every deadline before it ends a locked period: one query, as
    ``period_current`` would find it (the first period ahead not locked)."""
    ahead = schedule.deadlines_between(period.plan, now, period.deadline)
    if not ahead or ahead[-1] != period.deadline:
        return False  # not a deadline of the plan's schedule
    earlier = ahead[:-1]
    if not earlier:
        return True
    locked = set(
        period.plan.periods.filter(deadline__in=earlier, locked_at__isnull=False)
        .order_by()
        .values_list("deadline", flat=True)
    )
    return locked.issuperset(earlier)


def update_submit(
    *,
    action: Action,
    period: ReportingPeriod,
    author: User,
    status: str,
    narrative: str,
    base_revision: int | None = None,
    recovery: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> WeeklyUpdate:
    """Save the lead's update for ``period``, replacing any earlier one in the same period.

    ``recovery`` (``what``, ``by_when``, ``who``) is the recovery plan: required when the
    action turns Red, or is Red with no recovery plan yet; recorded whenever given with Red.

    The lock is checked here, inside the transaction that writes, with the period's row
    locked: a save racing the lock is either in before it or refused, never half-saved.
    ``base_revision`` is the revision the author's form showed (0 for none): a save based
    on an older one is refused rather than silently overwriting.
    """
    now = _now(now)
    # Record any lock that is due first, so its snapshot holds the status as it stood at
    # the deadline, not one this save or a next-period save has changed since.
    plan_lock_due(plan=action.plan, now=now)
    narrative = _update_text_check(status=status, narrative=narrative)

    with transaction.atomic():
        period = _update_period_row(period, plan=action.plan, now=now)
        period, late = _update_period_open(period=period, plan=action.plan, author=author, now=now)
        action = _update_action_locked(action=action, period=period)
        today = timezone.localtime(now, period.plan.tz).date()
        if is_bare_on_plan(narrative):
            refusal = on_plan_refusal(action=action, status=status, today=today)
            if refusal:
                raise ValidationError({"narrative": refusal})
        plan_fields = _recovery_check(action=action, status=status, recovery=recovery, today=today)
        # Through the action's manager: the update holds the locked action, so whoever
        # shows the saved update reads the action's new status without a query. One row at
        # most (one update per action per period): no ordering, so no join to the period.
        existing = action.updates.filter(period=period).order_by().first()
        if (
            existing
            and existing.status == status
            and existing.narrative == narrative
            and plan_fields is None
        ):
            return existing  # the same save twice (a double click): nothing to change
        _update_conflict_check(existing=existing, base_revision=base_revision)

        before_status = action.status
        update, kind, changes = _update_write(
            existing,
            action=action,
            period=period,
            status=status,
            narrative=narrative,
            author=author,
            at=now,
            late=late,
        )
        if action.status != status:
            action.status = status
            changes[history.STATUS] = history.change(before_status, status)
        if plan_fields is not None:
            changes[history.RECOVERY_PLAN] = _recovery_plan_record(
                action=action, update=update, period=period, by=author, at=now, **plan_fields
            )
        action.version += 1
        action.save(update_fields=["status", "version", "updated_at"])
        _record(
            action=action,
            actor=author,
            kind=kind,
            changes=changes,
            at=now,
            note=f"{period.label}{' (late window)' if late else ''}",
        )
    return update


def _update_text_check(*, status: str, narrative: str) -> str:
    """The narrative as it will be kept; refuses a blank one and a status a lead cannot set."""
    # Spaces, zero-width and other invisible characters alone are a blank update.
    narrative = typed.strip_invisible(narrative or "")
    if not typed.has_visible_text(narrative):
        raise ValidationError({"narrative": BLANK_UPDATE_MESSAGE})
    if status not in {s.value for s in (Status.RED, Status.AMBER, Status.GREEN, Status.WHITE)}:
        raise ValidationError({"status": "Choose Red, Amber, Green or White."})
    return narrative


def _update_period_row(period: ReportingPeriod, *, plan: Plan, now: dt.datetime) -> ReportingPeriod:
    """The row of the period the form showed: pages show the open period unsaved
    (``period_current``) until someone writes to it; the first save creates it here."""
    if period.pk is not None:
        return period
    existing = ReportingPeriod.objects.filter(plan=plan, deadline=period.deadline).order_by()
    found = existing.first()
    if found is not None:
        found.plan = plan
        return found
    period.plan = plan
    if period.deadline <= now:  # closed and never opened to writes: nothing to save into
        raise PeriodLocked(period)
    if not _is_current(period, now=now):
        raise ValidationError("That period has not opened yet; update the current one.")
    return period_for_deadline(plan=plan, deadline=period.deadline)


def _update_period_open(
    *, period: ReportingPeriod, plan: Plan, author: User, now: dt.datetime
) -> tuple[ReportingPeriod, bool]:
    """The period, held against the lock, if it takes the author's update now; and whether
    the save is in a late window. Refuses a locked, future or other plan's period."""
    period = _period_for_save(period.pk, plan=plan)
    plan_ensure_writable(period.plan)
    if period.plan_id != plan.pk:
        raise ValidationError("That period belongs to another plan.")
    if period.is_closed_at(now):
        if not late_window_active(period=period, lead=author, now=now):
            raise PeriodLocked(period)
        return period, True
    if not _is_current(period, now=now):
        raise ValidationError("That period has not opened yet; update the current one.")
    return period, False


def _update_action_locked(*, action: Action, period: ReportingPeriod) -> Action:
    """The action's row, locked for the save; refused if it moved plan or is complete."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.plan_id != period.plan_id:  # carried into a new plan year while we waited
        raise PlanReadOnly(period.plan)
    if not action.is_open:
        raise ValidationError("This action is complete (Blue); it takes no more updates.")
    return action


def _update_conflict_check(*, existing: WeeklyUpdate | None, base_revision: int | None) -> None:
    """Refuse a save based on an older revision than the one saved."""
    expected = existing.revision if existing else 0
    if base_revision is not None and base_revision != expected:
        raise EditConflict(
            "This update was changed in another window since you opened it; "
            "your text is below. Check the saved update, then save again.",
            current=existing,
        )


def _update_write(
    existing: WeeklyUpdate | None,
    *,
    action: Action,
    period: ReportingPeriod,
    status: str,
    narrative: str,
    author: User,
    at: dt.datetime,
    late: bool,
) -> tuple[WeeklyUpdate, str, dict[str, list[Any]]]:
    """This period's update, written or rewritten; the history's kind and changes."""
    if existing is None:
        update = WeeklyUpdate.objects.create(
            action=action,
            period=period,
            status=status,
            narrative=narrative,
            author=author,
            submitted_at=at,
            late=late,
        )
        changes = {
            history.UPDATE_STATUS: history.change(None, status),
            history.NARRATIVE: history.change("", narrative),
        }
        return update, HistoryEntry.Kind.UPDATE_SAVED, changes
    changes = {}
    if existing.status != status:
        changes[history.UPDATE_STATUS] = history.change(existing.status, status)
    if existing.narrative != narrative:
        changes[history.NARRATIVE] = history.change(existing.narrative, narrative)
    existing.status = status
    existing.narrative = narrative
    existing.author = author
    existing.submitted_at = at
    existing.revision += 1
    existing.late = late
    existing.save(
        update_fields=["status", "narrative", "author", "submitted_at", "revision", "late"]
    )
    return existing, HistoryEntry.Kind.UPDATE_REPLACED, changes


def _recovery_plan_record(
    *,
    action: Action,
    update: WeeklyUpdate,
    period: ReportingPeriod,
    by: User,
    at: dt.datetime,
    what: str,
    by_when: dt.date,
    who: str,
) -> list[Any]:
    """Record the recovery plan given with a Red update; its change for the history."""
    RecoveryPlan.objects.create(
        action=action,
        update=update,
        period=period,
        recorded_by=by,
        recorded_at=at,
        what=what,
        by_when=by_when,
        who=who,
    )
    return history.change("", f"{what} — by {by_when:%d %b %Y}, {who}")


def recovery_plan_messages(ref: str) -> dict[str, str]:
    return {
        "recovery_what": f"Say what will be done to recover {ref}",
        "recovery_by_when": "Give a date by when",
        "recovery_who": "Say who will do it",
    }


RECOVERY_DATE_PAST_MESSAGE = "The date by when must be today or later"


def _recovery_check(
    *, action: Action, status: str, recovery: Mapping[str, Any] | None, today: dt.date
) -> dict[str, Any] | None:
    """The recovery plan to record with this save, or None; refuses a missing one.

    Required when the action turns Red (it was not Red before this save) or is Red with
    no recovery plan on record. Given with Red when not required, it is recorded too.
    """
    if status != Status.RED:
        return None
    recovery = recovery or {}
    what = typed.strip_invisible(str(recovery.get("what") or "")).strip()
    who = typed.strip_invisible(str(recovery.get("who") or "")).strip()
    by_when = recovery.get("by_when") or None
    required = action.status != Status.RED or not action.recovery_plans.exists()
    if not required and not (what or who or by_when):
        return None
    messages = recovery_plan_messages(action.ref)
    errors = {}
    if not typed.has_visible_text(what):
        errors["recovery_what"] = messages["recovery_what"]
    if by_when is None:
        errors["recovery_by_when"] = messages["recovery_by_when"]
    elif by_when < today:
        errors["recovery_by_when"] = RECOVERY_DATE_PAST_MESSAGE
    if not typed.has_visible_text(who):
        errors["recovery_who"] = messages["recovery_who"]
    if errors:
        raise ValidationError(errors)
    return {"what": what, "by_when": by_when, "who": who[:200]}


# Actions -------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "ref",
    "theme",
    "department",
    "kind",
    "requirement",
    "start_date",
    "end_date",
    "status",
    "action_lead",
)


BLUE_ONLY_FROM_SIGN_OFF = "Blue comes only from a signed-off closure."


@dataclass(frozen=True)
class _PrepareSuggestions:
    """After the commit: the worker embeds the plan's new or edited action texts."""

    plan_id: int

    def __call__(self) -> None:
        from . import tasks

        tasks.prepare_suggestions.delay(plan_id=self.plan_id)


def _prepare_suggestions_on_commit(plan_id: int) -> None:
    """Once per transaction and plan, however many actions an import creates."""
    callback = _PrepareSuggestions(plan_id)
    # Entries are (savepoint ids, callback, robust): a rolled-back savepoint drops its own.
    if not any(entry[1] == callback for entry in connection.run_on_commit):
        transaction.on_commit(callback)


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": "The end date must not be before the start date."})


def action_create(
    *,
    plan: Plan,
    by: User | None,
    exec_roles: Iterable[ExecRole] = (),
    findings: Iterable[Finding] = (),
    closed_before_import: str = "",
    now: dt.datetime | None = None,
    **fields: Any,
) -> Action:
    """A new action. It is never Blue, except as ``closed_before_import``.

    ``closed_before_import`` (a note naming the file) is for the first import of a legacy
    plan only (``actions.importer``): its completed actions come in Blue, recorded as
    closed before the plan was imported rather than as signed off.
    """
    now = _now(now)
    plan_ensure_writable(plan)
    if fields.get("status") == Status.BLUE and not closed_before_import:
        raise ValidationError({"status": BLUE_ONLY_FROM_SIGN_OFF})
    _check_dates(fields.get("start_date"), fields.get("end_date"))
    with transaction.atomic():
        action = Action(plan=plan, **fields)
        action.full_clean()
        action.save()
        action.exec_roles.set(exec_roles)
        action.findings.set(findings)
        _prepare_suggestions_on_commit(plan.pk)
        _record(
            action=action,
            actor=by,
            kind=HistoryEntry.Kind.CREATED,
            changes={},
            at=now,
            note=f"{action.ref} created",
        )
        if closed_before_import and action.status == Status.BLUE:
            _record(
                action=action,
                actor=by,
                kind=HistoryEntry.Kind.CLOSED_BEFORE_IMPORT,
                changes={},
                at=now,
                note=closed_before_import,
            )
    return action


def _refuse_blue_moves(current: Action, status: str) -> None:
    """An edit neither makes an action Blue nor takes it out of Blue."""
    _refuse_entering_blue(current, status)
    if current.status == Status.BLUE and status != Status.BLUE:
        raise ValidationError(
            {"status": "A completed (Blue) action is re-opened from its page, with a reason."}
        )


def _refuse_entering_blue(current: Action, status: str) -> None:
    if status == Status.BLUE and current.status != Status.BLUE:
        raise ValidationError({"status": BLUE_ONLY_FROM_SIGN_OFF})


def _any_blue_move(current: Action, status: str) -> None:
    """The sign-off's rule: it is what makes an action Blue."""


def action_edit(
    *,
    action: Action,
    by: User | None,
    base_version: int | None,
    exec_roles: Iterable[ExecRole] | None = None,
    findings: Iterable[Finding] | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    **fields: Any,
) -> Action:
    """Change an action's fields. Refused if someone saved since ``base_version``.

    An edit never makes an action Blue (``action_sign_off_blue`` does) nor takes it out of
    Blue (``action_reopen_status`` does, with a reason).
    """
    return _action_change(
        action=action,
        by=by,
        base_version=base_version,
        exec_roles=exec_roles,
        findings=findings,
        kind=HistoryEntry.Kind.CHANGED,
        blue_rule=_refuse_blue_moves,
        note=note,
        now=now,
        fields=fields,
    )


def action_import_edit(
    *,
    action: Action,
    by: User | None,
    exec_roles: Iterable[ExecRole] | None = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Action:
    """A plan import's changes to an action, recorded as imported; Blue as for an edit."""
    return _action_change(
        action=action,
        by=by,
        base_version=None,
        exec_roles=exec_roles,
        findings=None,
        kind=HistoryEntry.Kind.IMPORTED,
        blue_rule=_refuse_blue_moves,
        note="",
        now=now,
        fields=fields,
    )


def action_sign_off_blue(
    *, action: Action, by: User | None, note: str = "", now: dt.datetime | None = None
) -> Action:
    """The action turns Blue: only a closure's sign-off (``evidence.services``) calls this."""
    return _action_change(
        action=action,
        by=by,
        base_version=None,
        exec_roles=None,
        findings=None,
        kind=HistoryEntry.Kind.CLOSURE_APPROVED,
        blue_rule=_any_blue_move,
        note=note,
        now=now,
        fields={"status": Status.BLUE},
    )


def action_reopen_status(
    *, action: Action, by: User | None, status: str, note: str, now: dt.datetime | None = None
) -> Action:
    """A Blue action re-opened (``evidence.services.action_reopen``): ``note`` is the reason."""
    return _action_change(
        action=action,
        by=by,
        base_version=None,
        exec_roles=None,
        findings=None,
        kind=HistoryEntry.Kind.REOPENED,
        blue_rule=_refuse_entering_blue,
        note=note,
        now=now,
        fields={"status": status},
    )


def action_change_request_apply(
    *, action: Action, by: User | None, note: str, now: dt.datetime | None = None, **fields: Any
) -> Action:
    """An approved change request's new end date or scope (``actions.baseline``): the one way
    a baselined action's end date and scope change."""
    return _action_change(
        action=action,
        by=by,
        base_version=None,
        exec_roles=None,
        findings=None,
        kind=HistoryEntry.Kind.CHANGE_APPROVED,
        blue_rule=_refuse_blue_moves,
        baseline_rule=_baseline_change_approved,
        note=note,
        now=now,
        fields=fields,
    )


def _baseline_change_approved(action: Action, fields: Mapping[str, Any]) -> None:
    """The change request was the approval: nothing more to check."""


def _action_change(
    *,
    action: Action,
    by: User | None,
    base_version: int | None,
    exec_roles: Iterable[ExecRole] | None,
    findings: Iterable[Finding] | None,
    kind: str,
    blue_rule: Callable[[Action, str], None],
    note: str,
    now: dt.datetime | None,
    fields: dict[str, Any],
    baseline_rule: Callable[[Action, Mapping[str, Any]], None] | None = None,
) -> Action:
    """Lock the action, check it against ``base_version``, ``blue_rule`` and
    ``baseline_rule`` (by default: a baselined action's end date and scope do not move),
    apply the changes and record them as ``kind``; nothing is saved or recorded if nothing
    changed."""
    baseline_rule = baseline_rule or _ensure_not_baselined_change
    now = _now(now)
    plan_ensure_writable(action.plan)
    plan_lock_due(plan=action.plan, now=now)  # freeze a due snapshot before changing it
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable here: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        current = _action_locked_for_edit(action=action, base_version=base_version)
        blue_rule(current, fields.get("status", current.status))
        baseline_rule(current, fields)
        changes: dict[str, list[Any]] = {}
        for name, value in fields.items():
            before = getattr(current, name)
            if before != value:
                changes[name] = history.change(before, value)
                setattr(current, name, value)
        _check_dates(current.start_date, current.end_date)
        if exec_roles is not None:
            changes.update(_exec_roles_set(current, list(exec_roles)))
        if findings is not None:
            changes.update(_findings_set(current, list(findings)))
        if not changes:
            return current
        current.full_clean()
        current.version += 1
        current.save()
        if "theme" in changes or "requirement" in changes:
            _prepare_suggestions_on_commit(current.plan_id)
        _record(action=current, actor=by, kind=kind, changes=changes, at=now, note=note)
    return current


BASELINED_CHANGE_MESSAGE = (
    "{ref} is in the plan's baseline: its {what} changes only through a change request, "
    "approved by the PMO or the executive improvement board. Raise one from the action's page."
)


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once spaces and line breaks are evened out (what a form or a file round-trips)."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def baselined_change_refusal(action: Action, fields: Mapping[str, Any]) -> dict[str, str]:
    """Which of ``fields`` would change the end date or scope of a baselined action, and why
    each is refused: empty when none does or the action is not in the plan's baseline."""
    end_moves = "end_date" in fields and fields["end_date"] != action.end_date
    scope_moves = "requirement" in fields and not same_text(
        fields["requirement"], action.requirement
    )
    if not (end_moves or scope_moves):
        return {}
    if not BaselineDate.objects.in_force(action.plan_id).filter(action=action).exists():
        return {}
    refused = {}
    if end_moves:
        refused["end_date"] = BASELINED_CHANGE_MESSAGE.format(ref=action.ref, what="end date")
    if scope_moves:
        refused["requirement"] = BASELINED_CHANGE_MESSAGE.format(ref=action.ref, what="scope")
    return refused


def _ensure_not_baselined_change(action: Action, fields: Mapping[str, Any]) -> None:
    refused = baselined_change_refusal(action, fields)
    if refused:
        raise ValidationError(refused)


def _action_locked_for_edit(*, action: Action, base_version: int | None) -> Action:
    """The action's row, locked; refused if someone saved since ``base_version``."""
    current = Action.objects.select_for_update().get(pk=action.pk)
    if base_version is not None and current.version != base_version:
        raise EditConflict(
            "Someone else changed this action while you were editing it. "
            "Nothing of yours was saved; their changes are below.",
            changes=list(current.history.filter(version__gt=base_version).order_by("at")),
            current=current,
        )
    return current


def _exec_roles_set(current: Action, new_roles: list[ExecRole]) -> dict[str, list[Any]]:
    """Set the action's exec roles; the change for the history, if any."""
    before = [r.code for r in current.exec_roles.all()]
    after = [r.code for r in sorted(new_roles, key=lambda r: r.code)]
    if {r.pk for r in current.exec_roles.all()} == {r.pk for r in new_roles}:
        return {}
    current.exec_roles.set(new_roles)
    return {history.EXEC_LEADS: history.change(before, after)}


def _findings_set(current: Action, new_findings: list[Finding]) -> dict[str, list[Any]]:
    """Set the findings the action answers; the change for the history, if any."""
    if {f.pk for f in current.findings.all()} == {f.pk for f in new_findings}:
        return {}
    before = [f.ref for f in current.findings.all()]
    current.findings.set(new_findings)
    return {history.FINDINGS: history.change(before, [f.ref for f in new_findings])}


def actions_assign_lead(
    *,
    actions: Iterable[Action],
    lead: User | None,
    by: User | None,
    now: dt.datetime | None = None,
) -> int:
    """Assign (or reassign) the action lead of several actions at once."""
    now = _now(now)
    count = 0
    with transaction.atomic():
        for action in (
            Action.objects.select_for_update(of=("self",))
            .filter(pk__in=[a.pk for a in actions])
            .select_related("action_lead", "plan")
        ):
            plan_ensure_writable(action.plan)
            if action.action_lead_id == (lead.pk if lead else None):
                continue
            before = action.action_lead
            action.action_lead = lead
            action.version += 1
            action.save(update_fields=["action_lead", "version", "updated_at"])
            _record(
                action=action,
                actor=by,
                kind=HistoryEntry.Kind.LEAD_ASSIGNED,
                changes={history.ACTION_LEAD: history.change(before, lead)},
                at=now,
            )
            count += 1
    return count


# Plans ---------------------------------------------------------------------------------

SCHEDULE_FIELDS = (
    "cadence",
    "deadline_weekday",
    "deadline_time",
    "month_week",
    "time_zone",
    "cycle_starts_on",
)


def plan_save(*, plan: Plan) -> Plan:
    """Create a plan or change its settings.

    The schedule cannot move while the open period holds updates: they belong to its
    deadline, and would be left in a period that never locks or reaches a report.
    """
    with transaction.atomic():
        if plan.pk:
            before = Plan.objects.select_for_update().get(pk=plan.pk)
            plan_ensure_writable(before)
            moved = [f for f in SCHEDULE_FIELDS if getattr(before, f) != getattr(plan, f)]
            open_period = (
                ReportingPeriod.objects.filter(
                    plan=plan, locked_at__isnull=True, updates__isnull=False
                )
                .order_by("deadline")
                .first()
            )
            if moved and open_period:
                open_period.plan = before
                raise ValidationError(
                    f"Leads have already written updates for the {open_period.label_in_sentence}, "
                    "which has not locked yet. Change the schedule after it locks (or lock the "
                    "plan now), so those updates reach the exception report."
                )
        plan.full_clean()
        plan.save()
    return plan


# Executive roles and who holds them ----------------------------------------------------


def exec_role_holder_set(*, exec_role: ExecRole, holder, by) -> bool:
    """Make ``holder`` (None: nobody) hold the executive role; recorded on the record of
    the person who stops holding it and of the one who starts. False if nothing changed."""
    if holder is not None and not holder.is_active:
        raise ValidationError(
            {"holder": f"{people.display_name(holder)} is deactivated: choose someone active."}
        )
    with transaction.atomic():
        exec_role = (
            ExecRole.objects.select_for_update(of=("self",))
            .select_related("holder")
            .get(pk=exec_role.pk)
        )
        before = exec_role.holder
        if getattr(before, "pk", None) == getattr(holder, "pk", None):
            return False
        exec_role.holder = holder
        exec_role.save(update_fields=["holder"])
        change = {
            "kind": PeopleChange.Kind.EXEC_ROLE,
            "what": exec_role.code,
            "before": people.display_name(before) or "Vacant",
            "after": people.display_name(holder) or "Vacant",
        }
        for person in (before, holder):
            if person is not None:
                people.change_record(person=person, by=by, **change)
    return True


def exec_role_create(*, code: str, title: str, holder, by) -> ExecRole:
    """A new executive role (``DWOD``, Director of Workforce and OD) and who holds it."""
    code, title = code.strip(), title.strip()
    if not code:
        raise ValidationError({"code": "Enter the role's short name, as the plan writes it."})
    if ExecRole.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": f"There is already an executive role {code}."})
    with transaction.atomic():
        exec_role = ExecRole.objects.create(code=code, title=title)
        if holder is not None:
            exec_role_holder_set(exec_role=exec_role, holder=holder, by=by)
    return exec_role


def exec_role_edit(*, exec_role: ExecRole, title: str, holder, by) -> ExecRole:
    """Change the role's title and who holds it (its code is what imported plans match)."""
    with transaction.atomic():
        exec_role_holder_set(exec_role=exec_role, holder=holder, by=by)  # validates first
        ExecRole.objects.filter(pk=exec_role.pk).update(title=title.strip())
    exec_role.refresh_from_db()
    return exec_role


VACANT = "vacant"


def person_deactivate_and_hand_over(
    *, person, by, new_holders: Mapping[int, Any]
) -> list[ExecRole]:
    """Deactivate someone who left, handing each executive role they hold to a new holder
    or leaving it vacant (``new_holders``: exec role id to a user, or ``VACANT``).
    Returns the roles left vacant, for the warning."""
    held = list(ExecRole.objects.filter(holder=person))
    missing = [r.code for r in held if r.pk not in new_holders]
    if missing:
        raise ValidationError(
            f"{people.display_name(person)} holds {', '.join(missing)}: choose a new holder "
            "or leave it vacant."
        )
    for role in held:
        chosen = new_holders[role.pk]
        if chosen != VACANT and (chosen.pk == person.pk or not chosen.is_active):
            raise ValidationError(
                {
                    f"holder_{role.pk}": f"Choose an active person other than "
                    f"{people.display_name(person)} to hold {role.code}."
                }
            )
    vacant = []
    with transaction.atomic():
        for role in held:
            chosen = new_holders[role.pk]
            exec_role_holder_set(exec_role=role, holder=None if chosen == VACANT else chosen, by=by)
            if chosen == VACANT:
                vacant.append(role)
        people.person_deactivate(person=person, by=by)
    return vacant
