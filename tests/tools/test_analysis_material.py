"""Ground-truth material for the analysis tests and benchmark, and tests that it is what it claims.

``render_song(Song(...))`` writes a little band arrangement with pretty_midi (drums, bass on the chord
roots, block chords) and renders it with FluidSynth and the General-MIDI FluidR3 soundfont, so the
tempo, beats, downbeats, key and chord timeline are known exactly. ``score(truth, analysis)`` measures
an analysis against it with mir_eval. ``benchmarks/bench_analysis.py`` loads this module too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

SF2 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
RENDER_SR = 44_100
NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
TRIADS = {"maj": (0, 4, 7), "min": (0, 3, 7)}
KICK, SNARE, HAT = 36, 38, 42


@dataclass(frozen=True)
class Song:
    name: str
    tempo_bpm: float
    beats_per_bar: int
    key: str  # mir_eval key syntax, e.g. "E minor"
    progression: tuple[str, ...]  # per bar, cycled: a mir_eval label, or several ('C:maj G:maj') sharing it
    bars: int
    lead_in_s: float = 0.5  # silence before bar 1, so the first downbeat is not at 0
    chord_program: int = 0  # General MIDI: 0 piano, 4 electric piano, 48 strings
    bass_program: int = 33
    drums: bool = True

    @property
    def beat_s(self) -> float:
        return 60.0 / self.tempo_bpm

    @property
    def bar_s(self) -> float:
        return self.beat_s * self.beats_per_bar


@dataclass
class Truth:
    tempo_bpm: float
    beats_per_bar: int
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    key: str
    chords: list[tuple[float, float, str]]


# Short clips (8–14 s) that the unit tests use; each ends on its tonic chord, as songs tend to. The
# benchmark adds more (and harder) material.
TEST_SONGS = (
    Song("pop_C_120", 120, 4, "C major", ("C:maj", "A:min", "F:maj", "G:maj"), 5),
    Song("ballad_Em_90", 90, 4, "E minor", ("E:min", "C:maj", "A:min", "B:maj"), 5, chord_program=4),
    Song("drive_A_140", 140, 4, "A major", ("A:maj", "E:maj", "F#:min", "D:maj"), 5),
    Song("waltz_Dm_120", 120, 3, "D minor", ("D:min", "Bb:maj", "G:min", "A:maj"), 5, chord_program=48),
)


def root_pc(label: str) -> int:
    root = label.split(":")[0]
    base = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[root[0]]
    return (base + root.count("#") - root[1:].count("b")) % 12


def chord_pitches(label: str) -> list[int]:
    """A close-position triad between MIDI 55 and 74, so every chord sits in the same register."""
    root, quality = label.split(":")
    low = 55 + (root_pc(label) - 7) % 12
    return [low + i for i in TRIADS[quality]]


def bar_chords(song: Song, bar: int) -> list[tuple[float, float, str]]:
    """(start_s, end_s, label) of the chords in 0-based ``bar``; an entry 'C:maj G:maj' splits the bar."""
    labels = song.progression[bar % len(song.progression)].split()
    t0 = song.lead_in_s + bar * song.bar_s
    share = song.bar_s / len(labels)
    return [(t0 + i * share, t0 + (i + 1) * share, lab) for i, lab in enumerate(labels)]


def build_midi(song: Song):
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=song.tempo_bpm)
    drums = pretty_midi.Instrument(program=0, is_drum=True, name="drums")
    bass = pretty_midi.Instrument(program=song.bass_program, name="bass")
    keys = pretty_midi.Instrument(program=song.chord_program, name="keys")
    b, n = song.beat_s, song.beats_per_bar
    for bar in range(song.bars):
        for start, end, label in bar_chords(song, bar):
            for p in chord_pitches(label):
                keys.notes.append(pretty_midi.Note(velocity=80, pitch=p, start=start, end=end - 0.02))
        t0 = song.lead_in_s + bar * song.bar_s
        for beat in range(n):
            t = t0 + beat * b
            label = next(lab for s, e, lab in bar_chords(song, bar) if s <= t + 1e-6 < e)
            bass.notes.append(pretty_midi.Note(velocity=100 if beat == 0 else 85,
                                               pitch=36 + (root_pc(label) - 36) % 12, start=t, end=t + 0.9 * b))
            if song.drums:
                drums.notes.extend(_drum_hits(t, beat, n, b))
    pm.instruments.extend([drums, bass, keys])
    return pm


def _drum_hits(t: float, beat: int, per_bar: int, beat_s: float):
    """Kick on 1 (and 3 in 4/4), snare on the other beats, hi-hat eighths accented on the beat."""
    import pretty_midi

    drum = KICK if beat == 0 or (per_bar == 4 and beat == 2) else SNARE
    hits = [pretty_midi.Note(velocity=110 if beat == 0 else 90, pitch=drum, start=t, end=t + 0.1)]
    for half in (0, 1):
        start = t + half * beat_s / 2
        hits.append(pretty_midi.Note(velocity=70 if half == 0 else 50, pitch=HAT, start=start, end=start + 0.05))
    return hits


def truth_of(song: Song, duration_s: float) -> Truth:
    beats = song.lead_in_s + song.beat_s * np.arange(song.bars * song.beats_per_bar)
    chords = [(0.0, song.lead_in_s, "N")]
    for bar in range(song.bars):
        for _, end, label in bar_chords(song, bar):
            chords.append((chords[-1][1], float(end), label))  # start at the previous end: no float gaps
    chords.append((chords[-1][1], max(duration_s, chords[-1][1] + 0.01), "N"))
    return Truth(song.tempo_bpm, song.beats_per_bar, beats, beats[:: song.beats_per_bar], song.key, chords)


def render_song(song: Song) -> tuple[np.ndarray, Truth]:
    """Mono float32 audio at RENDER_SR (peak 0.5) and its ground truth."""
    import warnings

    pm = build_midi(song)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pretty_midi's sf2_path rename
        y = pm.fluidsynth(fs=RENDER_SR, sf2_path=str(SF2)).astype(np.float32)
    y = 0.5 * y / (np.abs(y).max() + 1e-9)
    return y, truth_of(song, len(y) / RENDER_SR)


# ---- scoring (mir_eval) -----------------------------------------------------------------------
def tempo_verdict(ref_bpm: float, est_bpm: float | None, tolerance: float = 0.04) -> str:
    """'correct' within 4 %, 'octave' at double/half (or 3:2 / 2:3 for triple meters), else 'wrong'."""
    if not est_bpm:
        return "wrong"
    if abs(est_bpm - ref_bpm) <= tolerance * ref_bpm:
        return "correct"
    for factor in (2.0, 0.5, 1.5, 2 / 3, 3.0, 1 / 3):
        if abs(est_bpm - factor * ref_bpm) <= tolerance * factor * ref_bpm:
            return "octave"
    return "wrong"


def chord_recall_majmin(ref: list, est: list) -> float:
    """Duration-weighted major/minor chord recall over the reference's time span (mir_eval)."""
    import mir_eval

    ref_i, ref_l = np.array([c[:2] for c in ref]), [c[2] for c in ref]
    est_i, est_l = np.array([c[:2] for c in est]), [c[2] for c in est]
    est_i, est_l = mir_eval.util.adjust_intervals(est_i, est_l, ref_i.min(), ref_i.max(),
                                                  mir_eval.chord.NO_CHORD, mir_eval.chord.NO_CHORD)
    intervals, ref_l, est_l = mir_eval.util.merge_labeled_intervals(ref_i, ref_l, est_i, est_l)
    durations = mir_eval.util.intervals_to_durations(intervals)
    return float(mir_eval.chord.weighted_accuracy(mir_eval.chord.majmin(ref_l, est_l), durations))


def score(truth: Truth, analysis) -> dict[str, float | str]:
    import mir_eval

    out: dict[str, float | str] = {}
    if analysis.chords:
        out["chord_majmin"] = chord_recall_majmin(truth.chords, analysis.chords)
    if analysis.beats_s:
        est = np.asarray(analysis.beats_s)
        out["beat_f"] = float(mir_eval.beat.f_measure(truth.beats_s, est))
        out["downbeat_f"] = float(mir_eval.beat.f_measure(truth.downbeats_s, np.asarray(analysis.downbeats_s)))
        out["tempo"] = tempo_verdict(truth.tempo_bpm, analysis.tempo_bpm)
        out["meter_ok"] = float(analysis.beats_per_bar == truth.beats_per_bar)
    if analysis.key:
        out["key"] = float(mir_eval.key.weighted_score(truth.key, analysis.key))
    return out


# ---- tests of the material itself -------------------------------------------------------------
needs_sf2 = pytest.mark.skipif(not SF2.is_file(), reason="FluidR3_GM.sf2 is not installed")


@needs_sf2
def test_rendered_song_has_onsets_on_the_written_beats():
    import librosa

    song = TEST_SONGS[0]
    y, truth = render_song(song)
    assert truth.chords[-1][1] >= len(y) / RENDER_SR - 1e-6
    assert len(y) / RENDER_SR == pytest.approx(song.lead_in_s + song.bars * song.bar_s, abs=2.5)
    onsets = librosa.onset.onset_detect(y=y, sr=RENDER_SR, units="time", backtrack=False)
    near = [np.min(np.abs(onsets - b)) for b in truth.beats_s]
    assert np.median(near) < 0.05  # every written beat is audible within ~50 ms
    assert np.abs(y[: int(0.4 * RENDER_SR)]).max() < 1e-3  # the lead-in is silent


def test_truth_chords_tile_the_clip_without_gaps():
    song = TEST_SONGS[3]
    truth = truth_of(song, 20.0)
    starts = np.array([c[0] for c in truth.chords[1:]])
    ends = np.array([c[1] for c in truth.chords[:-1]])
    assert np.allclose(starts, ends)
    assert [c[2] for c in truth.chords[1:5]] == list(song.progression)
    split = Song("split", 100, 4, "C minor", ("C:min Ab:maj", "G:maj"), 2)
    labels = [c[2] for c in truth_of(split, 6.0).chords]
    assert labels == ["N", "C:min", "Ab:maj", "G:maj", "N"]
    assert np.allclose(truth.downbeats_s, song.lead_in_s + song.bar_s * np.arange(song.bars))


@pytest.mark.parametrize("ref,est,verdict", [(120, 121.5, "correct"), (120, 240, "octave"), (90, 45.5, "octave"),
                                             (120, 130, "wrong"), (120, None, "wrong")])
def test_tempo_verdict(ref, est, verdict):
    assert tempo_verdict(ref, est) == verdict


def test_chord_pitches_are_the_named_triad():
    assert [p % 12 for p in chord_pitches("F#:min")] == [6, 9, 1]
    assert [p % 12 for p in chord_pitches("Bb:maj")] == [10, 2, 5]
    assert all(55 <= p <= 74 for r in NAMES for q in TRIADS for p in chord_pitches(f"{r}:{q}"))
