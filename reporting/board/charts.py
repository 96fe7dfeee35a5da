"""The board report's charts, drawn on the server with matplotlib, each with its data table.

A chart is plain data (``Chart``): a title, the markup to embed and the table that is its
text alternative. The same markup goes into the dashboard page and the PDF.

- **SVG, inline** by default: WeasyPrint draws it itself, faster than it embeds the same
  chart as a PNG (bench/README.md, "Board report charts"), it stays sharp at any zoom, and
  it needs no ``data:`` URL (the PDF renderers fetch nothing). Every ``style`` attribute
  is turned into SVG presentation attributes and the ``<style>`` element dropped, so the
  chart keeps its colours under the site's Content-Security-Policy (``style-src 'self'``
  blocks inline styles, not presentation attributes).
- **PNG** on request (``image_format="png"``): an ``<img>`` with a ``data:`` URL, for a
  renderer that allows that protocol.

Output is deterministic: the same data gives the same bytes (matplotlib's SVG ids come from
a fixed salt, no date or creator is written), so a report regenerates identically.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from improvement.caching import remembered

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ImageFormat = Literal["svg", "png"]
IMAGE_FORMAT: ImageFormat = "svg"
PNG_DPI = 200

STATUSES = ("Red", "Amber", "Green", "Blue", "White")
# The NHS palette, as the product's RAGB cells use it (static/app.css): fill, text on it.
STATUS_COLOURS = {
    "Red": ("#d5281b", "#ffffff"),
    "Amber": ("#ffb81c", "#212b32"),
    "Green": ("#007f3b", "#ffffff"),
    "Blue": ("#005eb8", "#ffffff"),
    "White": ("#ffffff", "#212b32"),
}
TEXT = "#212b32"
SECONDARY = "#4c6272"
GRID = "#d8dde0"
PLANNED_COLOUR = SECONDARY
ACTUAL_COLOUR = "#005eb8"
FORECAST_COLOUR = "#7c2855"  # NHS plum: told apart from the others by its dots and triangles

WIDTH_IN = 6.5  # fits A4 portrait's text width with room to spare
FONT_SIZE = 9
FONT_FAMILY = "DejaVu Sans"  # installed with WeasyPrint's fonts; its metrics lay the chart out


@dataclass(frozen=True)
class Chart:
    title: str
    image: str  # inline <svg>…</svg> or <img src="data:image/png;base64,…" alt="…">
    headers: list[str]  # the data table that is the chart's text alternative
    rows: list[list[str]]


# Charts are drawn from numbers only, so one drawn is kept in Django's cache (Redis in
# production) under a hash of its inputs and of this module: the board dashboard draws
# nine on every view and the PDF worker the same ones again; a plan that has not changed
# is drawn once. Editing this module changes every key.
_SOURCE_HASH = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()
CHART_CACHE_SECONDS = 60 * 60 * 24


def _memoised(draw: Callable[..., Chart]) -> Callable[..., Chart]:
    @functools.wraps(draw)
    def cached(**kwargs: Any) -> Chart:
        raw = json.dumps([draw.__name__, kwargs], sort_keys=True, default=str)
        key = f"chart:{_SOURCE_HASH}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"
        return remembered(
            key,
            lambda: draw(**kwargs),
            timeout=CHART_CACHE_SECONDS,
            what="A chart",
            stored_as=dict,
            to_cache=dataclasses.asdict,
            from_cache=lambda found: Chart(**found),
        )

    return cached


@_memoised
def trajectory_chart(
    *,
    title: str,
    months: list[str],
    planned: list[float],
    actual: list[float],
    forecast: list[float] | None = None,
    image_format: ImageFormat = IMAGE_FORMAT,
) -> Chart:
    """Cumulative % of actions complete per month: the planned trajectory against signed off.

    With ``forecast`` (a plan with a baseline), "planned" is the baseline's and the forecast
    from the current end dates is drawn beside it.
    """
    if not len(months) == len(planned) == len(actual) == len(forecast or planned):
        raise ValueError(
            f"trajectory_chart: {len(months)} months but {len(planned)} planned and "
            f"{len(actual)} actual values; give one of each per month."
        )
    if forecast is None:
        headers = ["Month", "Planned to be complete", "Signed off"]
        rows = [
            [m, percent(p), percent(a)] for m, p, a in zip(months, planned, actual, strict=True)
        ]
    else:
        headers = ["Month", "Planned (baseline)", "Forecast (current end dates)", "Signed off"]
        rows = [
            [m, percent(p), percent(f), percent(a)]
            for m, p, f, a in zip(months, planned, forecast, actual, strict=True)
        ]

    with _style(title):
        shown = months[:: _month_step(months)]
        slanted = len(months) > 6  # so that a year of month names does not overlap
        label_width = max((_text_width_in(m) for m in shown), default=0.0)
        bottom = 0.2 + (label_width * 0.643 + 0.1 if slanted else 0.2)  # sin 40°
        fig, ax = _figure(height_in=3.2, left=0.75, bottom=bottom, top=0.35 if months else 0.1)
        _draw_trajectory(ax, months, planned, actual, slanted=slanted, forecast=forecast)
        image = _image(fig, title, image_format)
    return Chart(title, image, headers, rows)


def _month_step(months: list[str]) -> int:
    return max(1, -(-len(months) // 12))  # at most 12 month labels


def _draw_trajectory(
    ax: Axes,
    months: list[str],
    planned: list[float],
    actual: list[float],
    *,
    slanted: bool,
    forecast: list[float] | None = None,
) -> None:
    if months:
        positions = list(range(len(months)))
        ax.plot(
            positions,
            planned,
            color=PLANNED_COLOUR,
            linestyle="--",
            linewidth=1.5,
            marker="s",
            markersize=4,
            label="Planned (from end dates)" if forecast is None else "Planned (baseline)",
        )
        if forecast is not None:
            ax.plot(
                positions,
                forecast,
                color=FORECAST_COLOUR,
                linestyle=":",
                linewidth=1.5,
                marker="^",
                markersize=4,
                label="Forecast (current end dates)",
            )
        ax.plot(
            positions,
            actual,
            color=ACTUAL_COLOUR,
            linewidth=2,
            marker="o",
            markersize=4.5,
            label="Signed off",
        )
        step = _month_step(months)
        ax.set_xticks(positions[::step], months[::step])
        if slanted:
            ax.tick_params(axis="x", labelrotation=40)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
        ax.set_xlim(-0.5, len(months) - 0.5)
        ax.figure.legend(
            loc="upper left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=2 if forecast is None else 3,
            frameon=False,
            fontsize=FONT_SIZE,
        )
    else:
        ax.set_xticks([])
        _no_data(ax)
    top = max([100.0, *planned, *actual, *(forecast or [])])
    ax.set_ylim(0, top * 1.04)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_yticklabels(["0%", "25%", "50%", "75%", "100%"])
    ax.set_ylabel("Actions complete (cumulative)")
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


@_memoised
def status_bar_chart(
    *,
    title: str,
    categories: list[str],
    counts: dict[str, list[int]],
    category_label: str = "Category",
    image_format: ImageFormat = IMAGE_FORMAT,
) -> Chart:
    """Stacked bars of actions by status for each category (finding kind, key question, …)."""
    unknown = sorted(set(counts) - set(STATUSES))
    if unknown:
        raise ValueError(
            f"status_bar_chart: unknown status {', '.join(unknown)}; use {', '.join(STATUSES)}."
        )
    statuses = [s for s in STATUSES if s in counts]
    for status in statuses:
        values = counts[status]
        if len(values) != len(categories):
            raise ValueError(
                f"status_bar_chart: {len(values)} {status} counts for "
                f"{len(categories)} categories; give one per category."
            )
        if any(v < 0 for v in values):
            raise ValueError(f"status_bar_chart: a {status} count is negative.")
    totals = [sum(counts[s][i] for s in statuses) for i in range(len(categories))]
    headers = [category_label, *statuses, "Total"]
    rows = [
        [category, *(str(counts[s][i]) for s in statuses), str(totals[i])]
        for i, category in enumerate(categories)
    ]

    with _style(title):
        label_width = max((_text_width_in(c) for c in categories), default=0.0)
        fig, ax = _figure(
            height_in=1.3 + 0.38 * max(len(categories), 2),
            left=min(label_width + 0.2, WIDTH_IN / 2),
            bottom=0.85,
            top=0.1,
        )
        _draw_status_bars(ax, categories, counts, statuses, totals)
        image = _image(fig, title, image_format)
    return Chart(title, image, headers, rows)


def _draw_status_bars(
    ax: Axes,
    categories: list[str],
    counts: dict[str, list[int]],
    statuses: list[str],
    totals: list[int],
) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(categories)))
    widest = max(totals, default=0)
    left = [0] * len(categories)
    for status in statuses:
        fill, ink = STATUS_COLOURS[status]
        values = counts[status]
        ax.barh(
            positions,
            values,
            left=left,
            height=0.62,
            color=fill,
            edgecolor=SECONDARY if status == "White" else fill,
            linewidth=0.8,
            label=status,
        )
        # The count on the segment, where it fits: the bar reads without the colour key.
        for y, (x, v) in enumerate(zip(left, values, strict=True)):
            if widest and v / widest >= 0.04:
                ax.text(x + v / 2, y, str(v), ha="center", va="center", color=ink, fontsize=8)
        left = [x + v for x, v in zip(left, values, strict=True)]
    ax.set_yticks(positions, categories)
    ax.invert_yaxis()  # first category on top, as in the table
    ax.set_xlim(0, max(widest, 1) * 1.02)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Actions")
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    if not categories or not widest:
        _no_data(ax)
    if statuses:
        from matplotlib.patches import Patch

        # Drawn from the statuses, not the bars, so an empty chart still shows the key.
        handles = [
            Patch(
                facecolor=STATUS_COLOURS[s][0],
                edgecolor=SECONDARY if s == "White" else STATUS_COLOURS[s][0],
                label=s,
            )
            for s in statuses
        ]
        ax.figure.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=len(statuses),
            frameon=False,
            fontsize=FONT_SIZE,
            handlelength=1.2,
        )


def percent(value: float) -> str:
    """'13%' — a whole percentage, halves rounded up (as the papers write it)."""
    whole = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole}%"


def _text_width_in(text: str, size: float = FONT_SIZE) -> float:
    """The printed width of a label in inches, measured from the font's glyphs."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=FONT_FAMILY, size=size)
    width, _height, _descent = TextToPath().get_text_width_height_descent(text, prop, False)
    return float(width) / 72


def _figure(
    *, height_in: float, left: float, bottom: float, top: float, right: float = 0.15
) -> tuple[Figure, Axes]:
    """A figure whose margins (inches) are set from the labels measured beforehand.

    matplotlib's constrained layout would find them itself, at the cost of drawing the
    chart twice: half of the time it takes to make a chart.
    """
    from matplotlib.figure import Figure

    # A Figure of its own, not pyplot: no global state shared between requests or threads.
    fig = Figure(figsize=(WIDTH_IN, height_in))
    fig.subplots_adjust(
        left=left / WIDTH_IN,
        right=1 - right / WIDTH_IN,
        bottom=bottom / height_in,
        top=1 - top / height_in,
    )
    ax = fig.add_subplot()
    ax.tick_params(colors=TEXT, labelsize=FONT_SIZE, length=3)
    ax.yaxis.label.set_size(FONT_SIZE)
    ax.xaxis.label.set_size(FONT_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SECONDARY)
    return fig, ax


def _no_data(ax: Axes) -> None:
    ax.text(
        0.5,
        0.5,
        "No data for this period",
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=SECONDARY,
        fontsize=FONT_SIZE + 1,
    )


@contextmanager
def _style(title: str) -> Iterator[None]:
    """matplotlib's settings for one chart, for this chart only (not process-wide)."""
    import matplotlib

    rc = {
        "svg.fonttype": "none",  # real text: selectable in the PDF, found by screen readers
        # Ids (clip paths, markers) hashed with a salt from the title: the same chart gives
        # the same ids, and two charts on one page do not share them.
        "svg.hashsalt": hashlib.sha256(title.encode()).hexdigest()[:16],
        "font.family": FONT_FAMILY,
        # Labels are what users typed: "$" in a department is a dollar sign, never maths
        # (mathtext would draw "$x^2$" as a formula and fail on "$^$").
        "text.parse_math": False,
        "text.usetex": False,
        "text.color": TEXT,
        "axes.labelcolor": TEXT,
        "xtick.color": TEXT,
        "ytick.color": TEXT,
    }
    with matplotlib.rc_context(rc):
        yield


def _image(fig: Figure, title: str, image_format: ImageFormat) -> str:
    buffer = io.BytesIO()
    if image_format == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        return _inline_svg(buffer.getvalue().decode(), title)
    if image_format == "png":
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        width, height = (round(x * 96) for x in fig.get_size_inches())
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return (
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(title)}" '
            f'width="{width}" height="{height}">'
        )
    raise ValueError(f"Unknown chart image format {image_format!r}: use 'svg' or 'png'.")


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_GROUP_TAG = re.compile(r"<g\b[^>]*>|</g>")
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)
_EMPTY_DEFS = re.compile(r"<defs>\s*</defs>")
_BETWEEN_TAGS = re.compile(r">\s+<")
_NO_ROTATION = re.compile(r' transform="rotate\(-?0 [^"]*\)"')
_GEOMETRY = re.compile(r' (d|x|y|transform)="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d\d)\d+")


def _presentation_attributes(match: re.Match[str]) -> str:
    pairs = (d.split(":", 1) for d in match.group(1).split(";") if ":" in d)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _short_geometry(match: re.Match[str]) -> str:
    # Hundredths of a point are finer than print or screen shows; fewer bytes to parse.
    value = _LONG_DECIMAL.sub(r"\1", " ".join(match.group(2).split()))
    return f' {match.group(1)}="{value}"'


def _unwrap_bare_groups(svg: str) -> str:
    """Drop matplotlib's structural <g> wrappers that carry nothing (once ids, now bare)."""
    out: list[str] = []
    kept: list[bool] = []  # per open <g>: whether its tags stay
    last = 0
    for tag in _GROUP_TAG.finditer(svg):
        out.append(svg[last : tag.start()])
        last = tag.end()
        if tag.group().endswith("/>"):
            continue  # an empty group: nothing to draw
        if tag.group() == "</g>":
            if kept.pop():
                out.append("</g>")
        elif tag.group() == "<g>" or re.fullmatch(r'<g id="[^"]*">', tag.group()):
            kept.append(False)
        else:
            kept.append(True)
            out.append(tag.group())
    out.append(svg[last:])
    return "".join(out)


def _inline_svg(svg: str, title: str) -> str:
    """matplotlib's SVG file as markup for an HTML page: no prologue, no inline CSS, a title.

    Also smaller: structural groups and ids (which would repeat across charts on one page)
    dropped, whitespace between tags removed, coordinates to hundredths of a point. The
    markup WeasyPrint parses is half the size.
    """
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _BETWEEN_TAGS.sub("><", svg)
    svg = _EMPTY_DEFS.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    svg = _NO_ROTATION.sub("", svg)
    svg = _GEOMETRY.sub(_short_geometry, svg)
    svg = _unwrap_bare_groups(svg)
    # The <style> element set these for every element; inherited from the root they do the same.
    svg = svg.replace(
        "<svg ",
        '<svg role="img" stroke-linejoin="round" stroke-linecap="butt" ',
        1,
    )
    opening_end = svg.index(">") + 1
    return f"{svg[:opening_end]}<title>{html.escape(title)}</title>{svg[opening_end:]}".strip()
