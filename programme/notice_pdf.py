"""The conditions report as a PDF (A4, page numbers), made with WeasyPrint as the board
report is: self-contained, nothing fetched, no control or invisible characters."""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

from improvement import text as typed

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_conditions_html(context: dict[str, Any]) -> str:
    return typed.clean(render_to_string("programme/notices/conditions_report_pdf.html", context))


def render_conditions_pdf(context: dict[str, Any]) -> bytes:
    import weasyprint  # heavy: loaded only where a PDF is made
    from weasyprint.urls import URLFetcher

    html = render_conditions_html(context)
    return weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
