"""pitch_shift, time_stretch, fade, trim: measured through run_tool, on mixes and on stemmed sessions."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.measures import centroid_hz
from bandmate.core.testsignals import sine
from bandmate.tools import default_registry
from bandmate.tools.pitch_shift import transpose_label
from bandmate.tools.run import run_tool

SR = 44100


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id)


def dc(duration_s: float, level: float = 0.5) -> Clip:
    """A constant: the gain curve of a fade shows up sample by sample."""
    return Clip(np.full((2, int(duration_s * SR)), level, np.float32), SR)


CHORDS = [{"start_s": 0.0, "end_s": 1.0, "label": "A:min"}, {"start_s": 1.0, "end_s": 2.0, "label": "F:maj"}]


# ---- pitch_shift ------------------------------------------------------------------------------------
def test_octave_up_doubles_a_sines_centroid_and_keeps_its_length(make_session):
    s = make_session(mix=sine(440, 1.5, amplitude=0.3, channels=2))
    run(s, "pitch_shift", semitones=12)
    before, after = s.mix(1), s.mix()
    assert centroid_hz(after) == pytest.approx(2 * centroid_hz(before), rel=0.03)
    assert after.frames == before.frames


def test_pitch_shift_of_a_stemmed_mix_moves_every_stem_and_the_key(make_session, band_stems):
    s = make_session(stems=band_stems, tempo_bpm=120, key="A:min", chords=CHORDS)
    out = run(s, "pitch_shift", semitones=3)
    v = s.head
    assert v.bus == []  # structural: applied to the stems, not recorded as a mix-bus move
    assert centroid_hz(s.stem("keys")) == pytest.approx(440 * 2 ** 0.25, rel=0.03)
    assert centroid_hz(s.stem("bass")) == pytest.approx(centroid_hz(s.stem("bass", 1)) * 2 ** 0.25, rel=0.05)
    assert all(s.stem(n).frames == s.stem(n, 1).frames for n in band_stems)
    assert v.state.key == "C:min"
    assert [c.label for c in v.state.chords] == ["C:min", "G#:maj"]
    assert "key now C:min" in out.result.summary


def test_pitch_shift_of_one_stem_leaves_the_others_and_the_key(make_session, band_stems):
    s = make_session(stems=band_stems, key="A:min")
    run(s, "pitch_shift", semitones=-12, target="keys")
    assert centroid_hz(s.stem("keys")) == pytest.approx(220, rel=0.03)
    assert s.head.stems["bass"] == s.version(1).stems["bass"]
    assert s.head.stems["drums"] == s.version(1).stems["drums"]
    assert s.head.state.key == "A:min"


@pytest.mark.parametrize("label, semitones, expected", [
    ("A:min", 3, "C:min"), ("Bb:maj7", 2, "C:maj7"), ("N", 5, "N"), ("C#:min/b3", -1, "C:min/b3"), ("G", 12, "G"),
])
def test_chord_labels_transpose(label, semitones, expected):
    assert transpose_label(label, semitones) == expected


# ---- time_stretch ----------------------------------------------------------------------------------
def test_double_speed_halves_the_length_and_keeps_the_pitch(make_session):
    s = make_session(mix=sine(440, 2.0, amplitude=0.3, channels=2))
    out = run(s, "time_stretch", rate=2)
    before, after = s.mix(1), s.mix()
    assert after.duration_s == pytest.approx(before.duration_s / 2, abs=0.001)
    assert centroid_hz(after) == pytest.approx(centroid_hz(before), rel=0.03)
    assert out.result.duration_s == pytest.approx(1.0, abs=0.001)


def test_target_bpm_stretches_every_stem_and_moves_the_timeline(make_session, band_stems):
    s = make_session(stems=band_stems, tempo_bpm=120, beats_s=[0.0, 0.5, 1.0, 1.5], downbeats_s=[0.0],
                     chords=CHORDS)
    out = run(s, "time_stretch", target_bpm=60)
    v = s.head
    assert out.result.rate == pytest.approx(0.5)
    assert v.state.tempo_bpm == pytest.approx(60)
    assert v.state.beats_s == pytest.approx([0.0, 1.0, 2.0, 3.0])
    assert [(c.start_s, c.end_s) for c in v.state.chords] == [(0.0, 2.0), (2.0, 4.0)]
    assert {s.stem(n).frames for n in band_stems} == {4 * SR}
    assert s.mix().duration_s == pytest.approx(4.0)
    assert centroid_hz(s.stem("keys")) == pytest.approx(440, rel=0.03)


def test_stretching_a_range_moves_what_follows_and_keeps_the_rest(make_session):
    x = sine(330, 3.0, amplitude=0.3, channels=2)
    s = make_session(mix=x, tempo_bpm=120, beats_s=[0.5, 1.5, 2.5])
    run(s, "time_stretch", rate=0.5, start_s=1.0, end_s=2.0)
    before, after = s.mix(1).samples, s.mix().samples
    assert after.shape[1] == 4 * SR  # the 1 s range now lasts 2 s
    np.testing.assert_array_equal(after[:, :SR], before[:, :SR])
    np.testing.assert_array_equal(after[:, 3 * SR:], before[:, 2 * SR:])
    assert s.head.state.beats_s == pytest.approx([0.5, 2.0, 3.5])
    assert s.head.state.tempo_bpm == 120  # the unstretched parts keep their tempo


# ---- fade ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, mid_gain", [("linear", 0.5), ("equal_power", np.sqrt(0.5)),
                                             ("exponential", (10**1.5 - 1) / 999)])
def test_fade_curves_at_the_ends(make_session, shape, mid_gain):
    s = make_session(mix=dc(2.0))
    run(s, "fade", fade_in_s=0.5, fade_out_s=1.0, shape=shape)
    y = s.mix().samples[0] / 0.5
    assert abs(y[0]) < 1e-3 and abs(y[-1]) < 1e-3
    assert y[int(0.25 * SR)] == pytest.approx(mid_gain, abs=0.01)  # half-way through the fade-in
    assert y[int(1.5 * SR)] == pytest.approx(mid_gain, abs=0.01)  # half-way through the fade-out
    np.testing.assert_array_equal(s.mix().samples[:, int(0.5 * SR):SR], s.mix(1).samples[:, int(0.5 * SR):SR])


def test_fade_in_a_range_leaves_everything_outside_it(make_session):
    s = make_session(mix=dc(3.0), tempo_bpm=240)  # 1 s bars
    run(s, "fade", fade_out_s=0.5, start_bar=2, end_bar=2)  # fade out over the end of bar 2 (1–2 s)
    before, after = s.mix(1).samples, s.mix().samples
    np.testing.assert_array_equal(after[:, :int(1.5 * SR)], before[:, :int(1.5 * SR)])
    np.testing.assert_array_equal(after[:, 2 * SR:], before[:, 2 * SR:])
    assert abs(after[0, 2 * SR - 1]) < 1e-3


def test_fading_a_stemmed_mix_fades_every_stem(make_session, band_stems):
    s = make_session(stems=band_stems)
    run(s, "fade", fade_out_s=1.0)
    for name in band_stems:
        tail = s.stem(name).samples[:, -int(0.01 * SR):]
        assert np.abs(tail).max() < 0.02 * max(np.abs(s.stem(name, 1).samples).max(), 1e-9)
    assert s.head.bus == []


# ---- trim ------------------------------------------------------------------------------------------
def test_trim_keeps_the_range(make_session):
    s = make_session(mix=sine(440, 3.0, channels=2))
    out = run(s, "trim", start_s=0.5, end_s=2.0)
    assert s.mix().duration_s == pytest.approx(1.5)
    assert out.result.duration_s == pytest.approx(1.5)
    a, n = SR // 2, SR  # away from the 5 ms edge fades, samples are the original ones, shifted
    np.testing.assert_array_equal(s.mix().samples[:, 4410:4410 + n], s.mix(1).samples[:, a + 4410:a + 4410 + n])


def test_trim_in_bars_cuts_every_stem_and_shifts_the_timeline(make_session, band_stems):
    s = make_session(stems=band_stems, tempo_bpm=240, beats_s=[0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75],
                     downbeats_s=[0.0, 1.0], chords=CHORDS)
    run(s, "trim", start_bar=2, end_bar=2)  # 1 s bars: keep 1–2 s
    v = s.head
    assert {s.stem(n).duration_s for n in band_stems} == {1.0}
    assert s.mix().duration_s == pytest.approx(1.0)
    assert v.state.beats_s == pytest.approx([0.0, 0.25, 0.5, 0.75])
    assert v.state.downbeats_s == pytest.approx([0.0])
    assert [(c.start_s, c.end_s, c.label) for c in v.state.chords] == [(0.0, 1.0, "F:maj")]
    assert v.state.offset_s == 0.0


# ---- refusals --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tool, args, match", [
    ("pitch_shift", {"semitones": 48}, "semitones"),
    ("pitch_shift", {"semitones": 0}, "changes nothing"),
    ("time_stretch", {}, "exactly one of rate"),
    ("time_stretch", {"rate": 2, "target_bpm": 100}, "exactly one of rate"),
    ("time_stretch", {"rate": 10}, "rate"),
    ("time_stretch", {"target_bpm": 100}, "needs the session tempo"),
    ("time_stretch", {"rate": 2, "target": "bass"}, "cannot apply to the stem 'bass' alone"),
    ("trim", {}, "needs the part to keep"),
    ("trim", {"start_s": 1.0, "end_s": 0.5}, "must be after start_s"),
    ("trim", {"start_bar": 2}, "does not know its tempo"),
    ("trim", {"start_s": 5.0}, "past the end"),
    ("trim", {"end_s": 0.5, "target": "bass"}, "cannot apply to the stem"),
    ("trim", {"end_s": 0.5, "target": "vocals"}, "unknown target 'vocals'"),
    ("fade", {}, "fade_in_s and/or fade_out_s"),
    ("fade", {"fade_in_s": 1.5, "fade_out_s": 1.0}, "longer than"),
    ("fade", {"fade_in_s": 90}, "fade_in_s"),
    ("fade", {"fade_in_s": 1, "shape": "s-curve"}, "shape"),
])
def test_bad_time_calls_are_refused_without_a_version(make_session, band_stems, tool, args, match):
    s = make_session(stems=band_stems)
    with pytest.raises(ToolInputError, match=match):
        run(s, tool, **args)
    assert len(s.history()) == 1
