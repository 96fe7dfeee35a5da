"""Every write of the reporting app: one function per change, each in one transaction.

Views, tasks and management commands all call these. Emails are claimed in the database
before they are sent (a row moves to ``sending`` in a committed transaction, and only the
run that moved it sends), so however often a task runs, or a worker restarts, nobody gets
the same email twice. A send that fails is marked ``failed`` and tried again later; a
worker that dies between the claim and the send leaves the row ``sending``: at most once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from actions import services as plan_services
from actions.models import ExecRole, PeriodSnapshot, Plan, ReportingPeriod
from improvement.people import display_name

from . import schedule, selectors
from .content import report_content
from .emails import reminder_message, report_message
from .models import (
    DEFAULT_REMINDER_SLOTS,
    Delivery,
    DistributionEntry,
    ExceptionReport,
    Reminder,
    ReminderOptOut,
    ReminderSlot,
    ReportComment,
    ReportEmail,
    ReportSettings,
)
from .pdf import render_pdf
from .presenter import when

logger = logging.getLogger(__name__)

# Drafts are built for periods locked this recently: bulk-loaded history gets none.
RECENT = dt.timedelta(days=14)
MAX_ATTEMPTS = 3
# An automatic issue later than this after the deadline says the scheduler caught it up.
CAUGHT_UP_AFTER = dt.timedelta(minutes=10)
# A second nudge to the same lead within this time is a double click, not a decision.
NUDGE_GAP = dt.timedelta(minutes=30)
# Recipients still waiting this long after the issue were not reached by the queued task.
EMAIL_RETRY_AFTER = dt.timedelta(minutes=5)
ISSUED_ALREADY = "This report has been issued; it cannot change. Issue a correction instead."


class ReportSweepIncomplete(Exception):
    """Some plans could not be swept; the others were. Raised after trying every plan."""

    def __init__(self, failed: list[Plan]):
        self.failed = failed
        super().__init__("Could not sweep the reports of: " + ", ".join(map(str, failed)))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# Settings ------------------------------------------------------------------------------


def report_settings_ensure(*, plan: Plan) -> ReportSettings:
    """The plan's report settings, made with the SOP's defaults the first time."""
    found = ReportSettings.objects.filter(plan=plan).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            created = ReportSettings.objects.create(plan=plan)
            ReminderSlot.objects.bulk_create(
                [
                    ReminderSlot(settings=created, weekday=d, time=t)
                    for d, t in DEFAULT_REMINDER_SLOTS
                ]
            )
    except IntegrityError:  # made by another request between our read and write
        return ReportSettings.objects.get(plan=plan)
    return created


def report_settings_save(
    *,
    plan: Plan,
    issue_weekday: int,
    issue_time: dt.time,
    oversight_group: str,
    reminder_slots: list[tuple[int, dt.time]],
) -> ReportSettings:
    """Change when reports are issued and when reminders go; drafts move to the new time."""
    oversight_group = (oversight_group or "").strip()
    if not oversight_group:
        raise ValidationError({"oversight_group": "Enter who escalations go to."})
    wanted = sorted(set(reminder_slots))
    report_settings_ensure(plan=plan)
    with transaction.atomic():
        current = ReportSettings.objects.select_for_update().get(plan=plan)
        current.issue_weekday = issue_weekday
        current.issue_time = issue_time
        current.oversight_group = oversight_group
        current.full_clean()
        current.save()
        have = {(s.weekday, s.time): s for s in current.reminder_slots.all()}
        for key, slot in have.items():
            if key not in wanted:
                slot.delete()
        ReminderSlot.objects.bulk_create(
            [
                ReminderSlot(settings=current, weekday=d, time=t)
                for d, t in wanted
                if (d, t) not in have
            ]
        )
        for report in (
            ExceptionReport.objects.drafts().filter(period__plan=plan).select_related("period")
        ):
            report.issue_deadline = schedule.issue_deadline(
                plan, weekday=issue_weekday, time=issue_time, after=report.period.deadline
            )
            report.save(update_fields=["issue_deadline"])
    return current


# Distribution list ---------------------------------------------------------------------


def distribution_entry_add(
    *,
    plan: Plan,
    name: str,
    email: str,
    role: str = "",
    by: User | None,
    now: dt.datetime | None = None,
) -> DistributionEntry:
    email = (email or "").strip().lower()
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Enter the person's name."
    if not email:
        errors["email"] = "Enter an email address."
    elif DistributionEntry.objects.filter(plan=plan, email=email).exists():
        errors["email"] = f"{email} is already on the distribution list."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = DistributionEntry(
            plan=plan,
            name=name,
            email=email,
            role=(role or "").strip(),
            added_at=_now(now),
            added_by=by,
        )
        entry.full_clean()
        entry.save()
    return entry


def distribution_entry_remove(*, entry: DistributionEntry) -> None:
    with transaction.atomic():
        DistributionEntry.objects.filter(pk=entry.pk).delete()


def distribution_exec_leads_add(
    *, plan: Plan, by: User | None, now: dt.datetime | None = None
) -> list[DistributionEntry]:
    """Add every holder of the plan's exec roles who is not on the list yet."""
    now = _now(now)
    added = []
    with transaction.atomic():
        for holder, codes in selectors.distribution_suggestions(plan):
            entry, created = DistributionEntry.objects.get_or_create(
                plan=plan,
                email=holder.email.strip().lower(),
                defaults={
                    "name": display_name(holder),
                    "role": f"Executive lead ({', '.join(codes)})",
                    "added_at": now,
                    "added_by": by,
                },
            )
            if created:
                added.append(entry)
    return added


# Building and editing a report ---------------------------------------------------------


def _issue_deadline(plan: Plan, report_settings: ReportSettings, period: ReportingPeriod):
    return schedule.issue_deadline(
        plan,
        weekday=report_settings.issue_weekday,
        time=report_settings.issue_time,
        after=period.deadline,
    )


def report_build(*, period: ReportingPeriod, now: dt.datetime | None = None) -> ExceptionReport:
    """The locked period's report: its draft is built from the snapshot once, ever.

    Built again (a second sweep, the command, the button), it returns the report already
    there: the issued one if any, else the draft.
    """
    now = _now(now)
    report_settings = report_settings_ensure(plan=period.plan)
    with transaction.atomic():
        # Concurrent builds of one period queue here; the second finds the first's report.
        period = (
            ReportingPeriod.objects.select_for_update().select_related("plan").get(pk=period.pk)
        )
        if not period.is_locked:
            raise ValidationError(
                f"The {period.label_in_sentence} has not locked yet: its report is built "
                "from the updates as they stood at the lock."
            )
        existing = selectors.report_current(period)
        if existing is not None:
            return existing
        return ExceptionReport.objects.create(
            period=period,
            version=1,
            status=ExceptionReport.Status.DRAFT,
            content=report_content(period=period, report_settings=report_settings, now=now),
            built_at=now,
            issue_deadline=_issue_deadline(period.plan, report_settings, period),
        )


def _draft_for_update(report: ExceptionReport) -> ExceptionReport:
    """The report's row, locked; refused if it has been issued meanwhile."""
    locked = ExceptionReport.objects.select_for_update().get(pk=report.pk)
    if not locked.is_draft:
        raise ValidationError(ISSUED_ALREADY)
    return locked


def report_commentary_save(*, report: ExceptionReport, commentary: str) -> ExceptionReport:
    """The PMO's commentary at the top of the report (drafts only)."""
    with transaction.atomic():
        draft = _draft_for_update(report)
        draft.commentary = (commentary or "").strip()
        draft.save(update_fields=["commentary"])
    return draft


def report_comment_save(
    *,
    report: ExceptionReport,
    action_pk: int,
    text: str,
    by: User | None,
    now: dt.datetime | None = None,
) -> ReportComment | None:
    """The PMO's comment on one action of a draft ("escalated to IPAG"); blank removes it."""
    now = _now(now)
    text = (text or "").strip()
    with transaction.atomic():
        draft = _draft_for_update(report)
        listed = {a["id"]: a for a in draft.content["actions"]}
        if action_pk not in listed:
            raise ValidationError("That action is not in this report.")
        if not text:
            ReportComment.objects.filter(report=draft, action_pk=action_pk).delete()
            return None
        comment, _ = ReportComment.objects.update_or_create(
            report=draft,
            action_pk=action_pk,
            defaults={
                "ref": listed[action_pk]["ref"],
                "text": text,
                "author": by,
                "updated_at": now,
            },
        )
    return comment


def _recipients_freeze(report: ExceptionReport) -> int:
    """One email row per person on the list now: later list edits do not change who got it."""
    entries = list(DistributionEntry.objects.filter(plan_id=report.period.plan_id))
    codes: dict[str, list[str]] = {}
    for role in ExecRole.objects.filter(holder__isnull=False).select_related("holder"):
        if role.holder is not None:  # always, by the filter; narrows the type
            codes.setdefault((role.holder.email or "").lower(), []).append(role.code)
    ReportEmail.objects.bulk_create(
        [
            ReportEmail(
                report=report,
                email=entry.email,
                name=entry.name,
                role=entry.role,
                exec_codes=sorted(codes.get(entry.email.lower(), [])),
            )
            for entry in entries
        ],
        ignore_conflicts=True,
    )
    return len(entries)


def _send_after_commit(report: ExceptionReport) -> None:
    from .tasks import send_report_emails

    report_id = report.pk
    transaction.on_commit(lambda: send_report_emails.delay(report_id))


def report_issue(
    *, report: ExceptionReport, by: User | None, now: dt.datetime | None = None
) -> tuple[ExceptionReport, bool]:
    """The PMO's "Issue report": freeze it, and email it after the commit.

    Returns the report and whether this call issued it (False: it already was).
    """
    now = _now(now)
    with transaction.atomic():
        locked = (
            ExceptionReport.objects.select_for_update()
            .select_related("period__plan")
            .get(pk=report.pk)
        )
        if locked.is_issued:
            return locked, False
        locked.status = ExceptionReport.Status.ISSUED
        locked.issued_at = now
        locked.issue_recorded_at = now
        locked.issued_by = by
        locked.auto_issued = False
        locked.save()
        _recipients_freeze(locked)
        _send_after_commit(locked)
    return locked, True


def report_issue_automatically(*, report: ExceptionReport, now: dt.datetime | None = None) -> bool:
    """Issue a draft nobody issued by its deadline, as of the deadline. True if it did now."""
    now = _now(now)
    with transaction.atomic():
        locked = (
            ExceptionReport.objects.select_for_update()
            .select_related("period__plan")
            .get(pk=report.pk)
        )
        if locked.is_issued or locked.issue_deadline > now:
            return False
        plan = locked.period.plan
        deadline = timezone.localtime(locked.issue_deadline, plan.tz)
        note = (
            f"Issued automatically at {deadline:%A} {deadline:%H:%M} "
            "because it had not been issued."
        )
        if now - locked.issue_deadline > CAUGHT_UP_AFTER:
            note += (
                f" Caught up at {when(timezone.localtime(now, plan.tz))}, when the scheduler "
                "next ran; the issue time recorded is the deadline."
            )
        locked.status = ExceptionReport.Status.ISSUED
        locked.issued_at = locked.issue_deadline
        locked.issue_recorded_at = now
        locked.issued_by = None
        locked.auto_issued = True
        locked.issue_note = note
        locked.save()
        _recipients_freeze(locked)
        _send_after_commit(locked)
    return True


def report_correct(
    *,
    report: ExceptionReport,
    reason: str,
    by: User | None,
    now: dt.datetime | None = None,
) -> ExceptionReport:
    """Start a correction: a new draft version with the reason; the issued one stays as it was.

    The frozen content is carried over unchanged; the PMO corrects the commentary and the
    comments, then issues the new version.
    """
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the correction."})
    with transaction.atomic():
        ReportingPeriod.objects.select_for_update().get(pk=report.period_id)
        versions = list(ExceptionReport.objects.filter(period_id=report.period_id))
        draft = next((r for r in versions if r.is_draft), None)
        if draft is not None:
            raise ValidationError(
                f"Version {draft.version} is already being prepared; issue it or carry on "
                "editing it."
            )
        newest = max(versions, key=lambda r: r.version)
        if newest.pk != report.pk:
            raise ValidationError(
                f"Version {newest.version} is the newest; correct that one instead."
            )
        correction = ExceptionReport.objects.create(
            period_id=report.period_id,
            version=newest.version + 1,
            status=ExceptionReport.Status.DRAFT,
            content=newest.content,
            commentary=newest.commentary,
            built_at=now,
            issue_deadline=newest.issue_deadline,
            correction_reason=reason,
        )
        ReportComment.objects.bulk_create(
            [
                ReportComment(
                    report=correction,
                    action_pk=c.action_pk,
                    ref=c.ref,
                    text=c.text,
                    author_id=c.author_id,
                    updated_at=c.updated_at,
                )
                for c in newest.comments.all()
            ]
        )
    return correction


# Sending -------------------------------------------------------------------------------


def _claim(model, pk: int, now: dt.datetime) -> bool:
    """Move one waiting (or failed) email row to ``sending``. True only for the run that did."""
    with transaction.atomic():
        return (
            model.objects.filter(
                pk=pk, status__in=[Delivery.PENDING, Delivery.FAILED], attempts__lt=MAX_ATTEMPTS
            ).update(status=Delivery.SENDING, attempts=F("attempts") + 1, claimed_at=now)
            == 1
        )


def _mark_sent(model, pk: int) -> None:
    model.objects.filter(pk=pk).update(status=Delivery.SENT, sent_at=timezone.now(), error="")


def _mark_failed(model, pk: int, error: BaseException) -> None:
    model.objects.filter(pk=pk).update(status=Delivery.FAILED, error=repr(error)[:2000])


def report_emails_send(*, report_id: int, now: dt.datetime | None = None) -> int:
    """Email an issued report to each recipient not yet sent it. Returns how many were sent."""
    now = _now(now)
    report = (
        ExceptionReport.objects.select_related("period__plan", "issued_by")
        .filter(pk=report_id, status=ExceptionReport.Status.ISSUED)
        .first()
    )
    if report is None:
        return 0
    waiting = list(
        report.emails.filter(
            status__in=[Delivery.PENDING, Delivery.FAILED], attempts__lt=MAX_ATTEMPTS
        ).order_by("id")
    )
    if not waiting:
        return 0
    document = selectors.report_document(report)
    groups = {code for a in document["content"]["actions"] for code in a["exec_codes"]}
    pdfs: dict[tuple[str, ...], bytes] = {}
    sent = 0
    with get_connection() as connection:
        for row in waiting:
            if not _claim(ReportEmail, row.pk, now):
                continue  # another run has it
            first = tuple(code for code in row.exec_codes if code in groups)
            try:
                if first not in pdfs:
                    pdfs[first] = render_pdf(document, first_codes=first)
                report_message(
                    document=document,
                    to=row.email,
                    name=row.name,
                    first_codes=first,
                    pdf=pdfs[first],
                    connection=connection,
                ).send()
            except Exception as error:  # recorded; the sweep tries again
                logger.exception("Could not email report %s to %s", report.pk, row.email)
                _mark_failed(ReportEmail, row.pk, error)
            else:
                _mark_sent(ReportEmail, row.pk)
                sent += 1
    return sent


def report_emails_retry(*, now: dt.datetime | None = None) -> int:
    """Recent issued reports with recipients the queued task did not reach, or who failed."""
    now = _now(now)
    report_ids = (
        ReportEmail.objects.filter(
            report__status=ExceptionReport.Status.ISSUED,
            report__issue_recorded_at__gt=now - RECENT,
            attempts__lt=MAX_ATTEMPTS,
        )
        .filter(
            Q(status=Delivery.FAILED)
            | Q(status=Delivery.PENDING, report__issue_recorded_at__lte=now - EMAIL_RETRY_AFTER)
        )
        .values_list("report_id", flat=True)
        .distinct()
    )
    return sum(report_emails_send(report_id=pk, now=now) for pk in sorted(set(report_ids)))


# Reminders -----------------------------------------------------------------------------


@dataclass
class ReminderRun:
    sent: int = 0
    failed: int = 0
    skipped_recent: list[str] = field(default_factory=list)


def _due_slot(
    *, plan: Plan, period: ReportingPeriod, report_settings: ReportSettings, now: dt.datetime
) -> dt.datetime | None:
    """The latest reminder time of ``period`` that has passed, if the period is still open.

    A worker down over a slot sends it late, once; two missed slots send only the later.
    Nothing is sent at or after the deadline.
    """
    if period.is_closed_at(now):
        return None
    start = schedule.period_start(plan, period.deadline)
    times = [
        schedule.reminder_time(plan, weekday=s.weekday, time=s.time, deadline=period.deadline)
        for s in report_settings.reminder_slots.all()
    ]
    passed = [t for t in times if start < t <= now]
    return max(passed) if passed else None


def _claim_reminders(
    *,
    period: ReportingPeriod,
    kind: str,
    slot_at: dt.datetime,
    missing: dict[int, list],
    now: dt.datetime,
    by: User | None = None,
) -> list[Reminder]:
    """Claim, in one committed transaction, the reminders this run will send."""
    with transaction.atomic():
        # Concurrent sweeps (or nudges) of one period queue here.
        ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        existing = {
            r.lead_id: r
            for r in Reminder.objects.filter(
                period=period, kind=kind, slot_at=slot_at, lead_id__in=list(missing)
            )
        }
        claimed = []
        for lead_id, actions in missing.items():
            row = existing.get(lead_id)
            refs = [a.ref for a in actions]
            if row is None:
                claimed.append(
                    Reminder.objects.create(
                        period=period,
                        lead_id=lead_id,
                        kind=kind,
                        slot_at=slot_at,
                        status=Delivery.SENDING,
                        attempts=1,
                        claimed_at=now,
                        action_refs=refs,
                        sent_by=by,
                    )
                )
            elif row.status == Delivery.FAILED and row.attempts < MAX_ATTEMPTS:
                row.status = Delivery.SENDING
                row.attempts += 1
                row.claimed_at = now
                row.action_refs = refs
                row.save(update_fields=["status", "attempts", "claimed_at", "action_refs"])
                claimed.append(row)
    return claimed


def _send_reminders(
    *, period: ReportingPeriod, claimed: list[Reminder], missing: dict[int, list], nudge: bool
) -> ReminderRun:
    run = ReminderRun()
    if not claimed:
        return run
    leads = get_user_model().objects.in_bulk([r.lead_id for r in claimed])
    with get_connection() as connection:
        for reminder in claimed:
            lead = leads[reminder.lead_id]
            try:
                if not lead.email:
                    raise ValueError("The lead's account has no email address.")
                reminder_message(
                    lead=lead,
                    period=period,
                    actions=missing[reminder.lead_id],
                    nudge=nudge,
                    connection=connection,
                ).send()
            except Exception as error:  # recorded; the next sweep before the deadline retries
                logger.exception("Could not send a reminder to lead %s", reminder.lead_id)
                _mark_failed(Reminder, reminder.pk, error)
                run.failed += 1
            else:
                _mark_sent(Reminder, reminder.pk)
                run.sent += 1
    return run


def reminders_send_due(*, plan: Plan, now: dt.datetime | None = None) -> ReminderRun:
    """At the plan's reminder times, one email to each lead with open actions not updated."""
    now = _now(now)
    period = plan_services.period_current_row(plan=plan, now=now)
    period.plan = plan
    slot_at = _due_slot(
        plan=plan, period=period, report_settings=report_settings_ensure(plan=plan), now=now
    )
    if slot_at is None:
        return ReminderRun()
    missing = selectors.leads_missing_updates(period)
    opted_out = set(
        ReminderOptOut.objects.filter(plan=plan, user_id__in=list(missing)).values_list(
            "user_id", flat=True
        )
    )
    missing = {lead: actions for lead, actions in missing.items() if lead not in opted_out}
    if not missing:
        return ReminderRun()
    claimed = _claim_reminders(
        period=period, kind=Reminder.Kind.SCHEDULED, slot_at=slot_at, missing=missing, now=now
    )
    return _send_reminders(period=period, claimed=claimed, missing=missing, nudge=False)


def reminders_opt_out(*, plan: Plan, user: User, now: dt.datetime | None = None):
    """No more scheduled reminder emails for this lead and plan (the unsubscribe link)."""
    ReminderOptOut.objects.get_or_create(plan=plan, user=user, defaults={"at": _now(now)})


def reminders_opt_in(*, plan: Plan, user: User) -> None:
    """Scheduled reminders again (the same page's "Turn reminders back on")."""
    ReminderOptOut.objects.filter(plan=plan, user=user).delete()


def reminders_send(*, now: dt.datetime | None = None) -> ReminderRun:
    """Due reminders of every plan (``manage.py send_reminders``)."""
    now = _now(now)
    total = ReminderRun()
    for plan in Plan.objects.all():
        run = reminders_send_due(plan=plan, now=now)
        total.sent += run.sent
        total.failed += run.failed
    return total


def nudge_send(*, plan: Plan, by: User | None, now: dt.datetime | None = None) -> ReminderRun:
    """The PMO's "Send a nudge to the missing leads", recorded like a reminder."""
    now = _now(now)
    period = plan_services.period_current_row(plan=plan, now=now)
    period.plan = plan
    missing = selectors.leads_missing_updates(period)
    recent = set(
        Reminder.objects.filter(
            period=period,
            kind=Reminder.Kind.NUDGE,
            lead_id__in=list(missing),
            slot_at__gt=now - NUDGE_GAP,
        )
        .exclude(status=Delivery.FAILED)
        .values_list("lead_id", flat=True)
    )
    to_nudge = {lead: actions for lead, actions in missing.items() if lead not in recent}
    claimed = (
        _claim_reminders(
            period=period,
            kind=Reminder.Kind.NUDGE,
            slot_at=now,
            missing=to_nudge,
            now=now,
            by=by,
        )
        if to_nudge
        else []
    )
    run = _send_reminders(period=period, claimed=claimed, missing=to_nudge, nudge=True)
    run.skipped_recent = sorted(
        display_name(u) for u in get_user_model().objects.filter(pk__in=recent)
    )
    return run


# The sweep -----------------------------------------------------------------------------


@dataclass
class SweepResult:
    built: list[ExceptionReport] = field(default_factory=list)
    issued: list[ExceptionReport] = field(default_factory=list)
    reminders: int = 0
    emails_retried: int = 0


def drafts_build_due(*, plan: Plan, now: dt.datetime | None = None) -> list[ExceptionReport]:
    """Drafts for the plan's recently locked periods that have no report yet."""
    now = _now(now)
    periods = (
        plan.periods.filter(
            locked_at__isnull=False, deadline__gt=now - RECENT, exception_reports__isnull=True
        )
        .filter(Exists(PeriodSnapshot.objects.filter(period=OuterRef("pk"))))
        .order_by("deadline")
    )  # a plan with no actions at the lock has nothing to report
    return [report_build(period=period, now=now) for period in periods]


def reports_issue_overdue(*, plan: Plan, now: dt.datetime | None = None) -> list[ExceptionReport]:
    """Drafts nobody issued by the plan's issue time (Thursday 12:00), issued as of then.

    Only a period's first version: a correction is issued by the PMO when it is ready.
    """
    now = _now(now)
    overdue = ExceptionReport.objects.drafts().filter(
        period__plan=plan, version=1, issue_deadline__lte=now
    )
    return [
        r
        for r in overdue.order_by("issue_deadline")
        if report_issue_automatically(report=r, now=now)
    ]


def reports_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """What beat runs every few minutes: safe to run twice, or after days down.

    For each plan: lock what is due (so the draft follows the lock at once), build the
    drafts, issue the overdue ones, send the reminders due. One broken plan does not stop
    the others.
    """
    now = _now(now)
    result = SweepResult()
    failed = []
    first_error: Exception | None = None
    for plan in Plan.objects.all():
        try:
            plan_services.plan_lock_due(plan=plan, now=now)
            result.built.extend(drafts_build_due(plan=plan, now=now))
            result.issued.extend(reports_issue_overdue(plan=plan, now=now))
            result.reminders += reminders_send_due(plan=plan, now=now).sent
        except Exception as error:  # logged; the other plans still get their reports
            logger.exception("Could not sweep the reports of plan %s (%s)", plan.pk, plan)
            failed.append(plan)
            first_error = first_error or error
    result.emails_retried = report_emails_retry(now=now)
    from .board.services import board_report_sendings_retry

    result.emails_retried += board_report_sendings_retry(now=now)
    if failed:
        raise ReportSweepIncomplete(failed) from first_error
    return result
