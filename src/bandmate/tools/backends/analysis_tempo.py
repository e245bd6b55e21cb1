"""Tempo octave: choose between a beat tracker's tempo, half of it and double it, by a stated rule.

Beat trackers agree with listeners on the beat *rate* far more often than on the *octave*: madmom's DBN
tracks a 88 BPM guitar song at 176 BPM (it follows the strummed eighths). The rule used here:

    cost(T) = log2(T / 115)²  +  log2(chord_s / bar_s(T))²

over the candidates T ∈ {tracked, tracked / 2, tracked × 2} inside 50–200 BPM, where ``chord_s`` is the
median length of the chord spans (a chord usually lasts about one bar: harmonic rhythm fits the bar),
and ``bar_s(T)`` the bar length at T with the tracked meter. The first term is the listeners' tempo
prior (preferred tempi cluster around 100–130 BPM); the second is the bar structure. The tracker's
tempo is kept unless another octave costs at least ``MARGIN`` less, and it is only questioned when
there is harmonic evidence (at least ``MIN_CHANGES`` chord changes): a drum loop at 174 BPM stays at 174.

Conventions: times in seconds; ``chords`` are ``(start_s, end_s, label)`` with ``"N"`` for no chord.
Bars are always counted in the chosen tempo; the other octave is reported as the alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PRIOR_BPM = 115.0
LOW_BPM, HIGH_BPM = 50.0, 200.0
MARGIN = 0.1
MIN_CHANGES = 4
RULE = ("octave with the least log2(T/115)² + log2(median chord length / bar length)² (tempo prior plus "
        "one chord per bar); the tracker's octave is kept unless another is clearly better")


@dataclass
class TempoChoice:
    tempo_bpm: float
    alternative_bpm: float | None
    factor: float  # chosen / tracked: 1, 0.5 or 2
    beats_s: list[float] = field(default_factory=list)
    downbeats_s: list[float] = field(default_factory=list)
    reason: str = ""


def octave_cost(tempo_bpm: float, chord_s: float | None, beats_per_bar: int) -> float:
    """The rule's cost of reading the music at ``tempo_bpm`` (lower is better)."""
    cost = float(np.log2(tempo_bpm / PRIOR_BPM)) ** 2
    if chord_s:
        cost += float(np.log2(chord_s / (beats_per_bar * 60.0 / tempo_bpm))) ** 2
    return cost


def median_chord_s(chords: list[tuple[float, float, str]]) -> float | None:
    """Median length of the chord spans (no-chord spans left out); None with too few changes."""
    spans = [e - s for s, e, lab in chords if lab not in ("N", "X") and e > s]
    if len(spans) <= MIN_CHANGES:
        return None
    return float(np.median(spans))


def choose_tempo_octave(*, tempo_bpm: float, beats_s: list[float], downbeats_s: list[float],
                        beats_per_bar: int | None, chords: list[tuple[float, float, str]]) -> TempoChoice:
    """Apply the rule to a tracked tempo and its beats; returns the chosen tempo with its beat grid."""
    bpb = beats_per_bar or 4
    chord_s = median_chord_s(chords)
    other = tempo_bpm / 2 if tempo_bpm >= 100 else tempo_bpm * 2
    keep = TempoChoice(tempo_bpm, round(other, 2), 1.0, list(beats_s), list(downbeats_s),
                       "no harmonic evidence: the tracker's octave is kept" if chord_s is None else "")
    if chord_s is None or len(beats_s) < 4:
        return keep
    costs = {f: octave_cost(tempo_bpm * f, chord_s, bpb) for f in (1.0, 0.5, 2.0)
             if LOW_BPM <= tempo_bpm * f <= HIGH_BPM}
    best = min(costs, key=costs.get)
    detail = (f"median chord {chord_s:.2f}s; cost " +
              ", ".join(f"{tempo_bpm * f:.1f} BPM {c:.2f}" for f, c in sorted(costs.items())))
    if best == 1.0 or costs[best] > costs[1.0] - MARGIN:
        keep.reason = f"tracked octave kept ({detail})"
        return keep
    if best == 0.5:
        beats, downbeats = _halve(beats_s, downbeats_s, chords)
    else:
        beats, downbeats = _double(beats_s, downbeats_s, bpb)
    return TempoChoice(round(tempo_bpm * best, 2), round(tempo_bpm, 2), best, beats, downbeats,
                       f"{'halved' if best == 0.5 else 'doubled'} the tracked {tempo_bpm:.1f} BPM ({detail})")


def _halve(beats_s: list[float], downbeats_s: list[float],
           chords: list[tuple[float, float, str]]) -> tuple[list[float], list[float]]:
    """Every other beat, and every other downbeat: the parity where chords change more often."""
    beats = np.asarray(beats_s, float)
    if len(downbeats_s) < 2:
        return [round(float(b), 4) for b in beats[::2]], list(downbeats_s[::2])
    changes = np.array([s for s, _, lab in chords if lab not in ("N", "X")], float)
    db = np.asarray(downbeats_s, float)
    near = np.array([np.min(np.abs(changes - d)) < 0.15 if changes.size else False for d in db])
    q = 0 if near[0::2].mean() >= (near[1::2].mean() if near[1::2].size else 0.0) else 1
    first = int(np.argmin(np.abs(beats - db[q])))
    p = first % 2
    return [round(float(b), 4) for b in beats[p::2]], [round(float(d), 4) for d in db[q::2]]


def _double(beats_s: list[float], downbeats_s: list[float], bpb: int) -> tuple[list[float], list[float]]:
    """Midpoints between beats added; bars of ``bpb`` of the new beats from the first downbeat."""
    beats = np.asarray(beats_s, float)
    both = np.empty(2 * len(beats) - 1)
    both[0::2], both[1::2] = beats, (beats[:-1] + beats[1:]) / 2
    start = int(np.argmin(np.abs(both - downbeats_s[0]))) if downbeats_s else 0
    return [round(float(b), 4) for b in both], [round(float(b), 4) for b in both[start::bpb]]
