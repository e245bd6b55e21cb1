"""Effects on a real recording (skipped when ../shared/data/real is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.audio_io import load
from bandmate.core.measures import band_db, centroid_hz, stereo_width
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id)


@pytest.fixture
def jazz(real_data, make_session):
    """8 s of a jazz combo (vibraphone, bass, drums, piano), scaled to peak at -3 dBFS."""
    clip = load(real_data / "vibe_ace.ogg").slice_s(20.0, 28.0)
    return make_session(mix=clip.replace(clip.samples * (0.708 / clip.peak()), "normalise -3 dBFS"))


def test_high_shelf_on_real_music(jazz):
    run(jazz, "eq", high_shelf_hz=4000, high_shelf_db=6)
    before, after = jazz.mix(1), jazz.mix()
    # the corner is the shelf's half-gain point; music has most of its 4-16 kHz energy near 4 kHz, so
    # the full +6 dB shows above an octave over the corner, and the whole band gets somewhat less
    assert band_db(after, 8000, 16000) - band_db(before, 8000, 16000) == pytest.approx(6, abs=0.5)
    assert 4 < band_db(after, 4000, 16000) - band_db(before, 4000, 16000) < 6
    assert abs(band_db(after, 50, 200) - band_db(before, 50, 200)) < 0.5


def test_limiter_slower_and_narrower_on_real_music(jazz):
    run(jazz, "limiter", threshold_db=-9)
    assert 20 * np.log10(jazz.mix().peak()) <= -9 + 0.01
    run(jazz, "time_stretch", rate=0.8)
    assert jazz.mix().duration_s == pytest.approx(10.0, abs=0.01)
    assert centroid_hz(jazz.mix()) == pytest.approx(centroid_hz(jazz.mix(1)), rel=0.08)
    run(jazz, "stereo_width", width=0.5)
    assert stereo_width(jazz.mix()) == pytest.approx(0.25 * stereo_width(jazz.mix(3)), rel=0.02)
