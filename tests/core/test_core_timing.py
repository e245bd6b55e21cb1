"""Musical time: bars (1-based, inclusive ranges) <-> seconds, and meters."""

from __future__ import annotations

import pytest

from bandmate.core.errors import ToolInputError
from bandmate.core.timing import Grid, meter_beats


def test_bars_to_seconds_in_common_time():
    grid = Grid(tempo_bpm=120)
    assert (grid.beat_s, grid.bar_s) == (0.5, 2.0)
    assert grid.bar_start_s(1) == 0.0
    assert grid.bar_start_s(3) == 4.0
    assert grid.bar_start_s(2.5) == 3.0  # half way through bar 2
    assert grid.bars_to_range_s(5, 8) == (8.0, 16.0)  # bars 5..8 inclusive: four bars
    assert grid.bars_to_range_s(1, 1) == (0.0, 2.0)


def test_offset_and_three_four():
    grid = Grid(tempo_bpm=90, beats_per_bar=3, offset_s=0.5)
    assert grid.bar_s == pytest.approx(2.0)
    assert grid.bars_to_range_s(2, 3) == pytest.approx((2.5, 6.5))
    assert grid.bars_in(8.5) == pytest.approx(4.0)


@pytest.mark.parametrize(("tempo", "beats", "offset"), [(120, 4, 0.0), (97, 3, 0.25), (60, 7, 1.3)])
def test_bar_at_inverts_bar_start(tempo, beats, offset):
    grid = Grid(tempo_bpm=tempo, beats_per_bar=beats, offset_s=offset)
    for bar in range(1, 20):
        start = grid.bar_start_s(bar)
        assert grid.bar_at(start + 1e-6) == bar
        assert grid.bar_at(start + grid.bar_s * 0.99) == bar


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"tempo_bpm": 10}, "10 BPM is outside 20–400"),
    ({"tempo_bpm": 401}, "outside 20–400 BPM"),
    ({"tempo_bpm": float("nan")}, "outside 20–400 BPM"),
    ({"tempo_bpm": 120, "beats_per_bar": 0}, "0 beats per bar"),
    ({"tempo_bpm": 120, "beats_per_bar": 17}, "17 beats per bar"),
])
def test_bad_grids_are_refused(kwargs, match):
    with pytest.raises(ToolInputError, match=match):
        Grid(**kwargs)


def test_bad_bars_are_refused():
    grid = Grid(tempo_bpm=120)
    with pytest.raises(ToolInputError, match="counted from 1"):
        grid.bar_start_s(0)
    with pytest.raises(ToolInputError, match="runs backwards"):
        grid.bars_to_range_s(5, 4)


@pytest.mark.parametrize(("signature", "beats"), [("4/4", 4), ("3/4", 3), ("6/8", 6), ("7/8", 7),
                                                  ("2/2", 2), ("12/8", 12)])
def test_meter_beats(signature, beats):
    assert meter_beats(signature) == beats


@pytest.mark.parametrize(("signature", "match"), [
    ("4-4", "should look like '4/4'"),
    ("four/four", "should look like"),
    ("", "should look like"),
    ("4/4/4", "should look like"),
    ("0/4", "not a usable meter"),
    ("4/3", "not a usable meter"),
    ("5/32", "not a usable meter"),
])
def test_bad_meters_are_refused(signature, match):
    with pytest.raises(ToolInputError, match=match):
        meter_beats(signature)
