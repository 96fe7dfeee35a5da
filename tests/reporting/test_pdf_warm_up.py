"""A PDF worker's new process lays out a sample of each report before its first job."""

import pytest
from celery.signals import worker_process_init
from django.template.loader import render_to_string

from reporting import pdf


@pytest.fixture
def warm_ups(monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "warm_up", lambda: calls.append("warmed"))
    return calls


def test_a_pdf_worker_process_warms_up_when_it_starts(settings, warm_ups):
    settings.PDF_WORKER_WARM_UP = True
    worker_process_init.send(sender=None)
    assert warm_ups == ["warmed"]


def test_other_worker_processes_do_not_warm_up(settings, warm_ups):
    settings.PDF_WORKER_WARM_UP = False
    worker_process_init.send(sender=None)
    assert warm_ups == []


def test_a_failed_warm_up_is_logged_and_the_worker_starts_all_the_same(
    settings, monkeypatch, caplog
):
    def broken():
        raise OSError("no fonts")

    monkeypatch.setattr(pdf, "warm_up", broken)
    settings.PDF_WORKER_WARM_UP = True
    worker_process_init.send(sender=None)
    assert "The PDF worker's warm-up failed" in caplog.text


def test_the_warm_up_lays_out_each_reports_own_stylesheet(settings):
    """The stylesheets it lays out are the ones the reports print with, not copies."""
    board = render_to_string("reporting/board/_pdf_style.html")
    exception = render_to_string("reporting/_pdf_style.html")
    assert "@page appendix" in board
    assert "size: A4 landscape" in exception
    for template, style in (
        ("reporting/board/report_pdf.html", "reporting/board/_pdf_style.html"),
        ("reporting/report_pdf.html", "reporting/_pdf_style.html"),
    ):
        source = (settings.BASE_DIR / "templates" / template).read_text(encoding="utf-8")
        assert f'{{% include "{style}" %}}' in source
        assert "<style>" not in source
    assert set(pdf._WARM_UP_STYLES) == {
        "reporting/board/_pdf_style.html",
        "reporting/_pdf_style.html",
    }


def test_the_warm_up_lays_out_both_stylesheets_with_the_real_engine():
    # The board report's sample: a portrait page and the appendix's landscape page; the
    # exception report's: one landscape page.
    assert pdf.warm_up() == 3
