"""The KPI chart: CSP-safe inline SVG with a title, a data table and its words."""

import datetime as dt
import re

from kpis import spc
from kpis.charts import format_number, kpi_chart, kpi_chart_svg
from kpis.icons import assurance_icon, variation_icon
from kpis.models import Direction, Kpi


def _kpi(**fields):
    return Kpi(**{"pk": 7, "name": "Falls", "unit": "", "direction": "increase", **fields})


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_kpi_named_with_dollars_renders_them_as_text_not_maths(monthly_values):
    kpi = _kpi(name="Cost $ per bed", unit="per $bed$", direction=Direction.DECREASE)

    chart = kpi_chart(kpi, monthly_values)

    assert "<title>Cost $ per bed: XmR chart</title>" in chart.svg
    # The unit on the axis, as typed: mathtext would have drawn "$bed$" as italic glyphs.
    assert "per $bed$" in _texts(chart.svg)
    assert chart.rows[0][:2] == ["Jan 2026", "60 per $bed$"]


def test_the_svg_has_a_title_and_no_inline_styles(monthly_values):
    svg = kpi_chart_svg(_kpi(name="<b>Streamed</b> & seen", unit="<script>"), monthly_values)

    assert svg.startswith('<svg role="img"')
    assert "<title>&lt;b&gt;Streamed&lt;/b&gt; &amp; seen: XmR chart</title>" in svg
    assert "<style" not in svg
    assert " style=" not in svg
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg  # the unit on the axis, as text


def test_the_chart_is_the_same_bytes_each_time(monthly_values):
    kpi = _kpi(target=70.0)

    assert kpi_chart_svg(kpi, monthly_values) == kpi_chart_svg(kpi, list(reversed(monthly_values)))


def test_points_are_coloured_by_type_and_the_lines_drawn(monthly_values):
    kpi = _kpi(target=70.0)

    chart = kpi_chart(kpi, monthly_values)

    types = {p.type for p in chart.spc.points}
    assert spc.PointType.IMPROVEMENT in types
    assert "#005eb8" in chart.svg  # improvement blue
    assert "#768692" in chart.svg  # common cause grey
    assert "#d5281b" in chart.svg  # the target line
    legend = _texts(chart.svg)
    assert {"Mean", "Process limits", "Target", "Improvement", "Common cause"} <= set(legend)


def test_the_data_table_and_summary_say_what_the_chart_shows(monthly_values):
    chart = kpi_chart(_kpi(unit="%", target=95.0), monthly_values)

    assert chart.headers == ["Date", "Value", "Variation"]
    assert len(chart.rows) == len(monthly_values)
    assert chart.rows[-1][1] == "75%"
    assert chart.rows[-1][2].startswith("Special cause variation: improvement")
    assert "the latest is 75%" in chart.summary
    assert "Target 95%" in chart.summary
    assert "Assurance: The target will consistently be missed." in chart.summary


def test_a_kpi_with_no_values_draws_an_empty_chart():
    chart = kpi_chart(_kpi(), [])

    assert chart.spc is None
    assert "No values yet" in _texts(chart.svg)
    assert chart.rows == []


def test_variation_icon_names_improvement_high_and_concern_low(monthly_values):
    rising = spc.xmr_chart(monthly_values, direction="increase")
    falling_is_bad = spc.xmr_chart(
        [(d, -v) for d, v in monthly_values], direction="increase", target=None
    )

    assert variation_icon(rising).kind == "improvement-high"
    assert variation_icon(rising).label == ("Special cause variation: improvement (higher values)")
    assert variation_icon(falling_is_bad).kind == "concern-low"
    assert assurance_icon(rising) is None  # no target, no assurance


def test_assurance_icons_pass_fail_and_hit_and_miss():
    flat = [
        (dt.date(2026, m, 1), v) for m, v in zip(range(1, 11), [50, 52, 49, 51] * 3, strict=False)
    ]

    assert assurance_icon(spc.xmr_chart(flat, target=40)).kind == "pass"
    assert assurance_icon(spc.xmr_chart(flat, target=60)).kind == "fail"
    assert assurance_icon(spc.xmr_chart(flat, target=50)).kind == "hit-and-miss"
    assert variation_icon(spc.xmr_chart(flat)).kind == "common-cause"


def test_numbers_are_written_as_people_write_them():
    assert format_number(92.5) == "92.5"
    assert format_number(1204.0) == "1,204"
    assert format_number(0.0312) == "0.0312"
    assert format_number(1 / 3) == "0.3333"


def test_a_chart_drawn_before_comes_from_the_cache_byte_for_byte(monthly_values, monkeypatch):
    from django.core.cache import cache

    from kpis import charts

    cache.clear()
    drawn = []
    draw = charts._draw_svg
    monkeypatch.setattr(charts, "_draw_svg", lambda *a: drawn.append(a) or draw(*a))
    kpi = _kpi(target=70.0)

    first = kpi_chart_svg(kpi, monthly_values)
    again = kpi_chart_svg(kpi, monthly_values)
    other_numbers = kpi_chart_svg(kpi, monthly_values[:-1])
    other_unit = kpi_chart_svg(_kpi(target=70.0, unit="%"), monthly_values)

    assert again == first
    assert len(drawn) == 3  # the first, then only the charts whose numbers or unit differ
    assert other_numbers != first
    assert other_unit != first
