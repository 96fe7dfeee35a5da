"""The public version of a plan as a PDF (A4 landscape, page numbers), made with WeasyPrint.

Rendered once, at publication, from the redacted document; the stored bytes are what the
public downloads. Nothing is fetched while rendering: no font, image or stylesheet.
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

from improvement import text as typed

from ..pdf import fewer_collections

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_html(document: dict[str, Any], *, meta: dict[str, Any]) -> str:
    """The HTML WeasyPrint lays out: the print template, its CSS inline; no control or
    invisible characters (a snapshot published before they were taken out may hold them)."""
    return typed.clean(
        render_to_string(
            "reporting/publication/public_pdf.html", {"doc": document, "meta": meta, "pdf": True}
        )
    )


def render_pdf(document: dict[str, Any], *, meta: dict[str, Any]) -> bytes:
    import weasyprint  # heavy: loaded only where a PDF is made
    from weasyprint.urls import URLFetcher

    no_fetching = URLFetcher(allowed_protocols=())
    html = render_html(document, meta=meta)
    with fewer_collections():
        return weasyprint.HTML(string=html, url_fetcher=no_fetching).write_pdf()


def pdf_filename(slug: str, number: int, published_on: str) -> str:
    """'cqc-improvement-plan-2026-3-2026-11-22.pdf': the plan, the snapshot, the day."""
    return f"{slug}-{number}-{published_on}.pdf"
