"""`inpaint` and `continue` on audio-only sessions: similarity (default here) and MusicGen (tiny model).

Signals: the synthesized groove of test_tool_continue_inpaint_fill (click-free by construction,
120 BPM, known sections) split into drum and harmony stems, and a real drum-and-bass recording.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_tool_continue_inpaint_fill import SR, TEMPO, groove, join_steps, measured_tempo, typical_step

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool

LSB = 2.0**-21  # the session store keeps 24-bit audio; a re-summed mix may differ by a step or two


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(scope="module")
def song() -> Clip:
    return groove("AABAAABA", seed=5)


def _run(registry, store, sid, name, args, settings=None):
    return run_tool(registry, name, args, store=store, session_id=sid, settings=settings or Settings())


def _stems(song: Clip) -> dict[str, Clip]:
    """The groove split in two: everything below 250 Hz and above 3 kHz ('drums'), the rest ('keys')."""
    from scipy.signal import butter, sosfiltfilt

    band = sosfiltfilt(butter(4, [250, 3000], btype="band", fs=SR, output="sos"), song.samples, axis=1)
    return {"drums": song.replace(song.samples - band, "split"), "keys": song.replace(band, "split")}


def test_inpaint_bars_on_a_mix_session(registry, store, make_session, song):
    session = make_session(mix=song, tempo_bpm=TEMPO)
    before = session.mix().samples  # as stored (24-bit)
    out = _run(registry, store, session.id, "inpaint", {"start_bar": 4, "end_bar": 5})
    r = out.result
    assert r.backend == "similarity" and r.changed == ["mix"]
    assert (r.start_s, r.end_s) == (6.0, 10.0)
    after = store.clip(out.version.mix).samples
    a, b = song.frame_at(6.0), song.frame_at(10.0)
    assert np.array_equal(after[:, :a], before[:, :a]) and np.array_equal(after[:, b:], before[:, b:])
    assert not np.allclose(after[:, a:b], before[:, a:b])
    assert max(join_steps(after, [a, b])) <= typical_step(before)
    x = after.mean(0)
    for lo, hi in ((0, 6.0), (10.0, 16.0)):
        assert abs(measured_tempo(x, lo, hi) - TEMPO) < 1


def test_inpaint_only_named_stems_change(registry, store, make_session, song):
    stems = _stems(song)
    session = make_session(stems=stems, tempo_bpm=TEMPO)
    v0 = store.version(session.id)
    out = _run(registry, store, session.id, "inpaint", {"start_s": 4.25, "end_s": 7.5, "stems": ["drums"],
                                                        "instruction": "drum fill"})
    v1 = out.version
    assert out.result.changed == ["drums"] and "not followed" in out.result.summary
    assert v1.stems["keys"] == v0.stems["keys"]  # the same stored audio, not just similar
    old, new = store.clip(v0.stems["drums"]).samples, store.clip(v1.stems["drums"]).samples
    a, b = round(4.25 * SR), round(7.5 * SR)
    assert np.array_equal(new[:, :a], old[:, :a]) and np.array_equal(new[:, b:], old[:, b:])
    assert max(join_steps(new, [a, b])) <= typical_step(old)
    m0, m1 = store.clip(v0.mix).samples, store.clip(v1.mix).samples
    assert np.array_equal(m1[:, :a], m0[:, :a]) and np.array_equal(m1[:, b:], m0[:, b:])


def test_continue_seconds_with_stems_keeps_the_past_and_the_tempo(registry, store, make_session, song):
    session = make_session(stems=_stems(song), tempo_bpm=TEMPO)
    v0 = store.version(session.id)
    out = _run(registry, store, session.id, "continue", {"seconds": 6.0})
    r, v1 = out.result, out.version
    assert r.backend == "similarity" and r.added_s == pytest.approx(6.0)
    for name in ("drums", "keys"):
        old, new = store.clip(v0.stems[name]).samples, store.clip(v1.stems[name]).samples
        assert new.shape[1] == old.shape[1] + 6 * SR
        assert np.array_equal(new[:, : old.shape[1]], old)
        assert join_steps(new, [old.shape[1]])[0] <= typical_step(old)
    mix = store.clip(v1.mix).to_mono()
    assert abs(measured_tempo(mix, song.duration_s - 2, song.duration_s + 6) - TEMPO) < 1


def test_continue_bars_without_a_known_tempo_tracks_the_beat(registry, store, make_session, song):
    session = make_session(mix=song)
    out = _run(registry, store, session.id, "continue", {"bars": 2})
    assert out.result.added_s == pytest.approx(4.0, abs=0.1)  # 2 bars at the tracked ~120 BPM
    assert store.clip(out.version.mix).duration_s == pytest.approx(song.duration_s + out.result.added_s, abs=1e-3)


@pytest.mark.parametrize(("tool", "args", "match"), [
    ("inpaint", {"start_s": 1.0}, "needs a range"),
    ("inpaint", {"start_s": 1.0, "end_bar": 3}, "not a mix"),
    ("inpaint", {"start_bar": 3, "end_bar": 2}, "before start_bar"),
    ("inpaint", {"start_s": 1.0, "end_s": 2.0, "stems": ["drums"]}, "no stems"),
    ("inpaint", {"start_s": 1.0, "end_s": 2.0, "backend": "symbolic"}, "composed session"),
    ("continue", {"seconds": 2.0, "bars": 1}, "exactly one"),
    ("continue", {}, "exactly one"),
    ("continue", {"seconds": 500}, "less than or equal"),
])
def test_bad_calls_are_refused(registry, store, make_session, song, tool, args, match):
    session = make_session(mix=song, tempo_bpm=TEMPO)
    with pytest.raises(ToolInputError, match=match):
        _run(registry, store, session.id, tool, args)


def test_musicgen_refuses_sessions_with_stems(registry, store, make_session, song):
    session = make_session(stems=_stems(song), tempo_bpm=TEMPO)
    with pytest.raises(ToolInputError, match="one mixed track"):
        _run(registry, store, session.id, "continue", {"seconds": 1.0, "backend": "musicgen"})


def test_musicgen_without_weights_names_the_setting(registry, store, make_session, song):
    session = make_session(mix=song, tempo_bpm=TEMPO)
    with pytest.raises(BackendUnavailable, match="BANDMATE_MUSICGEN"):
        _run(registry, store, session.id, "inpaint", {"start_s": 2.0, "end_s": 3.0, "backend": "musicgen"},
             Settings(musicgen="/nonexistent/musicgen"))


@pytest.fixture(scope="module")
def tiny_musicgen(tmp_path_factory):
    pytest.importorskip("transformers")
    import torch
    from test_musicgen_backend import _save_tiny

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models on a shared box: one thread is several times faster
    yield Settings(musicgen=str(_save_tiny(tmp_path_factory.mktemp("mg"))))
    torch.set_num_threads(before)


def test_musicgen_inpaint_and_continue_through_auto(registry, store, make_session, song, tiny_musicgen):
    session = make_session(mix=song, tempo_bpm=TEMPO)
    before = session.mix().samples
    out = _run(registry, store, session.id, "inpaint", {"start_s": 4.0, "end_s": 5.5, "instruction": "drum fill"},
               tiny_musicgen)
    assert out.result.backend == "musicgen"
    after = store.clip(out.version.mix).samples
    a, b = song.frame_at(4.0), song.frame_at(5.5)
    assert np.array_equal(after[:, :a], before[:, :a]) and np.array_equal(after[:, b:], before[:, b:])
    assert max(join_steps(after, [a, b])) <= typical_step(before)
    out = _run(registry, store, session.id, "continue", {"seconds": 1.0}, tiny_musicgen)
    assert out.result.backend == "musicgen"
    ext = store.clip(out.version.mix).samples
    assert ext.shape[1] == after.shape[1] + SR
    assert np.array_equal(ext[:, : after.shape[1]], after)
    assert join_steps(ext, [after.shape[1]])[0] <= typical_step(after)


def test_real_recording_fill_and_continue(registry, store, make_session, real_data):
    from bandmate.core.audio_io import load

    session = make_session(mix=load(real_data / "choice_drum_bass.ogg", sample_rate=SR))  # no tempo: tracked
    clip = session.mix()
    out = _run(registry, store, session.id, "inpaint", {"start_s": 10.0, "end_s": 12.5})
    after = store.clip(out.version.mix)
    a, b = clip.frame_at(10.0), clip.frame_at(12.5)
    assert np.array_equal(after.samples[:, :a], clip.samples[:, :a])
    assert np.array_equal(after.samples[:, b:], clip.samples[:, b:])
    assert max(join_steps(after.samples, [a, b])) <= typical_step(clip.samples)
    tempo = measured_tempo(clip.to_mono())
    assert abs(measured_tempo(after.to_mono(), 0, 10.0) - tempo) < 1
    assert abs(measured_tempo(after.to_mono(), 12.5, after.duration_s) - tempo) < 1
    out = _run(registry, store, session.id, "continue", {"seconds": 6.0})
    ext = store.clip(out.version.mix)
    assert ext.frames == after.frames + 6 * SR
    assert np.array_equal(ext.samples[:, : after.frames], after.samples)
    # the recording drifts a little (136.1 BPM overall, about 136.7 near the end): compare the six
    # seconds after the join with the six before it
    end = after.duration_s
    local = measured_tempo(ext.to_mono(), end - 6, end)
    assert abs(measured_tempo(ext.to_mono(), end, end + 6) - local) < 1
