"""Writes and the one read that builds the board highlight report.

``board_report_document`` builds the report's document for any month; ``board_report_request``
queues a new version; ``board_report_render`` (the task's whole work) freezes the document,
renders the PDF, stores it and emails whoever asked.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actions.models import KeyQuestion, Plan

from ..models import BoardReport
from .content import COVER_FIELDS, board_content, month_start

logger = logging.getLogger(__name__)

TEXT_LIMIT = 20_000  # characters in one of the PMO's boxes: pages, not a book


def cover_of(report: BoardReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in COVER_FIELDS}


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
