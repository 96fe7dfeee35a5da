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


# What a PDF worker lays out once when it starts (``warm_up``): every kind of element the
# reports print, in their own stylesheets, so that the fonts, the hyphenation dictionary and
# the templates are loaded before the first job instead of during it.
_WARM_UP_BODY = """<body>
<p class="app-running app-running-plan">Plan — Report</p>
<h1>Heading</h1><p class="app-meta">As at <span class="app-asat">1 January 2026</span>.</p>
<h2>Section</h2><h3>Part</h3><h4>Item</h4>
<p class="app-text">Text <strong>bold</strong> <em>italic</em>.</p>
<table class="app-cover"><tbody><tr><th scope="row">Meeting</th><td>Board</td></tr></tbody></table>
<table class="app-ticks"><tbody>
<tr><td><span class="app-tick">☒ For assurance</span> ☐</td></tr></tbody></table>
<table><thead><tr><th>Requirement</th><th class="app-num">Total</th></tr></thead><tbody>
<tr><th scope="row"><strong>A1</strong></th>
<td class="app-ragb-cell app-ragb-cell--red">Red</td></tr>
<tr class="app-total"><th>Total</th><td class="app-num">1</td></tr></tbody></table>
<div class="app-chart__image"><svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"
 viewBox="0 0 40 20"><rect width="40" height="20" fill="#005eb8"/><text x="2" y="14"
 font-family="DejaVu Sans" font-size="8">1</text></svg></div>
<section class="app-section app-appendix"><table class="app-long"><thead><tr>
<th class="app-col-ref">Ref.</th><th class="app-col-requirement">Requirement</th></tr></thead>
<tbody><tr><th scope="row">A1</th><td>Words</td></tr></tbody></table></section>
</body></html>"""

# The print stylesheets of the reports a PDF worker makes, and the templates it renders.
_WARM_UP_STYLES = ("reporting/board/_pdf_style.html", "reporting/_pdf_style.html")
_WARM_UP_TEMPLATES = ("reporting/board/report_pdf.html", "reporting/report_pdf.html")


def warm_up() -> int:
    """Load what a PDF worker's first job would otherwise wait for: WeasyPrint, matplotlib,
    the fonts and the hyphenation dictionary (by laying out a page of each report's kind of
    content in its stylesheet) and the compiled templates.

    PDF workers replace their process after each job (``--max-tasks-per-child 1``), so each
    job would pay this again: the new process does it while it waits for the next job
    (``PDF_WORKER_WARM_UP``, ``reporting.apps``): 0.2–0.4 s less for the board report of
    the 400-action bench plan (bench/README.md). The pages laid out.
    """
    import matplotlib.figure  # noqa: F401 - the charts
    import weasyprint
    from django.template.loader import get_template
    from weasyprint.urls import URLFetcher

    for name in _WARM_UP_TEMPLATES:
        get_template(name)
    pages = 0
    for name in _WARM_UP_STYLES:
        head = '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        markup = head + render_to_string(name) + "</head>" + _WARM_UP_BODY
        laid_out = weasyprint.HTML(string=markup, url_fetcher=URLFetcher(allowed_protocols=()))
        document = laid_out.render()
        document.write_pdf()
        pages += len(document.pages)
    return pages


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
