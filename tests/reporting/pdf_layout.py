"""Where a PDF's words are printed, read back with poppler's ``pdftotext -bbox``.

The board pack is printed and read on paper: no word may run past the page's margins or
be split across lines without a hyphen.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

MM = 72 / 25.4  # points in a millimetre
TOLERANCE = 1.0  # points: a glyph's box reaches a little past its ink
# The board report's margins (templates/reporting/board/report_pdf.html, @page): left and
# right, in mm, for portrait pages and the landscape appendix.
PORTRAIT_SIDES_MM = 15
LANDSCAPE_SIDES_MM = 12
# The running header and footer sit in the top and bottom margins; a printer prints no
# nearer the edge than this.
PRINTER_EDGE_MM = 8

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>'
)


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: list[Word]


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[Page]:
    path = tmp_path / "layout.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = []
    for number, (width, height, body) in enumerate(_PAGE.findall(out), start=1):
        words = [
            Word(number, html.unescape(text), float(a), float(b), float(c), float(d))
            for a, b, c, d, text in _WORD.findall(body)
        ]
        pages.append(Page(number, float(width), float(height), words))
    return pages


def words_outside_printable_area(pages: list[Page]) -> list[str]:
    """Each word printed outside the page's side margins or too near its top or bottom edge."""
    outside = []
    for page in pages:
        sides = (LANDSCAPE_SIDES_MM if page.width > page.height else PORTRAIT_SIDES_MM) * MM
        left, right = sides - TOLERANCE, page.width - sides + TOLERANCE
        top, bottom = PRINTER_EDGE_MM * MM, page.height - PRINTER_EDGE_MM * MM
        for w in page.words:
            if w.x0 < left or w.x1 > right or w.y0 < top or w.y1 > bottom:
                outside.append(
                    f"page {page.number}: {w.text!r} at x {w.x0:.0f}-{w.x1:.0f}, "
                    f"y {w.y0:.0f}-{w.y1:.0f} (printable x {left:.0f}-{right:.0f}, "
                    f"y {top:.0f}-{bottom:.0f})"
                )
    return outside


def words_overlapping(pages: list[Page]) -> list[str]:
    """Neighbouring words on one line printed over each other (a ref too wide for its cell)."""
    overlapping = []
    for page in pages:
        lines: list[list[Word]] = []
        for word in sorted(page.words, key=lambda w: w.y0):
            if lines and word.y0 - lines[-1][0].y0 < 1:
                lines[-1].append(word)
            else:
                lines.append([word])
        for line in lines:
            line.sort(key=lambda w: w.x0)
            for a, b in zip(line, line[1:], strict=False):
                if a.x1 > b.x0 + TOLERANCE:
                    overlapping.append(f"page {page.number}: {a.text!r} runs into {b.text!r}")
    return overlapping


_TOKEN = re.compile(r"\w+")


def words_broken_without_hyphen(pages: list[Page], source_html: str) -> list[str]:
    """Words of the document split over two lines with no hyphen ("Departm" / "ent").

    A pair of neighbouring words is such a break when neither is a word of the document
    but the two together are.
    """
    text = re.sub(r"<style.*?</style>|<svg.*?</svg>|<[^>]+>", " ", source_html, flags=re.S)
    vocabulary = {t.lower() for t in _TOKEN.findall(html.unescape(text))}
    broken = []
    for page in pages:
        for a, b in zip(page.words, page.words[1:], strict=False):
            if a.text.endswith(("-", "‐")) or b.y0 <= a.y0:
                continue  # hyphenated, or the next word is on the same line
            left, right = _TOKEN.findall(a.text), _TOKEN.findall(b.text)
            if not left or not right:
                continue
            head, tail = left[-1].lower(), right[0].lower()
            if head + tail in vocabulary and (head not in vocabulary or tail not in vocabulary):
                broken.append(f"page {page.number}: {a.text!r} / {b.text!r}")
    return broken
