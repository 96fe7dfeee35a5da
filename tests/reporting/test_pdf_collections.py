"""PDF rendering runs with fewer garbage collections and puts the collector back after."""

import gc

import pytest

from reporting.pdf import fewer_collections


def test_the_collector_is_relaxed_during_a_render_and_restored_after():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (50_000, 20, 100)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_restored_when_the_render_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("WeasyPrint failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
