"""Tempo octave: the stated rule (tempo prior + one chord per bar) on the real recordings and on grids.

Reference tempi of the recordings were measured with madmom on main before the rule existed (DBN beats):
choice_drum_bass 136.05, hungarian_dance_5 148.32, vibe_ace 130.03, lets_go_fishin 176.29 (a listener's
88: the tracker followed the strummed eighths).
"""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.audio_io import load
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.backends.analysis_tempo import choose_tempo_octave, octave_cost
from bandmate.tools.context import Backends
from bandmate.tools.run import run_tool

KEPT = {"choice_drum_bass": 136.05, "hungarian_dance_5": 148.32, "vibe_ace": 130.03}


@pytest.fixture(scope="module")
def backends():
    return Backends()


def _analyze(make_session, real_data, name, backends):
    from bandmate.tools.backends.madmom_shim import madmom_installed

    path = real_data / f"{name}.ogg"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    if not madmom_installed():
        pytest.skip("madmom is not installed (the recordings' reference tempi are madmom's)")
    session = make_session(mix=load(path))
    out = run_tool(default_registry(), "analyze", {"what": ["tempo", "beats"], "backend": "madmom"},
                   store=session.store, session_id=session.id, backends=backends, settings=Settings())
    return out.result, session.head.state


def test_lets_go_fishin_is_counted_at_88_with_176_kept_as_the_alternative(make_session, real_data, backends):
    r, state = _analyze(make_session, real_data, "lets_go_fishin", backends)
    assert r.tempo_bpm == pytest.approx(88, abs=2)
    assert state.tempo_bpm == r.tempo_bpm and state.tempo_alternative_bpm == pytest.approx(176, abs=4)
    assert "could be 176" in r.summary and "bars counted at 88" in r.summary and "halved" in r.tempo_rule
    bar_s = np.diff(state.downbeats_s)
    assert np.median(bar_s) == pytest.approx(4 * 60 / 88, rel=0.05)  # 4/4 bars at 88 BPM


@pytest.mark.parametrize("name", sorted(KEPT))
def test_other_recordings_keep_their_tempo(make_session, real_data, backends, name):
    r, state = _analyze(make_session, real_data, name, backends)
    assert r.tempo_bpm == pytest.approx(KEPT[name], rel=0.01)
    assert state.tempo_alternative_bpm == pytest.approx(KEPT[name] / 2, rel=0.01)
    assert "kept" in r.tempo_rule


def _grid(bpm: float, seconds: float = 40.0, per_bar: int = 4):
    beats = list(np.arange(0.5, seconds, 60 / bpm))
    return beats, beats[::per_bar]


def test_halving_keeps_the_downbeats_where_chords_change():
    beats, downbeats = _grid(176)
    bar = 4 * 60 / 176
    # chords change every other (fast) bar, starting on the second downbeat
    chords = [(downbeats[i], downbeats[i] + 2 * bar, "C:maj" if i % 4 == 1 else "G:maj")
              for i in range(1, len(downbeats) - 2, 2)]
    c = choose_tempo_octave(tempo_bpm=176, beats_s=beats, downbeats_s=downbeats, beats_per_bar=4, chords=chords)
    assert c.factor == 0.5 and c.tempo_bpm == 88 and c.alternative_bpm == 176
    assert c.downbeats_s[0] == pytest.approx(downbeats[1], abs=1e-3) and c.downbeats_s[1] == pytest.approx(downbeats[3], abs=1e-3)
    assert set(np.round(c.downbeats_s, 3)) <= set(np.round(c.beats_s, 3))


def test_no_harmonic_evidence_keeps_the_tracker_and_doubling_fills_midpoints():
    beats, downbeats = _grid(174)
    c = choose_tempo_octave(tempo_bpm=174, beats_s=beats, downbeats_s=downbeats, beats_per_bar=4, chords=[])
    assert c.factor == 1.0 and c.tempo_bpm == 174 and "no harmonic evidence" in c.reason
    beats, downbeats = _grid(55)
    chords = [(b, b + 60 / 55 * 2, "C:maj" if i % 2 else "F:maj") for i, b in enumerate(beats[::2])]
    c = choose_tempo_octave(tempo_bpm=55, beats_s=beats, downbeats_s=downbeats, beats_per_bar=4, chords=chords)
    assert c.factor == 2.0 and c.tempo_bpm == 110 and len(c.beats_s) == 2 * len(beats) - 1


def test_cost_prefers_one_chord_per_bar():
    assert octave_cost(88, 2.73, 4) < octave_cost(176, 2.73, 4)
    assert octave_cost(136, 1.25, 4) < octave_cost(68, 1.25, 4)
