"""A KPI's XmR chart, drawn on the server with matplotlib as inline SVG, with its data table.

Drawn as the board report's charts are (reporting/board/charts.py, which this app may not
import): SVG with real text, no ``<style>`` element nor ``style`` attributes (the site's
Content-Security-Policy blocks inline styles, not presentation attributes), a ``<title>``,
deterministic bytes. Mathtext is off: a KPI named "Cost $ per bed" is text, not maths.

Colours follow NHS Making Data Count: common cause grey, special cause improvement blue,
special cause concern orange (darkened to #d86000 so the points keep 3:1 against white).
The points also differ in shape, and the data table says each point's type in words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from improvement.caching import remembered

from . import spc

if TYPE_CHECKING:
    from .models import Kpi

TEXT = "#212b32"
SECONDARY = "#4c6272"
GRID = "#d8dde0"
LINE = "#aeb7bd"
MEAN = "#212b32"
LIMITS = "#4c6272"
TARGET = "#d5281b"
POINT_STYLES = {  # colour, marker, legend label
    spc.PointType.COMMON_CAUSE: ("#768692", "o", "Common cause"),
    spc.PointType.IMPROVEMENT: ("#005eb8", "s", "Improvement"),
    spc.PointType.CONCERN: ("#d86000", "D", "Concern"),
}
WIDTH_IN = 6.5
HEIGHT_IN = 3.4
FONT_SIZE = 9
FONT_FAMILY = "DejaVu Sans"
MAX_DATE_LABELS = 12


@dataclass(frozen=True)
class KpiChart:
    title: str
    svg: str  # inline <svg>…</svg>
    spc: spc.Chart | None  # None when there are no values
    summary: str  # one paragraph for screen readers (and the PDF's caption)
    headers: list[str]  # the data table that is the chart's text alternative
    rows: list[list[str]]


def format_number(value: float | None, decimals: int = 4) -> str:
    """92.5, 1,204, 0.0312: as a person writes it, no trailing zeros, no exponent."""
    if value is None:
        return ""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{value:.3g}"


def with_unit(value: float | None, unit: str, decimals: int = 4) -> str:
    """A value with its unit: 92.5%, 12 days."""
    if value is None:
        return ""
    number = format_number(value, decimals)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _series(values: Iterable[Any]) -> list[tuple[dt.date, float]]:
    """(date, value) pairs from KpiValue rows or from pairs."""
    out = []
    for item in values:
        if isinstance(item, tuple):
            out.append((item[0], float(item[1])))
        else:
            out.append((item.date, float(item.value)))
    return out


def _date_format(dates: list[dt.date]) -> str:
    months = {(d.year, d.month) for d in dates}
    return "%b %Y" if len(months) == len(dates) else "%d %b %Y"


def kpi_chart(kpi: Kpi, values: Iterable[Any]) -> KpiChart:
    """The KPI's XmR chart, its summary and data table, from its values (any order)."""
    series = _series(values)
    title = f"{kpi.name}: XmR chart"
    unit = kpi.unit
    if not series:
        svg = _draw(title, kpi, None, "")
        return KpiChart(title, svg, None, "No values have been entered yet.", [], [])
    chart = spc.xmr_chart(series, direction=kpi.direction, target=kpi.target)
    fmt = _date_format([p.date for p in chart.points])
    headers = ["Date", "Value", "Variation"]
    rows = [
        [
            p.date.strftime(fmt),
            with_unit(p.value, unit),
            spc.POINT_TYPE_LABELS[p.type] + (f" ({p.rule})" if p.rule else ""),
        ]
        for p in chart.points
    ]
    svg = _draw(title, kpi, chart, fmt)
    return KpiChart(title, svg, chart, chart_summary(kpi, chart), headers, rows)


def kpi_chart_svg(kpi: Kpi, values: Iterable[Any]) -> str:
    """Just the inline SVG of the KPI's chart: for the board report and the dashboard."""
    return kpi_chart(kpi, values).svg


def chart_summary(kpi: Kpi, chart: spc.Chart) -> str:
    unit = kpi.unit
    last = chart.points[-1]
    fmt = _date_format([p.date for p in chart.points])
    parts = [
        f"{len(chart.points)} value{'s' if len(chart.points) != 1 else ''} from "
        f"{chart.points[0].date.strftime(fmt)} to {last.date.strftime(fmt)}; "
        f"the latest is {with_unit(last.value, unit)}.",
        f"{kpi.get_direction_display()}.",
    ]
    if chart.lpl is not None:
        parts.append(
            f"Mean {with_unit(chart.mean, unit, 2)}; process limits "
            f"{with_unit(chart.lpl, unit, 2)} to {with_unit(chart.upl, unit, 2)}."
        )
    if chart.target is not None:
        parts.append(f"Target {with_unit(chart.target, unit)}.")
    if chart.variation:
        parts.append(f"Latest point: {spc.POINT_TYPE_LABELS[chart.variation]}.")
    if chart.assurance:
        parts.append(f"Assurance: {spc.ASSURANCE_LABELS[chart.assurance]}.")
    return " ".join(parts)


# A chart is drawn from its numbers only, so one drawn is kept in Django's cache (Redis in
# production) under a hash of what it is drawn from and of this module, as the board
# report's own charts are: the board report's workstream pages draw up to 150 (75 ms of
# CPU each), and a report made again, or its PDF after its preview, draws none of them.
_SOURCE_HASH = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()
CHART_CACHE_SECONDS = 60 * 60 * 24


def _draw(title: str, kpi: Kpi, chart: spc.Chart | None, fmt: str) -> str:
    """The chart's inline SVG, from the cache when these numbers have been drawn before."""
    raw = json.dumps([title, kpi.pk, kpi.unit, repr(chart), fmt])
    key = f"kpi-chart:{_SOURCE_HASH}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"
    return remembered(
        key,
        lambda: _draw_svg(title, kpi, chart, fmt),
        timeout=CHART_CACHE_SECONDS,
        what="A KPI chart",
        stored_as=str,
    )


def _draw_svg(title: str, kpi: Kpi, chart: spc.Chart | None, fmt: str) -> str:
    import matplotlib
    from matplotlib.figure import Figure

    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": hashlib.sha256(f"kpi-{kpi.pk}-{title}".encode()).hexdigest()[:16],
        "font.family": FONT_FAMILY,
        "text.color": TEXT,
        "text.parse_math": False,  # "$" in a name or unit is a dollar, not mathtext
        "axes.labelcolor": TEXT,
        "xtick.color": TEXT,
        "ytick.color": TEXT,
    }
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.22, top=0.86)
        ax = fig.add_subplot()
        ax.tick_params(colors=TEXT, labelsize=FONT_SIZE, length=3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(SECONDARY)
        if chart is None:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.text(
                0.5,
                0.5,
                "No values yet",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=SECONDARY,
                fontsize=FONT_SIZE + 1,
            )
        else:
            _plot(ax, chart, fmt)
        if kpi.unit:
            ax.set_ylabel(kpi.unit, fontsize=FONT_SIZE)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _inline_svg(buffer.getvalue().decode(), title)


def _plot(ax, chart: spc.Chart, fmt: str) -> None:
    points = chart.points
    xs = list(range(len(points)))
    ax.plot(xs, [p.value for p in points], color=LINE, linewidth=1.4, zorder=2)
    handles = []
    for kind, (colour, marker, label) in POINT_STYLES.items():
        chosen = [(x, p.value) for x, p in zip(xs, points, strict=True) if p.type == kind]
        if chosen:
            handles.append(
                ax.scatter(
                    [x for x, _ in chosen],
                    [v for _, v in chosen],
                    color=colour,
                    marker=marker,
                    s=30,
                    zorder=4,
                    label=label,
                )
            )
    if chart.mean is not None and chart.lpl is not None:
        handles.append(ax.axhline(chart.mean, color=MEAN, linewidth=1.1, label="Mean", zorder=1))
        handles.append(
            ax.axhline(
                chart.upl,
                color=LIMITS,
                linewidth=1,
                linestyle="--",
                label="Process limits",
                zorder=1,
            )
        )
        ax.axhline(chart.lpl, color=LIMITS, linewidth=1, linestyle="--", zorder=1)
    if chart.target is not None:
        handles.append(
            ax.axhline(
                chart.target,
                color=TARGET,
                linewidth=1.2,
                linestyle="-.",
                label="Target",
                zorder=1,
            )
        )
    step = max(1, -(-len(points) // MAX_DATE_LABELS))
    ax.set_xticks(xs[::step], [p.date.strftime(fmt) for p in points[::step]])
    ax.tick_params(axis="x", labelrotation=35)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")
    ax.set_xlim(-0.5, len(points) - 0.5)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=min(len(handles), 4),
        frameon=False,
        fontsize=FONT_SIZE - 0.5,
        handlelength=1.6,
    )


# Inline SVG for an HTML page (as reporting/board/charts.py makes it) --------------------

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)
_BETWEEN_TAGS = re.compile(r">\s+<")
_GEOMETRY = re.compile(r' (d|x|y|transform)="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d\d)\d+")


def _presentation_attributes(match: re.Match[str]) -> str:
    pairs = (d.split(":", 1) for d in match.group(1).split(";") if ":" in d)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _short_geometry(match: re.Match[str]) -> str:
    value = _LONG_DECIMAL.sub(r"\1", " ".join(match.group(2).split()))
    return f' {match.group(1)}="{value}"'


def _inline_svg(svg: str, title: str) -> str:
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _BETWEEN_TAGS.sub("><", svg)
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    svg = _GEOMETRY.sub(_short_geometry, svg)
    svg = svg.replace("<svg ", '<svg role="img" stroke-linejoin="round" stroke-linecap="butt" ', 1)
    opening_end = svg.index(">") + 1
    return f"{svg[:opening_end]}<title>{html.escape(title)}</title>{svg[opening_end:]}".strip()
