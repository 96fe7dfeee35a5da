"""The exception report as a PDF (A4, page numbers, the RAGB key), rendered with WeasyPrint.

``render_pdf`` takes only a report's document (plain JSON-safe data), never a model or a
database connection, so it can run in a separate worker process when reports grow.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.template.loader import render_to_string

from improvement import text as typed

from .presenter import present_compact

# WeasyPrint logs every page it lays out at INFO; a 100-page report would flood the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Fewer garbage collections while WeasyPrint lays out a long document.

    WeasyPrint allocates millions of small objects; at Python's default threshold the
    collector runs constantly and its full passes walk the whole box tree. Objects that
    exist already are frozen out of its reach and a collection waits for 50,000
    allocations: about a quarter less CPU on the 2,000-action board report, with the same
    peak memory (bench/README.md). PDF workers are replaced after each job anyway.
    """
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def render_html(document: dict[str, Any], *, first_codes: Iterable[str] = ()) -> str:
    """The HTML WeasyPrint lays out: the print template, its CSS inline; no control or
    invisible characters from the text people typed."""
    return typed.clean(
        render_to_string(
            "reporting/report_pdf.html",
            {"report": present_compact(document, first_codes=first_codes)},
        )
    )


def render_pdf(document: dict[str, Any], *, first_codes: Iterable[str] = ()) -> bytes:
    """The report's PDF bytes; ``first_codes`` puts those exec leads' actions first."""
    import weasyprint  # heavy: loaded only where a PDF is made
    from weasyprint.urls import URLFetcher

    html = render_html(document, first_codes=first_codes)
    # Self-contained: no font, image or stylesheet is fetched from anywhere.
    no_fetching = URLFetcher(allowed_protocols=())
    with fewer_collections():
        return weasyprint.HTML(string=html, url_fetcher=no_fetching).write_pdf()


def pdf_filename(document: dict[str, Any]) -> str:
    """'exception-report-2026-11-25.pdf', with '-v2' for a correction."""
    content = document["content"]
    version = document.get("version", 1)
    suffix = f"-v{version}" if version > 1 else ""
    return f"exception-report-{content['period']['deadline_date']}{suffix}.pdf"
