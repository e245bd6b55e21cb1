"""`inpaint` and `continue` on composed sessions: notes recomposed in the bars, re-rendered, spliced in.

A 4-bar funk groove at 100 BPM is written by the generate tool (FluidSynth when the SoundFont is
installed, else the built-in synth); the checks read the stored audio, notes and MIDI back.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool

TEMPO = 100.0
BAR_S = 2.4
LSB = 2.0**-21  # 24-bit storage: a re-summed mix may differ from the stored one by a step or two


@pytest.fixture(scope="module")
def registry():
    return default_registry()


def _run(registry, store, sid, name, args):
    return run_tool(registry, name, args, store=store, session_id=sid, settings=Settings.from_env())


@pytest.fixture(scope="module")
def composed_once(registry, tmp_path_factory):
    from bandmate.memory.store import Store

    store = Store(tmp_path_factory.mktemp("composed"))
    out = run_tool(registry, "generate", {"prompt": "funk groove in E minor with drums, bass and keys",
                                          "bars": 4, "tempo_bpm": TEMPO}, store=store, session_id=None,
                   settings=Settings.from_env())
    return store, out.version


@pytest.fixture
def store(composed_once):
    return composed_once[0]


@pytest.fixture
def composed(composed_once):
    """A fresh session holding the composed version (rendered once per module: rendering is the slow part)."""
    store, v = composed_once
    sid = store.create_session(mix=store.clip(v.mix), stems={n: store.clip(k) for n, k in v.stems.items()},
                               state=v.state, assets=dict(v.assets))
    return store.version(sid)


def _notes(store, version, stem):
    return json.loads(store.blobs.get_bytes(version.assets[f"notes:{stem}"]))["notes"]


def _steps(x, j):
    return float(np.abs(x[:, j] - x[:, j - 1]).max())


def _typical(x):
    return float(np.percentile(np.abs(np.diff(x, axis=1)), 99))


def test_drum_fill_changes_only_the_drums_in_the_bars(registry, store, composed):
    v0 = composed
    out = _run(registry, store, v0.session_id, "inpaint", {"start_bar": 2, "end_bar": 3, "stems": ["drums"],
                                                          "instruction": "drum fill"})
    r, v1 = out.result, out.version
    assert r.backend == "symbolic" and r.changed == ["drums"]
    assert (r.start_s, r.end_s) == pytest.approx((BAR_S, 3 * BAR_S))
    assert v1.stems["bass"] == v0.stems["bass"] and v1.stems["keys"] == v0.stems["keys"]
    old, new = store.clip(v0.stems["drums"]).samples, store.clip(v1.stems["drums"]).samples
    sr = store.clip(v0.mix).sample_rate
    a, b = round(r.start_s * sr), round(r.end_s * sr)
    assert np.array_equal(new[:, :a], old[:, :a]) and np.array_equal(new[:, b:], old[:, b:])
    assert np.sqrt(np.mean((new[:, a:b] - old[:, a:b]) ** 2)) > 0.01  # audibly new
    assert max(_steps(new, a), _steps(new, b)) <= _typical(old)
    m0, m1 = store.clip(v0.mix).samples, store.clip(v1.mix).samples
    assert np.array_equal(m1[:, :a], m0[:, :a]) and np.array_equal(m1[:, b:], m0[:, b:])
    # the stored notes change inside the bars only, and the MIDI follows them
    before, after = _notes(store, v0, "drums"), _notes(store, v1, "drums")
    inside = lambda ns: [n for n in ns if r.start_s - 1e-6 <= n[1] < r.end_s - 1e-6]  # noqa: E731
    outside = lambda ns: [n for n in ns if not r.start_s - 1e-6 <= n[1] < r.end_s - 1e-6]  # noqa: E731
    assert outside(after) == outside(before) and inside(after) != inside(before)
    assert v1.assets["midi:drums"] != v0.assets["midi:drums"]
    arrangement = json.loads(store.blobs.get_bytes(v1.assets["json:arrangement"]))
    assert arrangement["parts"]["drums"]["notes"] == after


def test_seconds_are_rounded_out_to_whole_bars_and_all_stems_change(registry, store, composed):
    out = _run(registry, store, composed.session_id, "inpaint", {"start_s": 3.0, "end_s": 5.0})
    r = out.result
    assert (r.start_bar, r.end_bar) == (2, 3) and sorted(r.changed) == ["bass", "drums", "keys"]
    again = _run(registry, store, composed.session_id, "inpaint", {"start_s": 3.0, "end_s": 5.0})
    assert again.result.seed != r.seed  # asking twice gives another take


def test_continue_adds_bars_in_the_same_style_and_tempo(registry, store, composed):
    import librosa

    v0 = composed
    out = _run(registry, store, v0.session_id, "continue", {"bars": 2})
    r, v1 = out.result, out.version
    assert r.backend == "symbolic" and r.added_bars == 2
    assert r.old_duration_s == pytest.approx(4 * BAR_S) and r.duration_s == pytest.approx(6 * BAR_S)
    sr = store.clip(v0.mix).sample_rate
    j = round(4 * BAR_S * sr)
    for name in ("drums", "bass", "keys"):
        old, new = store.clip(v0.stems[name]).samples, store.clip(v1.stems[name]).samples
        assert new.shape[1] == round((6 * BAR_S + 1.0) * sr)  # the grid plus one second of release
        assert np.array_equal(new[:, :j], old[:, :j])
        assert _steps(new, j) <= _typical(old)
        assert np.sqrt(np.mean(new[:, j:j + sr] ** 2)) > 0.005  # the new bars play
    assert v1.state.chords[-1].end_s == pytest.approx(6 * BAR_S) and v0.state.chords[-1].end_s == pytest.approx(4 * BAR_S)
    assert len(v1.state.downbeats_s) == 6 and v1.state.tempo_bpm == TEMPO
    mix = store.clip(v1.mix).to_mono()
    _, beats = librosa.beat.beat_track(y=mix, sr=sr, hop_length=256, units="time", start_bpm=TEMPO)
    # (the tracker drifts off the grid in the last second, where only the release tail plays)
    for lo, hi in ((0, 4 * BAR_S), (3 * BAR_S, 6 * BAR_S - 1.5)):
        bt = beats[(beats >= lo) & (beats <= hi)]
        tempo = 60 / np.polyfit(np.arange(len(bt)), bt, 1)[0]
        assert abs(tempo - TEMPO) < 1, (lo, hi, tempo)


def test_continue_seconds_rounds_up_to_bars(registry, store, composed):
    out = _run(registry, store, composed.session_id, "continue", {"seconds": 3.0, "instruction": "build"})
    assert out.result.added_bars == 2 and out.result.added_s == pytest.approx(2 * BAR_S)


@pytest.mark.parametrize(("args", "match"), [
    ({"start_bar": 4, "end_bar": 6}, "run past the end"),
    ({"start_bar": 1, "stems": ["vocals"]}, "no composed stem"),
    ({"start_bar": 1, "backend": "musicgen"}, "one mixed track"),
])
def test_bad_symbolic_calls(registry, store, composed, args, match):
    with pytest.raises(ToolInputError, match=match):
        _run(registry, store, composed.session_id, "inpaint", args)
