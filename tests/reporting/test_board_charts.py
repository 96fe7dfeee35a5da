"""The board report's charts: their data tables, markup, determinism and empty data."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from reporting.board.charts import (
    STATUS_COLOURS,
    STATUSES,
    Chart,
    percent,
    status_bar_chart,
    trajectory_chart,
)

from .conftest import pdf_text, requires_pdftotext

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026"]
TABLE1 = {
    "categories": ["Must do", "Should do"],
    "counts": {"Red": [0, 0], "Amber": [1, 3], "Green": [11, 14], "Blue": [2, 2]},
}


def trajectory(**overrides) -> Chart:
    data = {
        "title": "Progress against trajectory",
        "months": MONTHS,
        "planned": [2.0, 5.0, 9.0, 13.0, 20.0],
        "actual": [1.0, 3.0, 6.0, 11.0, 11.0],
    }
    return trajectory_chart(**{**data, **overrides})


def by_kind(**overrides) -> Chart:
    data = {"title": "Status by finding kind", "category_label": "Finding kind", **TABLE1}
    return status_bar_chart(**{**data, **overrides})


def svg_root(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.image)


def svg_texts(chart: Chart) -> list[str]:
    return [t.text or "" for t in svg_root(chart).iter(f"{SVG}text")]


def test_trajectory_table_gives_each_month_in_whole_percentages():
    chart = trajectory(planned=[2.0, 5.0, 9.0, 12.5, 20.0], actual=[1.0, 3.0, 6.0, 11.0, 10.6])

    assert chart.title == "Progress against trajectory"
    assert chart.headers == ["Month", "Planned to be complete", "Signed off"]
    assert chart.rows == [
        ["Jan 2026", "2%", "1%"],
        ["Feb 2026", "5%", "3%"],
        ["Mar 2026", "9%", "6%"],
        ["Apr 2026", "13%", "11%"],
        ["May 2026", "20%", "11%"],
    ]


@pytest.mark.parametrize(
    ("value", "words"), [(0, "0%"), (12.5, "13%"), (11.49, "11%"), (2.5, "3%"), (100, "100%")]
)
def test_percent_rounds_halves_up_as_the_papers_do(value, words):
    assert percent(value) == words


def test_status_table_gives_counts_and_totals_per_category():
    chart = by_kind()

    assert chart.headers == ["Finding kind", "Red", "Amber", "Green", "Blue", "Total"]
    assert chart.rows == [
        ["Must do", "0", "1", "11", "2", "14"],
        ["Should do", "0", "3", "14", "2", "19"],
    ]


def test_status_columns_follow_ragbw_order_whatever_the_order_given():
    chart = status_bar_chart(
        title="By key question",
        categories=["Safe"],
        counts={"White": [4], "Blue": [1], "Red": [2], "Green": [3], "Amber": [5]},
    )

    assert chart.headers == ["Category", "Red", "Amber", "Green", "Blue", "White", "Total"]
    assert chart.rows == [["Safe", "2", "5", "3", "1", "4", "15"]]


def test_status_chart_labels_segments_and_has_a_key_in_words():
    chart = by_kind()
    texts = svg_texts(chart)

    for status in ("Red", "Amber", "Green", "Blue"):
        assert status in texts  # the key names each colour
    assert {"11", "14", "1", "3", "2"} <= set(texts)  # counts written on the bars
    assert "Must do" in texts and "Should do" in texts


def test_status_colours_are_the_products_ragb_cell_colours():
    css = (Path(__file__).resolve().parents[2] / "static" / "app.css").read_text()
    css = re.sub(r"#fff\b", "#ffffff", css)
    for status in STATUSES:
        rule = re.search(rf"\.app-ragb-cell--{status.lower()} \{{([^}}]*)\}}", css)
        assert rule, status
        fill, ink = STATUS_COLOURS[status]
        assert f"background: {fill};" in rule.group(1)
        assert f"color: {ink};" in rule.group(1)


def test_status_fills_are_drawn_in_the_svg():
    chart = status_bar_chart(
        title="All five", categories=["Safe"], counts={s: [1] for s in STATUSES}
    )
    fills = {e.get("fill") for e in svg_root(chart).iter() if e.get("fill")}

    assert {STATUS_COLOURS[s][0] for s in STATUSES} <= fills


def test_svg_is_inline_markup_with_a_title_and_the_img_role():
    chart = trajectory()
    root = svg_root(chart)

    assert chart.image.startswith("<svg ")
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Progress against trajectory"
    assert list(root)[0] is title  # first child: it names the image


def test_svg_keeps_its_colours_under_the_content_security_policy():
    """style-src 'self' blocks style attributes and <style> elements, not SVG attributes."""
    for chart in (trajectory(), by_kind()):
        assert " style=" not in chart.image
        assert "<style" not in chart.image
        assert "<script" not in chart.image
        assert 'fill="#005eb8"' in chart.image


def test_svg_ids_are_referenced_only_and_differ_between_charts():
    first, second = trajectory(), trajectory(title="Must do: progress against trajectory")
    ids = [set(re.findall(r' id="([^"]+)"', c.image)) for c in (first, second)]

    for chart, chart_ids in zip((first, second), ids, strict=True):
        for id_ in chart_ids:
            assert f"#{id_}" in chart.image  # no structural ids such as "figure_1"
    assert not ids[0] & ids[1]


def test_same_data_gives_the_same_bytes():
    assert trajectory() == trajectory()
    assert by_kind() == by_kind()
    assert trajectory(image_format="png") == trajectory(image_format="png")
    assert by_kind(image_format="png") == by_kind(image_format="png")


def test_different_data_gives_a_different_chart():
    assert trajectory().image != trajectory(actual=[1.0, 3.0, 6.0, 11.0, 19.0]).image


def test_png_is_an_img_with_a_data_url_and_the_title_as_alt():
    chart = by_kind(title="Status by finding kind & month", image_format="png")
    match = re.fullmatch(
        r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" '
        r'alt="Status by finding kind &amp; month" width="(\d+)" height="(\d+)">',
        chart.image,
    )

    assert match
    image = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
    assert image.format == "PNG"
    assert image.width == round(int(match.group(2)) * 200 / 96)  # 200 dpi, sized in CSS px


def test_text_is_escaped_in_markup():
    chart = status_bar_chart(
        title="Divisions <A & B>",
        categories=["Surgery & Theatres", "<Medicine>"],
        counts={"Green": [1, 2]},
        category_label="Division",
    )

    assert svg_root(chart).find(f"{SVG}title").text == "Divisions <A & B>"
    assert "Surgery & Theatres" in svg_texts(chart)
    assert chart.rows[0][0] == "Surgery & Theatres"  # the table is escaped by the template


def test_trajectory_without_months_says_there_is_no_data():
    chart = trajectory(months=[], planned=[], actual=[])

    assert chart.rows == []
    assert "No data for this period" in svg_texts(chart)


def test_status_chart_without_categories_or_counts_says_there_is_no_data():
    empty = status_bar_chart(title="By division", categories=[], counts={s: [] for s in STATUSES})
    zeros = status_bar_chart(title="By key question", categories=["Safe"], counts={"Red": [0]})

    assert empty.rows == []
    assert "No data for this period" in svg_texts(empty)
    assert "Red" in svg_texts(empty)  # the key is still there
    assert zeros.rows == [["Safe", "0", "0"]]
    assert "No data for this period" in svg_texts(zeros)


def test_months_with_no_completions_draw_a_flat_line():
    chart = trajectory(planned=[0.0, 0.0, 10.0, 10.0, 10.0], actual=[0.0, 0.0, 0.0, 0.0, 0.0])

    assert [row[2] for row in chart.rows] == ["0%"] * 5
    assert "No data for this period" not in svg_texts(chart)


def test_a_long_plan_shows_at_most_twelve_month_labels():
    months = [f"M{i:02}" for i in range(30)]
    chart = trajectory(months=months, planned=[float(i) for i in range(30)], actual=[0.0] * 30)

    shown = [t for t in svg_texts(chart) if re.fullmatch(r"M\d\d", t)]
    assert 1 < len(shown) <= 12
    assert len(chart.rows) == 30  # the table keeps every month


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"months": MONTHS, "planned": [1.0], "actual": [1.0] * 5}, "5 months but 1 planned"),
        ({"months": MONTHS[:2], "planned": [1.0] * 2, "actual": [1.0]}, "1 actual"),
    ],
)
def test_trajectory_refuses_lists_of_different_lengths(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trajectory_chart(title="T", **kwargs)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"Purple": [1, 1]}, "unknown status Purple"),
        ({"Red": [1]}, "1 Red counts for 2 categories"),
        ({"Red": [1, -1]}, "a Red count is negative"),
    ],
)
def test_status_chart_refuses_bad_counts(counts, message):
    with pytest.raises(ValueError, match=message):
        status_bar_chart(title="S", categories=["Safe", "Effective"], counts=counts)


def test_unknown_image_format_is_refused():
    with pytest.raises(ValueError, match="Unknown chart image format 'gif'"):
        trajectory(image_format="gif")


@requires_pdftotext
def test_weasyprint_draws_the_inline_svg_without_fetching_anything(tmp_path):
    import weasyprint
    from weasyprint.urls import URLFetcher

    charts = [trajectory(), by_kind()]
    html = "".join(f"<h2>{c.title}</h2>{c.image}" for c in charts)
    pdf = weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
    text = pdf_text(pdf, tmp_path)

    for words in ("Planned (from end dates)", "Signed off", "Must do", "Should do", "Amber"):
        assert words in text


def test_a_new_process_draws_the_same_bytes():
    """Reports are rendered in a fresh worker process each time: ids must not depend on it."""
    import subprocess
    import sys

    code = (
        "from reporting.board.charts import trajectory_chart, status_bar_chart\n"
        "import sys\n"
        "t = trajectory_chart(title='Progress against trajectory', months=['Jan 2026', "
        "'Feb 2026', 'Mar 2026', 'Apr 2026', 'May 2026'], planned=[2.0, 5.0, 9.0, 13.0, 20.0], "
        "actual=[1.0, 3.0, 6.0, 11.0, 11.0])\n"
        "s = status_bar_chart(title='Status by finding kind', category_label='Finding kind', "
        "categories=['Must do', 'Should do'], counts={'Red': [0, 0], 'Amber': [1, 3], "
        "'Green': [11, 14], 'Blue': [2, 2]})\n"
        "sys.stdout.write(t.image + '\\n--\\n' + s.image)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )

    assert done.stdout == trajectory().image + "\n--\n" + by_kind().image
