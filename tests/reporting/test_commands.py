"""``manage.py exception_report --pdf FILE`` and ``manage.py send_reminders``: same services."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reporting import services
from reporting.models import ExceptionReport
from tests.factories import ActionFactory, PlanFactory

from .conftest import london, pdf_text, requires_pdftotext, travel


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def weekly(db, lead):
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 11, 19))
    ActionFactory(plan=plan, ref="T1", action_lead=lead)
    return plan


def test_exception_report_builds_the_draft_first_if_the_task_has_not_run(weekly, tmp_path):
    target = tmp_path / "report.pdf"
    with travel(london(2026, 11, 25, 12, 1)):
        out = run("exception_report", "--pdf", str(target))
    assert "Built the draft of Week ending Wed 25 Nov 2026." in out
    assert "draft." in out
    assert target.read_bytes().startswith(b"%PDF")
    assert ExceptionReport.objects.count() == 1


@requires_pdftotext
def test_exception_report_writes_the_issued_version_when_there_is_one(weekly, pmo, tmp_path):
    with travel(london(2026, 11, 25, 12, 1)):
        run("exception_report", "--pdf", str(tmp_path / "draft.pdf"))
        report = ExceptionReport.objects.get()
        services.report_issue(report=report, by=pmo)
        out = run("exception_report", "--period", "latest", "--pdf", str(tmp_path / "x.pdf"))
    assert "issued." in out
    assert "Issued " in pdf_text((tmp_path / "x.pdf").read_bytes(), tmp_path)
    assert "DRAFT" in pdf_text((tmp_path / "draft.pdf").read_bytes(), tmp_path)


def test_exception_report_takes_a_period_by_its_deadline_date(weekly, tmp_path):
    with travel(london(2026, 12, 3, 9)):
        out = run("exception_report", "--period", "2026-11-25", "--pdf", str(tmp_path / "a.pdf"))
        assert "Week ending Wed 25 Nov 2026" in out
        with pytest.raises(CommandError, match="No locked period"):
            run("exception_report", "--period", "2026-11-26", "--pdf", str(tmp_path / "b.pdf"))


def test_exception_report_needs_the_plan_named_when_there_are_several(weekly, tmp_path):
    PlanFactory()
    with pytest.raises(CommandError, match="--plan"):
        run("exception_report", "--pdf", str(tmp_path / "a.pdf"))


def test_exception_report_before_any_lock_says_so(weekly, tmp_path):
    with travel(london(2026, 11, 24, 9)), pytest.raises(CommandError, match="No locked period"):
        run("exception_report", "--pdf", str(tmp_path / "a.pdf"))


def test_send_reminders_sends_the_due_reminders_once(weekly):
    with travel(london(2026, 11, 24, 9, 1)):
        assert "1 reminder(s) sent." in run("send_reminders")
        assert "0 reminder(s) sent." in run("send_reminders")
    assert len(mail.outbox) == 1
