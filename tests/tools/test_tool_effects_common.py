"""What every effect tool shares: ranges, stem targets, the mix bus, refusals, describe, registration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandmate.core.errors import ToolInputError
from bandmate.core.measures import band_db, measure_all
from bandmate.core.testsignals import noise
from bandmate.tools import default_registry, delay, reverb
from bandmate.tools.apply import process_range
from bandmate.tools.mixing import sum_stems
from bandmate.tools.run import run_tool

SR = 44100
EFFECTS = ("eq", "compressor", "limiter", "reverb", "delay", "chorus", "saturation", "stereo_width",
           "pitch_shift", "time_stretch", "fade", "trim", "describe")

# one musically plausible call per effect that works on a range
RANGE_CALLS = [
    ("eq", {"low_shelf_db": 6, "high_shelf_db": -6}, 0.0),
    ("compressor", {"threshold_db": -30, "ratio": 8}, 0.0),
    ("limiter", {"threshold_db": -12}, 0.0),
    ("reverb", {"room_size": 0.3}, reverb.tail_seconds(0.3)),
    ("delay", {"delay_ms": 100, "feedback": 0.2}, delay.tail_seconds(0.1, 0.2)),
    ("chorus", {"depth": 0.5}, 0.0),
    ("saturation", {"drive_db": 20}, 0.0),
    ("stereo_width", {"width": 0}, 0.0),
    ("pitch_shift", {"semitones": 5}, 0.0),
    ("fade", {"fade_in_s": 0.25, "fade_out_s": 0.25}, 0.0),
]


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id)


def test_every_effect_is_registered_with_a_flat_schema_and_a_first_line_for_models():
    reg = default_registry()
    for name in EFFECTS:
        spec = reg[name]
        schema = spec.Args.model_json_schema()
        assert "$defs" not in schema, name  # flat: no nested argument objects
        assert {"target", "start_s", "end_s", "start_bar", "end_bar"} <= set(schema["properties"]), name
        assert 30 < len(spec.summary) < 125, (name, spec.summary)
    assert reg["describe"].read_only and not reg["eq"].read_only


@pytest.mark.parametrize("tool, args, tail_s", RANGE_CALLS, ids=[c[0] for c in RANGE_CALLS])
def test_a_range_changes_only_the_range(make_session, tool, args, tail_s):
    s = make_session(mix=noise(3.0, amplitude=0.1, channels=2, seed=7))
    out = run(s, tool, start_s=1.0, end_s=1.5, **args)
    assert (out.result.start_s, out.result.end_s) == (1.0, 1.5)
    before, after = s.mix(1).samples, s.mix().samples
    a, b = SR, int((1.5 + tail_s) * SR)
    np.testing.assert_array_equal(after[:, :a], before[:, :a])
    np.testing.assert_array_equal(after[:, b:], before[:, b:])
    inside = slice(int(1.1 * SR), int(1.4 * SR))
    assert np.abs(after[:, inside] - before[:, inside]).mean() > 0.005


def test_a_range_in_bars_follows_the_tempo(make_session):
    s = make_session(mix=noise(3.0, amplitude=0.1, channels=2, seed=8), tempo_bpm=240)  # 1 s bars
    out = run(s, "eq", low_shelf_db=-12, start_bar=2, end_bar=2)
    assert (out.result.start_s, out.result.end_s) == (1.0, 2.0)
    before, after = s.mix(1), s.mix()
    np.testing.assert_array_equal(after.samples[:, :SR], before.samples[:, :SR])
    np.testing.assert_array_equal(after.samples[:, 2 * SR:], before.samples[:, 2 * SR:])
    assert band_db(after.slice_s(1.1, 1.9), 30, 100) < band_db(before.slice_s(1.1, 1.9), 30, 100) - 8


@pytest.mark.parametrize("tool, args", [("eq", {"peak1_hz": 440, "peak1_db": -12}), ("reverb", {}),
                                        ("saturation", {"drive_db": 20}),
                                        # the keys' two channels are identical: narrow the decorrelated drums
                                        ("stereo_width", {"width": 0, "target": "drums"}),
                                        ("chorus", {})])
def test_a_stem_effect_leaves_the_other_stems_bit_identical(make_session, band_stems, tool, args):
    s = make_session(stems=band_stems)
    args = dict(args)
    target = args.pop("target", "keys")
    run(s, tool, target=target, **args)
    v0, v1 = s.version(1), s.head
    for other in {"bass", "keys", "drums"} - {target}:
        assert v1.stems[other] == v0.stems[other]
        np.testing.assert_array_equal(s.stem(other).samples, s.stem(other, 1).samples)
    assert v1.stems[target] != v0.stems[target]
    assert v1.mix != v0.mix and v1.bus == []


def test_a_mix_effect_on_stems_is_a_bus_move_replayed_after_stem_edits(make_session, band_stems):
    s = make_session(stems=band_stems)
    run(s, "eq", low_shelf_hz=150, low_shelf_db=-12)
    assert s.head.stems == s.version(1).stems
    assert [op["tool"] for op in s.head.bus] == ["eq"]
    run(s, "saturation", target="keys", drive_db=12)
    stems = s.stems()
    raw = sum_stems(stems, s.head.state, SR)
    assert band_db(s.mix(), 40, 120) < band_db(raw, 40, 120) - 8  # the low cut still sits on the new mix


@pytest.mark.parametrize("tool, args, match", [
    ("eq", {"low_shelf_db": 3, "target": "vocals"}, "unknown target 'vocals'.*bass, keys, drums"),
    ("reverb", {"start_bar": 1, "end_bar": 2}, "does not know its tempo"),
    ("compressor", {"start_s": 1.5, "end_s": 1.0}, "must be after start_s"),
    ("chorus", {"start_s": 0.5, "start_bar": 1}, "not both"),
    ("delay", {"start_s": 30.0}, "past the end"),
    ("saturation", {"drive_db": 400}, "drive_db"),
    ("limiter", {"target": ""}, "unknown target"),
    ("describe", {"target": "piano"}, "unknown target 'piano'"),
])
def test_bad_calls_raise_clear_errors_and_create_no_version(make_session, band_stems, tool, args, match):
    s = make_session(stems=band_stems)
    with pytest.raises(ToolInputError, match=match):
        run(s, tool, **args)
    assert len(s.history()) == 1 and s.head.id == 1


def test_describe_measures_a_stem_and_changes_nothing(make_session, band_stems):
    s = make_session(stems=band_stems)
    out = run(s, "describe", target="bass")
    assert out.version is None and len(s.history()) == 1
    expected = measure_all(s.stem("bass"))
    assert out.result.measures == pytest.approx(expected)
    assert (out.result.sample_rate, out.result.channels) == (SR, 2)
    assert out.result.duration_s == pytest.approx(2.0)
    assert out.result.measures["centroid_hz"] < 150  # 55 + 110 Hz


def test_describe_a_range(make_session, band_stems):
    s = make_session(stems=band_stems)
    out = run(s, "describe", start_s=0.5, end_s=1.25)
    assert out.result.duration_s == pytest.approx(0.75)
    assert out.result.measures == pytest.approx(measure_all(s.mix().slice_s(0.5, 1.25)))
    assert "LUFS" in out.result.summary


@settings(max_examples=30, deadline=None)
@given(start=st.integers(0, 9000), length=st.integers(1, 9000), tail=st.sampled_from([0.0, 0.05]),
       crossfade_ms=st.sampled_from([0.0, 1.0, 10.0]))
def test_process_range_never_touches_samples_outside_range_and_tail(start, length, tail, crossfade_ms):
    clip = noise(0.25, sample_rate=SR, channels=2, seed=9)  # 11025 frames
    end = min(clip.frames, start + length)
    out = process_range(clip, lambda x, sr: np.tanh(4 * x[:, ::-1]), start / SR, end / SR,
                        crossfade_ms=crossfade_ms, tail_s=tail)
    stop = min(clip.frames, end + int(tail * SR))
    assert out.frames == clip.frames
    np.testing.assert_array_equal(out.samples[:, :start], clip.samples[:, :start])
    np.testing.assert_array_equal(out.samples[:, stop:], clip.samples[:, stop:])
    if end - start > 4:
        assert not np.array_equal(out.samples[:, start:end], clip.samples[:, start:end])
