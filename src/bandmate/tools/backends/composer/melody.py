"""Lead lines: a two-bar motif (rhythm + melodic contour) stated, restated over the next chords,
varied, then answered, so the line repeats like a tune; strong beats land on chord tones.

A given melody (``controls.melody``: note names with lengths in beats) is played as written from bar
1 and repeated to fill the length.
"""

from __future__ import annotations

from dataclasses import dataclass

from bandmate.tools.backends.composer.arrangement import Note
from bandmate.tools.backends.composer.controls import parse_melody
from bandmate.tools.backends.composer.parts import Frame, nearest

LOW, HIGH = 62, 86  # D4 .. D6


@dataclass(frozen=True)
class Motif:
    rhythm: list[tuple[float, float]]  # (offset in beats from the phrase start, length in beats)
    steps: list[int]  # scale steps between consecutive notes


def compose_lead(frame: Frame, style: str = "", name: str = "lead") -> list[Note]:
    if frame.controls.melody:
        return _given(frame)
    phrase_bars = 2
    span = phrase_bars * frame.bpb
    main = _motif(frame, name, span, "A")
    notes: list[Note] = []
    last = 72
    for k, bar in enumerate(range(1, frame.last_bar + 1, phrase_bars)):
        part = k % 4
        if frame.mode == "breakdown" and part != 0:
            continue  # a breakdown keeps only the statement of the motif
        motif = main if part in (0, 1) else _vary(frame, name, main, bar) if part == 2 else \
            _motif(frame, name, span, f"B{k // 4}")
        phrase = _realise(frame, motif, bar, last, cadence=part == 3)
        notes += phrase
        if phrase:
            last = phrase[-1].pitch
    return [n for n in notes if n.start_s < frame.beat_to_s(frame.last_bar * frame.bpb)]


def _motif(frame: Frame, name: str, span: int, salt: str) -> Motif:
    rng = frame.rng(name, 0, f"motif{salt}")
    grid = [i * 0.5 for i in range(int(span * 2) - 2)]  # leave the phrase's last beat to breathe
    count = max(3, min(len(grid), int(round(span * (0.35 + 0.6 * frame.density)))))
    weights = [3.0 if g % 1 == 0 else 1.0 for g in grid]
    weights[0] = 12.0
    total = sum(weights)
    picks = rng.choice(len(grid), size=count, replace=False, p=[w / total for w in weights])
    onsets = sorted(grid[i] for i in picks)
    rhythm = []
    for i, on in enumerate(onsets):
        nxt = onsets[i + 1] if i + 1 < len(onsets) else span - 0.5
        rhythm.append((on, min(2.0, nxt - on)))
    steps = [int(s) for s in rng.choice([-2, -1, -1, 1, 1, 2, 3, -3, 0], size=len(rhythm) - 1)]
    return Motif(rhythm, steps)


def _vary(frame: Frame, name: str, m: Motif, bar: int) -> Motif:
    """The motif with its ending changed: the last two steps invert and one note may be split."""
    rng = frame.rng(name, bar, "vary")
    steps = list(m.steps)
    for i in range(max(0, len(steps) - 2), len(steps)):
        steps[i] = -steps[i] if steps[i] else int(rng.choice([-1, 1]))
    rhythm = list(m.rhythm)
    i = int(rng.integers(len(rhythm)))
    on, length = rhythm[i]
    if length >= 1.0:
        rhythm[i:i + 1] = [(on, length / 2), (on + length / 2, length / 2)]
        steps.insert(i, int(rng.choice([-1, 1])))
    return Motif(rhythm, steps)


def _strong(frame: Frame, beat_in_bar: float) -> bool:
    if beat_in_bar % 1:
        return False
    return beat_in_bar == 0 or (frame.bpb == 4 and beat_in_bar == 2)


def _realise(frame: Frame, motif: Motif, bar: int, last: int, cadence: bool) -> list[Note]:
    """Turn the motif into pitches over the chords starting at ``bar``: walk the scale by the motif's
    steps, then snap strong-beat notes (and the first note) to the nearest chord tone."""
    scale = [p for p in range(LOW - 12, HIGH + 13) if p % 12 in frame.key.scale]
    notes = []
    first_chord = frame.chord_at(bar, 0)
    pitch = nearest(first_chord.pitch_classes, last, LOW, HIGH)
    for i, (on, length) in enumerate(motif.rhythm):
        b = bar + int(on // frame.bpb)
        if b > frame.last_bar:
            break
        beat = on % frame.bpb
        if i:
            idx = min(range(len(scale)), key=lambda j: abs(scale[j] - pitch))
            pitch = scale[max(0, min(len(scale) - 1, idx + motif.steps[i - 1]))]
        chord = frame.chord_at(b, beat)
        if i == 0 or _strong(frame, beat):
            pitch = nearest(chord.pitch_classes, pitch, LOW, HIGH)
        if cadence and i == len(motif.rhythm) - 1:
            pitch = nearest([chord.root], pitch, LOW, HIGH)
            length = max(length, 1.5)
        pitch = min(HIGH, max(LOW, pitch))
        vel = (96 if _strong(frame, beat) else 84) + int(frame.rng("lead", b, f"v{i}").integers(-6, 7))
        notes.append(frame.note(pitch, b, beat, length, vel, gate=0.9))
    return notes


def _given(frame: Frame) -> list[Note]:
    line = parse_melody(frame.controls.melody or [])
    loop = sum(beats for _, beats in line)
    total = frame.last_bar * frame.bpb
    notes, pos = [], 0.0
    while pos < total - 1e-9:
        for pitch, beats in line:
            if pos >= total - 1e-9:
                break
            if pitch is not None:
                bar, beat = int(pos // frame.bpb) + 1, pos % frame.bpb
                notes.append(frame.note(pitch, bar, beat, min(beats, total - pos), 92, gate=0.95))
            pos += beats
        if loop <= 0:
            break
    return notes
