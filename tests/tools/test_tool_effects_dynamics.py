"""compressor, limiter, saturation: measured on synthesized signals through run_tool."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.measures import band_db, crest_db, loudness_lufs
from bandmate.core.testsignals import noise, sine
from bandmate.tools import default_registry
from bandmate.tools.limiter import limit
from bandmate.tools.run import run_tool

SR = 44100


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id)


def swelling_sine() -> Clip:
    """220 Hz whose level swells smoothly between -26 and -2 dBFS once a second."""
    t = np.arange(2 * SR) / SR
    env = 0.05 + 0.75 * (0.5 - 0.5 * np.cos(2 * np.pi * t))
    return Clip((env * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[None], SR)


def rms_db(clip: Clip) -> float:
    return float(10 * np.log10(np.mean(clip.samples.astype(np.float64) ** 2)))


def test_compressor_lowers_the_crest_factor(make_session):
    s = make_session(mix=swelling_sine())
    run(s, "compressor", threshold_db=-18, ratio=4, attack_ms=1)
    before, after = crest_db(s.mix(1)), crest_db(s.mix())
    assert before - after > 1.5, (before, after)


def test_compressor_makeup_gain_raises_the_level(make_session):
    plain, made_up = make_session(mix=swelling_sine()), make_session(mix=swelling_sine())
    run(plain, "compressor", ratio=4)
    run(made_up, "compressor", ratio=4, makeup_db=6)
    assert loudness_lufs(made_up.mix()) - loudness_lufs(plain.mix()) == pytest.approx(6, abs=0.1)
    assert loudness_lufs(plain.mix()) < loudness_lufs(plain.mix(1)) - 3  # compression alone is quieter


@pytest.mark.parametrize("threshold_db", [-1.0, -6.0, -12.0])
def test_limiter_keeps_peaks_under_the_ceiling(make_session, threshold_db):
    loud = noise(1.5, amplitude=0.3, channels=2, seed=4)  # peaks about +3 dBFS
    s = make_session(mix=loud)
    run(s, "limiter", threshold_db=threshold_db)
    peak_db = 20 * np.log10(s.mix().peak())
    assert peak_db <= threshold_db + 0.01
    assert peak_db > threshold_db - 0.5  # it limits, it does not just turn everything down


def test_limiter_leaves_audio_under_the_ceiling_untouched(make_session):
    s = make_session(mix=sine(440, 1.0, amplitude=0.5, channels=2))  # -6 dBFS peaks
    run(s, "limiter", threshold_db=-3)
    np.testing.assert_array_equal(s.mix().samples, s.mix(1).samples)


def test_limiter_gain_reduction_recovers_after_a_peak():
    x = sine(440, 1.0, amplitude=0.25).samples.copy()
    x[:, 22050:22100] = 0.99  # one short over in the middle
    y = limit(x, SR, threshold_db=-6, release_ms=50)
    assert np.abs(y).max() <= 10 ** (-6 / 20) + 1e-6
    np.testing.assert_array_equal(y[:, :21000], x[:, :21000])  # well before the look-ahead
    late = slice(22100 + int(0.4 * SR), None)  # 8 release constants later: back to unity
    assert np.allclose(y[:, late], x[:, late], atol=1e-3)


def test_saturation_adds_harmonics_at_the_same_level(make_session):
    s = make_session(mix=sine(220, 1.0, amplitude=0.5, channels=2))
    run(s, "saturation", drive_db=18)
    before, after = s.mix(1), s.mix()
    assert band_db(after, 1000, 8000) - band_db(before, 1000, 8000) > 20
    assert rms_db(after) == pytest.approx(rms_db(before), abs=0.05)


def test_saturation_without_level_match_gets_louder(make_session):
    s = make_session(mix=sine(220, 1.0, amplitude=0.1, channels=2))
    run(s, "saturation", drive_db=18, level_match=False)
    assert rms_db(s.mix()) - rms_db(s.mix(1)) > 6


def test_parallel_saturation_adds_less_than_full(make_session):
    full = make_session(mix=sine(220, 1.0, amplitude=0.5, channels=2))
    half = make_session(mix=sine(220, 1.0, amplitude=0.5, channels=2))
    run(full, "saturation", drive_db=18)
    run(half, "saturation", drive_db=18, wet_mix=0.2)
    assert band_db(half.mix(), 1000, 8000) < band_db(full.mix(), 1000, 8000) - 6


@pytest.mark.parametrize("tool, args, match", [
    ("compressor", {"ratio": 100}, "ratio"),
    ("compressor", {"threshold_db": 6}, "threshold_db"),
    ("compressor", {"attack_ms": 0}, "attack_ms"),
    ("limiter", {"threshold_db": 3}, "threshold_db"),
    ("limiter", {"release_ms": 5000}, "release_ms"),
    ("saturation", {"drive_db": -5}, "drive_db"),
    ("saturation", {"wet_mix": 1.5}, "wet_mix"),
])
def test_bad_dynamics_calls_are_refused_without_a_version(make_session, tool, args, match):
    s = make_session(mix=sine(220, 0.5, channels=2))
    with pytest.raises(ToolInputError, match=match):
        run(s, tool, **args)
    assert len(s.history()) == 1
