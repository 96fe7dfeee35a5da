"""Writes and the one read that builds the board highlight report.

``board_report_document`` builds the report's document for any month; ``board_report_request``
queues a new version; ``board_report_render`` (the task's whole work) freezes the document,
renders the PDF, stores it and emails whoever asked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from actions.models import KeyQuestion, Plan

from ..models import BoardReport, BoardReportSending, Committee, Delivery
from .content import COVER_FIELDS, as_at_of, board_content, month_start

logger = logging.getLogger(__name__)

TEXT_LIMIT = 20_000  # characters in one of the PMO's boxes: pages, not a book


def cover_of(report: BoardReport) -> dict[str, Any]:
    return {
        **{name: getattr(report, name) for name in COVER_FIELDS},
        "baf_risk_links": list(report.baf_risk_links.order_by("reference", "id")),
    }


def cover_defaults(*, plan: Plan, month: dt.date, by: AbstractBaseUser | None = None) -> dict:
    """The cover sheet's starting point: the plan's last report's, with this month's title."""
    last = BoardReport.objects.of_plan(plan).newest_first().first()
    if last is not None:
        cover = cover_of(last)
        if last.month != month:  # a new month's meeting; a new version keeps its dates
            cover["meeting_date"] = None
            cover["written_on"] = timezone.localdate()
        old_label = f"{last.month:%B %Y}"
        cover["paper_title"] = last.paper_title.replace(old_label, f"{month:%B %Y}")
        return cover
    author = (by.get_full_name() or by.get_username()) if by is not None else ""
    return {
        "meeting": "Trust Board",
        "paper_title": f"CQC improvement plan: progress update, {month:%B %Y}",
        "meeting_date": None,
        "written_on": timezone.localdate(),
        "responsible_director": "",
        "author": author,
        "previously_considered_by": "",
        "asked_to": BoardReport.AskedTo.NOTE,
        "key_questions": [q.value for q in KeyQuestion],
        "strategic_objectives": "",
        "baf_risks": "",
        "baf_risk_links": [],
        "equality_impact": "",
        "foi_status": BoardReport.FoiStatus.FULL,
        "financial_assessment": "",
        "executive_summary": "",
        "risks": "",
        "next_steps": "",
    }


def board_report_document(
    *,
    plan: Plan,
    month: dt.date,
    cover: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The report's document for ``plan`` and ``month``, as at the month's end.

    Without ``cover``, the cover sheet of the month's newest report, else the defaults.
    """
    month = month_start(month)
    if cover is None:
        report = BoardReport.objects.of_plan(plan).filter(month=month).newest_first().first()
        cover = cover_of(report) if report else cover_defaults(plan=plan, month=month)
    return board_content(plan=plan, month=month, cover=cover, now=now)


# The dashboard's figures are kept until anything they show may have changed. Aggregates
# only, each on an index: an action saved (version, updated_at) or added, a weekly update
# saved or replaced, any history entry, link to a finding, lock, closure request,
# sign-off or assurance meeting; a baseline taken or a change request decided; a
# workstream, its actions, KPIs or narratives; a root cause or its actions; a KPI or a
# value; a notice or a condition. A change none of these see (a finding's key question
# edited, an exec role's holder, a workstream renamed, a condition's words) shows within
# DASHBOARD_SECONDS.
_DASHBOARD_FINGERPRINT_SQL = """
SELECT a.n, a.version_sum, a.changed_at, u.n, u.revision_sum, u.latest,
  (SELECT MAX(id) FROM actions_historyentry),
  (SELECT COUNT(*) FROM actions_action_findings),
  (SELECT MAX(locked_at) FROM actions_reportingperiod WHERE plan_id = %(plan)s),
  (SELECT COUNT(*) FROM actions_reportingperiod WHERE plan_id = %(plan)s),
  (SELECT MAX(id) FROM evidence_closurerequest),
  (SELECT MAX(withdrawn_at) FROM evidence_closurerequest),
  (SELECT MAX(id) FROM evidence_signoff),
  (SELECT MAX(id) FROM evidence_assurancemeeting),
  (SELECT COUNT(*) FROM evidence_assurancemeeting_presented),
  (SELECT MAX(id) FROM actions_planbaseline WHERE plan_id = %(plan)s),
  (SELECT MAX(decided_at) FROM actions_changerequest),
  (SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM programme_workstream
     WHERE plan_id = %(plan)s),
  (SELECT COUNT(*) FROM programme_workstreamaction),
  (SELECT COUNT(*) FROM programme_workstream_kpis),
  (SELECT MAX(updated_at) FROM programme_workstreamnarrative),
  (SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM programme_rootcause
     WHERE plan_id = %(plan)s),
  (SELECT COUNT(*) FROM programme_rootcause_actions),
  (SELECT COUNT(*) || ':' || COALESCE(MAX(updated_at), '2000-01-01') FROM kpis_kpi
     WHERE plan_id = %(plan)s),
  (SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM kpis_kpivalue),
  (SELECT MAX(id) FROM kpis_kpivaluereplaced),
  (SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM programme_notice),
  (SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM programme_noticecondition)
FROM (SELECT COUNT(*) AS n, SUM(version) AS version_sum, MAX(updated_at) AS changed_at
        FROM actions_action WHERE plan_id = %(plan)s) a,
     (SELECT COUNT(*) AS n, SUM(revision) AS revision_sum, MAX(submitted_at) AS latest
        FROM actions_weeklyupdate
        WHERE period_id IN (SELECT id FROM actions_reportingperiod WHERE plan_id = %(plan)s)) u
"""
DASHBOARD_SECONDS = 5 * 60


def dashboard_fingerprint(*, plan: Plan) -> str:
    """Moves whenever the board dashboard's figures may have changed."""
    with connection.cursor() as cursor:
        cursor.execute(_DASHBOARD_FINGERPRINT_SQL, {"plan": plan.pk})
        row = cursor.fetchone()
    raw = "|".join(str(value) for value in (plan.pk, *row))
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def board_dashboard_document(*, plan: Plan, now: dt.datetime | None = None) -> dict[str, Any]:
    """This month's figures as they stand now, without a cover sheet: built once per state
    of the plan (cached), its "as at" always now."""
    now = now or timezone.now()
    month = timezone.localtime(now, plan.tz).date().replace(day=1)
    prefix = f"board-dashboard:{plan.pk}:{month:%Y-%m}:"
    document = cache.get(prefix + dashboard_fingerprint(plan=plan))
    if document is None:
        document = board_report_document(plan=plan, month=month, cover={}, now=now)
        # Read again after the build: building may open this week's reporting period.
        cache.set(prefix + dashboard_fingerprint(plan=plan), document, DASHBOARD_SECONDS)
        return document
    return {**document, "as_at": as_at_of(plan, month, now)}


def _check(cover: dict[str, Any], month: dt.date, now: dt.datetime, plan: Plan) -> None:
    errors: dict[str, str] = {}
    this_month = month_start(timezone.localtime(now, plan.tz).date())
    if month > this_month:
        errors["month"] = "Choose a month that has begun: the report shows how it ended."
    if not (cover.get("paper_title") or "").strip():
        errors["paper_title"] = "Enter the paper's title."
    if cover.get("asked_to") not in BoardReport.AskedTo.values:
        errors["asked_to"] = "Choose what the board is asked to do."
    unknown = set(cover.get("key_questions") or []) - set(KeyQuestion.values)
    if unknown:
        errors["key_questions"] = "Choose key questions from the list."
    if any(r.plan_id != plan.pk or r.kind != "baf" for r in cover.get("baf_risk_links") or []):
        errors["baf_risk_links"] = "Choose BAF risks of this plan."
    for name in COVER_FIELDS:
        value = cover.get(name)
        if isinstance(value, str) and len(value) > TEXT_LIMIT:
            errors[name] = f"Keep this under {TEXT_LIMIT:,} characters."
    if errors:
        raise ValidationError(errors)


def board_report_request(
    *,
    plan: Plan,
    month: dt.date,
    by: AbstractBaseUser,
    cover: dict[str, Any],
    now: dt.datetime | None = None,
) -> BoardReport:
    """Queue a new version of ``plan``'s report for ``month``; the PDF worker makes it."""
    now = now or timezone.now()
    month = month_start(month)
    _check(cover, month, now, plan)
    with transaction.atomic():
        # One writer per plan at a time: two PMOs pressing Generate get versions n and n+1.
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        latest = BoardReport.objects.filter(plan=plan, month=month).aggregate(v=Max("version"))
        report = BoardReport(
            plan=plan,
            month=month,
            version=(latest["v"] or 0) + 1,
            requested_by=by,
            requested_at=now,
            **{name: cover.get(name) for name in COVER_FIELDS},
        )
        report.full_clean()
        report.save()
        report.baf_risk_links.set(cover.get("baf_risk_links") or [])
        from .. import tasks

        transaction.on_commit(lambda: tasks.render_pdf_board_report.delay(report.pk))
    return report


def _progress(report_id: int, **fields: Any) -> None:
    """Written at once (no surrounding transaction), so the page polling it sees it."""
    BoardReport.objects.filter(pk=report_id).update(**fields)


def board_report_render(*, report_id: int, now: dt.datetime | None = None) -> BoardReport:
    """Freeze the document, render the PDF, store it and email the requester.

    Safe to run twice: a report already made is left as it is. A failure is recorded on
    the report (the page shows it) rather than retried: the same data would fail again.
    """
    from .emails import board_report_ready_message
    from .pdf import pdf_filename, render_board_pdf

    report = BoardReport.objects.select_related("plan", "requested_by").get(pk=report_id)
    if report.status == BoardReport.State.READY:
        return report
    started = timezone.now()
    _progress(report_id, status=BoardReport.State.RENDERING, progress=5, started_at=started)
    try:
        document = board_content(
            plan=report.plan, month=report.month, cover=cover_of(report), now=now or started
        )
        document["report"] = {
            "id": report.pk,
            "version": report.version,
            "requested_at": report.requested_at.isoformat(),
        }
        _progress(report_id, progress=35, document=document)
        pdf = render_board_pdf(document)
        _progress(report_id, progress=90)
        with transaction.atomic():
            report = BoardReport.objects.select_for_update().get(pk=report_id)
            report.document = document
            report.pdf.save(pdf_filename(document), ContentFile(pdf), save=False)
            report.status = BoardReport.State.READY
            report.progress = 100
            report.error = ""
            report.finished_at = timezone.now()
            report.save()
    except Exception as failure:
        logger.exception("Board report %s failed", report_id)
        _progress(
            report_id,
            status=BoardReport.State.FAILED,
            error=f"{type(failure).__name__}: {failure}"[:2000],
            finished_at=timezone.now(),
        )
        report.refresh_from_db()
        return report
    requester = report.requested_by
    if requester is not None and requester.email:
        try:
            board_report_ready_message(report=report, to=requester).send()
        except Exception:  # the report is made; a mail server down must not undo that
            logger.exception(
                "Could not email %s that board report %s is ready", requester, report_id
            )
    return report


# Sending the finished pack to the committees ---------------------------------------------

MAX_RECIPIENTS = 200
# A larger PDF goes as a link to the report's download (sign-in needed), not an attachment.
ATTACH_MAX_BYTES = 10 * 1024 * 1024


def _addresses(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, email) for each line, and the lines that are not an address."""
    from email.utils import parseaddr

    from django.core.validators import validate_email

    found, bad = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        name, email = parseaddr(line)
        try:
            validate_email(email)
        except ValidationError:
            bad.append(line)
        else:
            found.append((name.strip(), email.lower()))
    return found, bad


def committee_add(
    *,
    plan: Plan,
    name: str,
    recipients: str,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> Committee:
    """A committee of ``plan`` and its distribution list (one address a line)."""
    name = " ".join((name or "").split())
    found, bad = _addresses(recipients)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the committee's name, for example Quality Committee."
    elif Committee.objects.filter(plan=plan, name__iexact=name).exists():
        errors["name"] = f"The plan already has a committee called {name}."
    if bad:
        errors["recipients"] = (
            "These lines are not email addresses: " + "; ".join(bad[:5]) + ". Put one "
            'address a line, as "Name <name@trust.nhs.uk>" or the address alone.'
        )
    elif not found:
        errors["recipients"] = "Enter at least one email address, one a line."
    elif len(found) > MAX_RECIPIENTS:
        errors["recipients"] = f"Keep the list to {MAX_RECIPIENTS} addresses."
    if errors:
        raise ValidationError(errors)
    lines = [f"{n} <{e}>" if n else e for n, e in dict((e, (n, e)) for n, e in found).values()]
    with transaction.atomic():
        committee = Committee(
            plan=plan,
            name=name,
            recipients="\n".join(lines),
            added_at=now or timezone.now(),
            added_by=by,
        )
        committee.full_clean()
        committee.save()
    return committee


def committee_remove(*, committee: Committee) -> None:
    """Take a committee off the plan; what was sent to it stays recorded under its name."""
    with transaction.atomic():
        Committee.objects.filter(pk=committee.pk).delete()


def board_report_send(
    *,
    report: BoardReport,
    committee: Committee,
    by: AbstractBaseUser | None,
    again: bool = False,
    now: dt.datetime | None = None,
) -> BoardReportSending:
    """Queue this version of the report to ``committee``'s list; emailed after the commit.

    Once per committee and version: a second send is refused unless ``again`` (the PMO's
    "Send again"), which records a new round.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = BoardReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != BoardReport.State.READY:
            raise ValidationError("The report is not made yet: send it once it is ready.")
        if committee.plan_id != locked.plan_id:
            raise ValidationError("That committee belongs to another plan.")
        addresses = committee.addresses
        if not addresses:
            raise ValidationError(f"{committee.name} has no one on its list: add addresses first.")
        earlier = (
            BoardReportSending.objects.filter(report=locked, committee_name=committee.name)
            .order_by("-round")
            .first()
        )
        if earlier is not None and not again:
            when = timezone.localtime(earlier.requested_at, locked.plan.tz)
            who = earlier.requested_by
            raise ValidationError(
                f"Version {locked.version} was sent to {committee.name} on "
                f"{when:%-d %b %Y} at {when:%H:%M}"
                + (f" by {who.get_full_name() or who.get_username()}" if who else "")
                + ". Press Send again to send it once more."
            )
        sending = BoardReportSending.objects.create(
            report=locked,
            committee=committee,
            committee_name=committee.name,
            recipients=[list(a) for a in addresses],
            round=(earlier.round + 1) if earlier else 1,
            requested_by=by,
            requested_at=now,
        )
        from .. import tasks

        transaction.on_commit(lambda: tasks.send_board_report_to_committee.delay(sending.pk))
    return sending


def board_report_sending_deliver(*, sending_id: int, now: dt.datetime | None = None) -> bool:
    """Email one sending (claimed first, so it goes once); a failure is recorded and retried."""
    from ..services import _claim, _mark_failed, _mark_sent
    from .emails import board_report_committee_message

    now = now or timezone.now()
    if not _claim(BoardReportSending, sending_id, now):
        return False  # sent, being sent, or out of attempts
    sending = BoardReportSending.objects.select_related("report__plan", "requested_by").get(
        pk=sending_id
    )
    try:
        pdf = sending.report.pdf.open("rb").read()
        as_link = len(pdf) > ATTACH_MAX_BYTES
        board_report_committee_message(sending=sending, pdf=None if as_link else pdf).send()
    except Exception as error:  # recorded; the sweep tries again
        logger.exception("Could not send board report sending %s", sending_id)
        _mark_failed(BoardReportSending, sending_id, error)
        return False
    BoardReportSending.objects.filter(pk=sending_id).update(as_link=as_link)
    _mark_sent(BoardReportSending, sending_id)
    return True


def board_report_sendings_retry(*, now: dt.datetime | None = None) -> int:
    """Sendings that failed, or that the queued task did not reach; tried again (the sweep)."""
    from ..services import EMAIL_RETRY_AFTER, MAX_ATTEMPTS, RECENT

    now = now or timezone.now()
    waiting = (
        BoardReportSending.objects.filter(requested_at__gt=now - RECENT, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status=Delivery.FAILED)
            | Q(status=Delivery.PENDING, requested_at__lte=now - EMAIL_RETRY_AFTER)
        )
        .order_by("id")
        .values_list("pk", flat=True)
    )
    return sum(board_report_sending_deliver(sending_id=pk, now=now) for pk in list(waiting))
