"""Level safety (issue 8, failure 8): no edit leaves the mix above -0.3 dBFS true peak unless asked,
and the stage says when it acted."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core import measures
from bandmate.core.clip import Clip
from bandmate.core.testsignals import sine
from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool
from bandmate.tools.safety import CEILING_DBFS, GENTLE_LIMIT_DB, LIMIT_DB, make_safe, true_peak_envelope

SR = 44100


def quarter_rate_sine(amplitude: float, seconds: float = 1.0) -> Clip:
    """fs/4 at phase pi/4: every sample is +-0.707*amplitude, the waveform peaks at amplitude between them."""
    t = np.arange(int(seconds * SR)) / SR
    edge = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)   # 10 ms ramps: no overshoot from the clip edges
    return Clip.mono((amplitude * edge * np.sin(2 * np.pi * SR / 4 * t + np.pi / 4)).astype(np.float32), SR)


def test_a_mix_under_the_ceiling_is_left_alone():
    clip = sine(440, 1.0, amplitude=0.5, channels=2)
    out, acted = make_safe(clip)
    assert out is clip and acted is None


def test_inter_sample_overs_are_caught():
    clip = quarter_rate_sine(1.2)   # sample peak -1.4 dBFS, true peak +1.6 dBFS
    assert 20 * np.log10(np.abs(clip.samples).max()) < CEILING_DBFS
    assert measures.peak_dbfs(clip) == pytest.approx(20 * np.log10(1.2), abs=0.05)
    env = true_peak_envelope(clip.samples)
    assert env.max() == pytest.approx(1.2, rel=0.01)
    out, acted = make_safe(clip)
    assert measures.peak_dbfs(out) <= CEILING_DBFS
    assert acted.peak_before_dbfs == pytest.approx(20 * np.log10(1.2), abs=0.05)
    assert acted.text() == f"safety limiter: peak +1.6 → {acted.peak_after_dbfs:+.1f} dBFS"
    assert acted.peak_after_dbfs > CEILING_DBFS - 0.2   # brought to the ceiling, not far under it


@pytest.fixture
def vibe(real_data, store):
    from bandmate.core.audio_io import load

    mix = load(real_data / "vibe_ace.ogg").slice_s(30.0, 45.0)   # the combo at full tilt, peaks at -0.4 dBFS
    return Session(store, store.create_session(mix=mix))


def test_gain_8_db_on_vibe_ace_is_brought_under_the_ceiling(vibe):
    before = vibe.mix()
    out = run_tool(default_registry(), "gain", {"gain_db": 8}, store=vibe.store, session_id=vibe.id)
    after = vibe.mix()
    assert measures.peak_dbfs(before) == pytest.approx(-0.43, abs=0.05)
    assert measures.peak_dbfs(after) <= CEILING_DBFS
    assert out.safety == vibe.head.step["safety"]["text"]
    assert out.safety.startswith("safety limiter: peak +7.6 → -0.3")
    # the limiter shaves at most LIMIT_DB off the peaks; a plain gain cut takes the rest of the 7.9 dB over
    assert out.safety.endswith("(4.9 dB of it as plain gain, to keep the dynamics)")
    assert measures.crest_db(before) - measures.crest_db(after) <= LIMIT_DB
    assert measures.loudness_lufs(after) - measures.loudness_lufs(before) > 2.5


def test_allow_clipping_skips_the_stage(vibe):
    out = run_tool(default_registry(), "gain", {"gain_db": 8}, store=vibe.store, session_id=vibe.id,
                   allow_clipping=True)
    assert out.safety is None and "safety" not in vibe.head.step
    assert measures.peak_dbfs(vibe.mix()) == pytest.approx(7.57, abs=0.05)


def test_keep_dynamics_limits_at_most_a_decibel(vibe):
    before = vibe.mix()
    out = run_tool(default_registry(), "gain", {"gain_db": 3}, store=vibe.store, session_id=vibe.id,
                   keep_dynamics=True)
    after = vibe.mix()
    assert measures.peak_dbfs(after) <= CEILING_DBFS
    assert "as plain gain" in out.safety
    assert measures.crest_db(before) - measures.crest_db(after) <= GENTLE_LIMIT_DB
    assert measures.loudness_lufs(after) - measures.loudness_lufs(before) > 0.5   # still louder


def test_a_stem_edit_is_made_safe_after_the_stem_sum(make_session):
    stems = {"bass": sine(55, 2.0, amplitude=0.45, channels=2), "keys": sine(440, 2.0, amplitude=0.4, channels=2)}
    session = make_session(stems=stems)
    out = run_tool(default_registry(), "gain", {"target": "keys", "gain_db": 6}, store=session.store,
                   session_id=session.id)
    assert out.safety is not None
    assert measures.peak_dbfs(session.mix()) <= CEILING_DBFS
    # the stems keep the edit as asked; only the mix bus output is held under the ceiling
    assert np.abs(session.stem("keys").samples).max() == pytest.approx(0.4 * 10 ** (6 / 20), rel=1e-3)


def test_a_ranged_edit_is_made_safe_inside_its_range_only(make_session):
    """Overs the edit made are held under the ceiling; every sample it did not touch stays bit-identical,
    including overs that were already there (the edit did not make them)."""
    hot = sine(440, 4.0, amplitude=0.8, channels=2)
    x = hot.samples.copy()
    x[:, : SR // 2] *= 1.3                         # the first half second is over already (+0.3 dBFS)
    session = make_session(mix=hot.replace(x, "hot"))
    before = session.mix().samples
    out = run_tool(default_registry(), "gain", {"gain_db": 6, "start_s": 2.0, "end_s": 3.0},
                   store=session.store, session_id=session.id)
    after = session.mix().samples
    a, b = 2 * SR, 3 * SR
    assert np.array_equal(after[:, :a], before[:, :a]) and np.array_equal(after[:, b:], before[:, b:])
    assert out.safety is not None
    inside = session.mix().slice_s(2.0, 3.0)
    assert measures.peak_dbfs(inside) <= CEILING_DBFS
    assert measures.peak_dbfs(session.mix().slice_s(0.0, 0.5)) > CEILING_DBFS   # untouched, as it was
