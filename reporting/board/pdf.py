"""The board highlight report as a PDF (A4, "Page X of Y", bookmarks), made with WeasyPrint.

``render_board_pdf`` takes only the report's document (plain JSON-safe data), never a model
or a database connection, so it can run in a worker process of its own.
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

from improvement import text as typed

from ..pdf import fewer_collections
from .presenter import present_board

# WeasyPrint logs every page it lays out at INFO; a long appendix would flood the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_board_html(document: dict[str, Any]) -> str:
    """The HTML WeasyPrint lays out: the print template, its CSS inline, charts inline; no
    control or invisible characters from the text people typed."""
    html = render_to_string("reporting/board/report_pdf.html", {"r": present_board(document)})
    return typed.clean(html)


def render_board_pdf(document: dict[str, Any]) -> bytes:
    """The report's PDF bytes."""
    import weasyprint  # heavy: loaded only where a PDF is made
    from weasyprint.urls import URLFetcher

    html = render_board_html(document)
    # Self-contained: no font, image or stylesheet is fetched from anywhere.
    no_fetching = URLFetcher(allowed_protocols=())
    with fewer_collections():
        return weasyprint.HTML(string=html, url_fetcher=no_fetching).write_pdf()


def pdf_filename(document: dict[str, Any]) -> str:
    """'board-report-2019-05.pdf', with '-v2' for a later version."""
    version = (document.get("report") or {}).get("version", 1)
    suffix = f"-v{version}" if version > 1 else ""
    return f"board-report-{document['month']['key']}{suffix}.pdf"
