"""Counts read from the plan, shared by the plan page and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from actions.models import Action, ExecRole, Plan, ReportingPeriod
from improvement.people import display_name

from .content import ref_key
from .models import Delivery, ExceptionReport, Reminder, ReminderOptOut

# Exception reports ---------------------------------------------------------------------


def report_document(report: ExceptionReport) -> dict[str, Any]:
    """The report as plain JSON-safe data: what the page, PDF and emails render from.

    Two queries (the report's comments, and who issued it if not already loaded).
    """
    comments = {
        str(comment.action_pk): {
            "text": comment.text,
            "author": display_name(comment.author),
            "updated_at": comment.updated_at.isoformat(),
        }
        for comment in report.comments.select_related("author").order_by("id")
    }
    return {
        "report_id": report.pk,
        "version": report.version,
        "status": report.status,
        "title": report.title,
        "content": report.content,
        "commentary": report.commentary,
        "comments": comments,
        "issue_deadline": report.issue_deadline.isoformat() if report.issue_deadline else None,
        "issued_at": report.issued_at.isoformat() if report.issued_at else None,
        "issued_by": display_name(report.issued_by),
        "auto_issued": report.auto_issued,
        "issue_note": report.issue_note,
        "correction_reason": report.correction_reason,
    }


def exec_codes_of(user) -> list[str]:
    """The exec roles ``user`` holds now (``DoN``…): their copy of a report puts these first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        ExecRole.objects.filter(holder=user).order_by("code").values_list("code", flat=True)
    )


def latest_locked_period(plan: Plan) -> ReportingPeriod | None:
    period = plan.periods.filter(locked_at__isnull=False).order_by("-deadline").first()
    if period is not None:
        period.plan = plan
    return period


def report_current(period: ReportingPeriod) -> ExceptionReport | None:
    """The period's newest issued version, else its draft (None if nothing is built yet)."""
    reports = ExceptionReport.objects.filter(period=period).select_related("period__plan")
    return (
        reports.issued().order_by("-version").first()
        or reports.drafts().order_by("-version").first()
    )


def report_versions(report: ExceptionReport) -> list[ExceptionReport]:
    return list(
        ExceptionReport.objects.filter(period_id=report.period_id)
        .select_related("issued_by")
        .defer("content")
        .order_by("version")
    )


def reports_listing(*, plan: Plan | None = None, include_drafts: bool) -> QuerySet:
    """Every exception report, newest period first; drafts only for the PMO."""
    reports = ExceptionReport.objects.for_listing().newest_first()
    if plan is not None:
        reports = reports.of_plan(plan)
    if not include_drafts:
        reports = reports.issued()
    return reports


# Who has updated -----------------------------------------------------------------------


@dataclass
class LeadProgress:
    lead: Any
    total: int
    missing: list[Action]
    last_reminder: Reminder | None = None

    @property
    def done(self) -> int:
        return self.total - len(self.missing)

    @property
    def finished(self) -> bool:
        return not self.missing

    @property
    def name(self) -> str:
        return display_name(self.lead)


@dataclass
class UpdateProgress:
    period: ReportingPeriod
    leads: list[LeadProgress]
    unassigned: list[Action]

    @property
    def missing_leads(self) -> list[LeadProgress]:
        return [p for p in self.leads if not p.finished]

    @property
    def finished_leads(self) -> list[LeadProgress]:
        return [p for p in self.leads if p.finished]

    @property
    def total(self) -> int:
        return sum(p.total for p in self.leads)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.leads)


def update_progress(period: ReportingPeriod) -> UpdateProgress:
    """Each lead's open actions in ``period``'s plan and which still lack an update.

    Three queries whatever the number of leads: the actions with their update state (one
    subquery), their leads, and the reminders already sent this period.
    """
    actions = list(
        Action.objects.open()
        .filter(plan_id=period.plan_id)
        .with_update_state(period)
        .select_related("action_lead")
        .order_by("id")
    )
    by_lead: dict[int, LeadProgress] = {}
    unassigned = []
    for action in sorted(actions, key=lambda a: ref_key(a.ref)):
        if action.action_lead_id is None:
            unassigned.append(action)
            continue
        progress = by_lead.setdefault(
            action.action_lead_id, LeadProgress(lead=action.action_lead, total=0, missing=[])
        )
        progress.total += 1
        if not action.updated_this_period:
            progress.missing.append(action)
    for reminder in (
        # By id: the open period may be unsaved yet (no reminder has gone out on it).
        Reminder.objects.filter(period_id=period.pk, status=Delivery.SENT)
        .order_by("slot_at", "id")
        .only("lead_id", "kind", "slot_at", "sent_at", "status")
    ):
        if reminder.lead_id in by_lead:
            by_lead[reminder.lead_id].last_reminder = reminder
    leads = sorted(by_lead.values(), key=lambda p: p.name.lower())
    return UpdateProgress(period=period, leads=leads, unassigned=unassigned)


def leads_missing_updates(period: ReportingPeriod) -> dict[int, list[Action]]:
    """Lead id -> their open actions in the plan with no update for ``period``. One query."""
    missing: dict[int, list[Action]] = {}
    for action in (
        Action.objects.open()
        .filter(plan_id=period.plan_id, action_lead__isnull=False)
        .with_update_state(period)
        .filter(updated_this_period=False)
        .order_by("id")
    ):
        missing.setdefault(action.action_lead_id, []).append(action)
    for actions in missing.values():
        actions.sort(key=lambda a: ref_key(a.ref))
    return missing


# Distribution list ---------------------------------------------------------------------


def distribution_suggestions(plan: Plan) -> list[tuple[Any, list[str]]]:
    """Holders of the plan's exec roles, with their codes, whose email is not on the list."""
    listed = {e.lower() for e in plan.distribution_list.values_list("email", flat=True)}
    roles = (
        ExecRole.objects.filter(actions__plan=plan, holder__isnull=False)
        .select_related("holder")
        .distinct()
        .order_by("code")
    )
    found: dict[str, tuple[Any, list[str]]] = {}
    for role in roles:
        holder = role.holder
        if holder is None:  # filtered out above; narrows the type
            continue
        email = (holder.email or "").strip().lower()
        if email and email not in listed:
            found.setdefault(email, (holder, []))[1].append(role.code)
    return sorted(found.values(), key=lambda pair: display_name(pair[0]).lower())


def reminders_opted_out(*, plan, user) -> bool:
    """Whether this lead asked for no scheduled reminder emails for this plan."""
    return ReminderOptOut.objects.filter(plan=plan, user=user).exists()
