"""Similarity fill/continue and the join machinery on a synthesized groove with a known beat grid.

The groove is click-free by construction (every event has an attack ramp), so any step at a join
would come from the splice. Tempo is measured with librosa's beat tracker (regression slope of the
beat times, which averages out the frame quantisation).
"""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.audio_fill import (
    append,
    beat_grid,
    plan_fill,
    similarity_continue,
    similarity_fill,
    splice,
)

SR = 22050
TEMPO = 120.0
ROOTS = {"A": (130.81, 164.81, 196.0), "B": (110.0, 130.81, 164.81)}  # C major / A minor triads


def _env(n: int, attack: int, decay_s: float) -> np.ndarray:
    t = np.arange(n) / SR
    env = np.exp(-t / decay_s)
    env[:attack] *= np.linspace(0, 1, attack)
    return env


def groove(sections: str = "AABAAABA", tempo: float = TEMPO, seed: int = 0) -> Clip:
    """Kick on 1 and 3, snare on 2 and 4, hats on eighths, bass on the root, a triad pad per bar."""
    rng = np.random.default_rng(seed)
    beat = 60.0 / tempo
    n = int(len(sections) * 4 * beat * SR)
    x = np.zeros(n)
    for bar, sec in enumerate(sections):
        chord = ROOTS[sec]
        a, b = int(bar * 4 * beat * SR), int((bar + 1) * 4 * beat * SR)
        t = np.arange(b - a) / SR
        pad = sum(np.sin(2 * np.pi * f * t) for f in chord) * 0.05
        ramp = np.minimum(1, np.minimum(t, t[-1] - t) / 0.01)
        x[a:b] += pad * ramp
        for k in range(8):
            s = a + int(k * beat / 2 * SR)
            m = min(n - s, int(0.25 * SR))
            tt = np.arange(m) / SR
            if k % 4 == 0:  # kick
                x[s:s + m] += 0.6 * np.sin(2 * np.pi * (50 + 60 * np.exp(-tt / 0.03)) * tt) * _env(m, 40, 0.12)
            if k % 4 == 2:  # snare
                x[s:s + m] += 0.25 * rng.standard_normal(m) * _env(m, 40, 0.06)
            h = min(m, int(0.05 * SR))
            x[s:s + h] += 0.05 * np.diff(rng.standard_normal(h + 1)) * _env(h, 20, 0.01)
            bass = chord[0] / 2
            x[s:s + m] += 0.2 * np.sin(2 * np.pi * bass * tt) * _env(m, 60, 0.2)
    return Clip(np.stack([x, 0.9 * x]).astype(np.float32), SR, ("groove",))


def measured_tempo(x: np.ndarray, start_s: float = 0.0, end_s: float | None = None) -> float:
    import librosa

    _, beats = librosa.beat.beat_track(y=x.astype(np.float32), sr=SR, hop_length=256, units="time",
                                       start_bpm=TEMPO)
    end_s = len(x) / SR if end_s is None else end_s
    beats = beats[(beats >= start_s) & (beats <= end_s)]
    assert len(beats) >= 6, beats
    return 60.0 / np.polyfit(np.arange(len(beats)), beats, 1)[0]


def join_steps(y: np.ndarray, joins: list[int]) -> list[float]:
    return [float(np.abs(y[:, j] - y[:, j - 1]).max()) for j in joins]


def typical_step(x: np.ndarray) -> float:
    return float(np.percentile(np.abs(np.diff(x, axis=1)), 99))


@pytest.fixture(scope="module")
def clip() -> Clip:
    return groove()


@pytest.fixture(scope="module")
def beats(clip) -> np.ndarray:
    return beat_grid(clip, tempo_bpm=TEMPO)


def test_fill_picks_a_matching_bar_and_keeps_everything_outside(clip, beats):
    # bar 6 is an "A" bar between A and B: the best source is another bar with the same surroundings
    start, end = 5 * 2.0, 6 * 2.0
    plan = plan_fill(clip, start, end, beats_s=beats)
    assert plan.shift_beats % 4 == 0
    src_bar = 5 + plan.shift_beats // 4
    assert "AABAAABA"[src_bar] == "A"
    assert abs(plan.shift_s - plan.shift_beats * 0.5) < 0.002  # the grid shift, barely nudged
    out = similarity_fill(clip, start, end, beats_s=beats, plan=plan)
    a, b = clip.frame_at(start), clip.frame_at(end)
    assert np.array_equal(out.samples[:, :a], clip.samples[:, :a])
    assert np.array_equal(out.samples[:, b:], clip.samples[:, b:])
    assert not np.array_equal(out.samples[:, a:b], clip.samples[:, a:b])


def test_fill_joins_are_click_free_and_tempo_holds(beats):
    # a range that starts and ends off the beat, in the middle of notes
    clip = groove("AABAAABA", seed=3)
    start, end = 4.37, 7.81
    out = similarity_fill(clip, start, end, beats_s=beats)
    a, b = clip.frame_at(start), clip.frame_at(end)
    steps = join_steps(out.samples, [a, b])
    assert max(steps) <= typical_step(clip.samples), (steps, typical_step(clip.samples))
    # nothing in the crossfades is sharper than the material itself
    for j in (a, b):
        win = slice(j - 1000, j + 1000)
        assert np.abs(np.diff(out.samples[:, win])).max() <= 1.5 * np.abs(np.diff(clip.samples)).max()
    before = measured_tempo(out.to_mono(), 0, start)
    after = measured_tempo(out.to_mono(), end, out.duration_s)
    whole = measured_tempo(out.to_mono())
    assert abs(before - TEMPO) < 1 and abs(after - TEMPO) < 1 and abs(whole - TEMPO) < 1, (before, after, whole)


def test_continue_lengthens_exactly_and_stays_at_tempo(clip, beats):
    out = similarity_continue(clip, 5.0, beats_s=beats)
    assert out.frames == clip.frames + 5 * SR
    assert np.array_equal(out.samples[:, : clip.frames], clip.samples)
    steps = join_steps(out.samples, [clip.frames])
    assert steps[0] <= typical_step(clip.samples), steps
    added = measured_tempo(out.to_mono(), clip.duration_s - 2.0, out.duration_s)
    assert abs(added - TEMPO) < 1, added
    # the beat grid runs on across the join: tracked beats in the new part sit on the old grid
    import librosa

    _, bt = librosa.beat.beat_track(y=out.to_mono(), sr=SR, hop_length=256, units="time", start_bpm=TEMPO)
    new_beats = bt[bt > clip.duration_s + 0.5]
    phase = (new_beats - beats[0]) / 0.5
    assert np.abs(phase - np.round(phase)).max() * 0.5 < 0.03


def test_long_continuation_loops_the_material(clip, beats):
    out = similarity_continue(clip, 20.0, beats_s=beats)  # longer than any bar-shift source
    assert out.frames == clip.frames + 20 * SR
    assert np.isfinite(out.samples).all() and np.abs(out.samples[:, -SR:]).max() > 0.05


def test_beats_are_tracked_when_no_tempo_is_known(clip):
    beats = beat_grid(clip)
    spacing = np.median(np.diff(beats))
    assert abs(60 / spacing - TEMPO) < 3


def test_splice_is_bit_identical_outside_and_old_at_the_edges():
    rng = np.random.default_rng(0)
    x = Clip(rng.standard_normal((2, 4000)).astype(np.float32) * 0.1, 8000)
    new = np.ones((2, 1600), np.float32)
    out = splice(x, new, 0.2, 0.4, fade_in_ms=20, fade_out_ms=20, label="t")
    assert np.array_equal(out.samples[:, :1600], x.samples[:, :1600])
    assert np.array_equal(out.samples[:, 3200:], x.samples[:, 3200:])
    assert out.samples[0, 1600] == x.samples[0, 1600] and out.samples[0, 3199] == x.samples[0, 3199]
    assert np.allclose(out.samples[:, 2000:3000], 1.0)


def test_append_continues_the_waveform_without_a_step():
    t = np.arange(8000) / 8000
    x = Clip((0.5 * np.sin(2 * np.pi * 100 * t))[None].astype(np.float32), 8000)
    new = (0.5 * np.sin(2 * np.pi * 100 * t + 2.0))[None].astype(np.float32)  # a jump of about 0.45
    out = append(x, new, label="t")
    assert np.array_equal(out.samples[:, :8000], x.samples)
    assert abs(out.samples[0, 8000] - out.samples[0, 7999]) <= typical_step(x.samples) * 1.1


@pytest.mark.parametrize(("start", "end", "match"), [
    (5.0, 4.0, "not inside"), (-1.0, 2.0, "not inside"), (10.0, 99.0, "not inside"),
])
def test_bad_ranges_are_refused(clip, beats, start, end, match):
    with pytest.raises(ToolInputError, match=match):
        similarity_fill(clip, start, end, beats_s=beats)


def test_a_range_with_nowhere_to_copy_from_is_refused(clip, beats):
    with pytest.raises(ToolInputError, match="no material"):
        similarity_fill(clip, 1.0, clip.duration_s - 1.0, beats_s=beats)
