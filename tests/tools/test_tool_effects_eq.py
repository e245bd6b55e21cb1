"""eq: each band measured on white noise through run_tool."""

from __future__ import annotations

import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.measures import band_db
from bandmate.core.testsignals import noise
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id)


@pytest.fixture
def noisy(make_session):
    return make_session(mix=noise(2.0, amplitude=0.1, channels=2, seed=3))


def change_db(session, lo, hi):
    return band_db(session.mix(), lo, hi) - band_db(session.mix(1), lo, hi)


def test_high_shelf_raises_the_top_and_leaves_the_bass(noisy):
    run(noisy, "eq", high_shelf_hz=4000, high_shelf_db=6)
    assert change_db(noisy, 4000, 16000) == pytest.approx(6, abs=1)
    assert abs(change_db(noisy, 50, 200)) < 0.5


def test_low_shelf_cut_lowers_the_bass_only(noisy):
    run(noisy, "eq", low_shelf_hz=200, low_shelf_db=-6)
    assert change_db(noisy, 30, 100) == pytest.approx(-6, abs=1)
    assert abs(change_db(noisy, 3000, 12000)) < 0.5


def test_bell_cuts_around_its_centre(noisy):
    run(noisy, "eq", peak1_hz=1000, peak1_db=-9, peak1_q=2)
    assert change_db(noisy, 950, 1050) == pytest.approx(-9, abs=1)
    assert abs(change_db(noisy, 4000, 12000)) < 0.5
    assert abs(change_db(noisy, 50, 200)) < 0.5


def test_several_bands_in_one_call_make_one_version(noisy):
    out = run(noisy, "eq", low_shelf_db=-6, peak2_hz=2500, peak2_db=4, high_shelf_hz=8000, high_shelf_db=3)
    assert out.version.id == 2 and len(noisy.history()) == 2
    assert change_db(noisy, 30, 100) < -4.5
    assert change_db(noisy, 2300, 2700) > 3
    assert change_db(noisy, 12000, 16000) > 2
    assert "bell +4.0 dB at 2500 Hz" in out.result.summary


def test_highpass_and_lowpass_remove_the_extremes(noisy):
    run(noisy, "eq", highpass_hz=300, lowpass_hz=3000)
    assert change_db(noisy, 20, 100) < -12
    assert change_db(noisy, 10000, 16000) < -12
    assert abs(change_db(noisy, 900, 1100)) < 1


@pytest.mark.parametrize("args, match", [
    ({}, "no active band"),
    ({"peak1_db": 3, "peak1_q": 50}, "peak1_q"),
    ({"low_shelf_db": 40}, "low_shelf_db"),
    ({"highpass_hz": 500, "lowpass_hz": 300}, "lowpass_hz 300 must be above highpass_hz 500"),
    ({"low_shelf_db": 3, "boost": 1}, "boost"),
])
def test_bad_eq_calls_are_refused_without_a_version(noisy, args, match):
    with pytest.raises(ToolInputError, match=match):
        run(noisy, "eq", **args)
    assert len(noisy.history()) == 1


def test_a_band_above_nyquist_is_refused(make_session):
    low_rate = make_session(mix=Clip(noise(1.0, sample_rate=22050).samples, 22050))
    with pytest.raises(ToolInputError, match="above what 22050 Hz audio can hold"):
        run(low_rate, "eq", high_shelf_hz=15000, high_shelf_db=3)
    assert len(low_rate.history()) == 1
