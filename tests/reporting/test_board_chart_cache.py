"""A chart is drawn once for the same numbers: the dashboard and the PDF reuse it."""

from __future__ import annotations

from django.core.cache import cache

from reporting.board import charts


def bars(red: int) -> charts.Chart:
    return charts.status_bar_chart(
        title="Status by finding kind",
        categories=["Must do", "Should do"],
        counts={"Red": [red, 1], "Green": [4, 5]},
    )


def test_the_same_numbers_are_drawn_once_and_new_numbers_again(monkeypatch):
    drawn = []
    real = charts._image
    monkeypatch.setattr(charts, "_image", lambda *a: drawn.append(a[1]) or real(*a))
    first = bars(2)
    assert bars(2) == first
    assert len(drawn) == 1
    assert bars(3) != first
    assert len(drawn) == 2


def test_a_cache_outage_only_costs_drawing_time(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert "<svg" in bars(2).image
    assert "could not be read from the cache" in caplog.text
