"""The frame every part is written against: bars, beats, swing, chords per bar, seeded randomness.

Conventions: ``bar`` is 1-based; ``beat`` is a 0-based float position inside the bar counted in the
meter's beats (``beat`` may run past the bar: it then continues into the next bars). ``Frame.time``
applies swing, then maps beats to seconds on the fixed tempo grid or on measured beat times.
Randomness is drawn from ``Frame.rng(part, bar)``: one generator per (seed, part name, bar), so a part
composed for bars 5–8 alone equals bars 5–8 of the whole piece composed with the same seed, and
adding one part never changes another.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from bandmate.tools.backends.composer.arrangement import Note
from bandmate.tools.backends.composer.controls import Controls
from bandmate.tools.backends.composer.theory import Chord, Key


@dataclass(frozen=True)
class ChordSlot:
    bar: int
    beat: float  # start inside the bar
    length: float  # in beats
    chord: Chord


@dataclass
class Frame:
    controls: Controls  # resolved
    last_bar: int  # parts are written from bar 1 through last_bar
    energy: float = 1.0  # velocity scale (instructions such as 'breakdown' lower it)
    fill_bars: set[int] = field(default_factory=set)  # bars that end with a drum fill
    mode: str = "normal"  # 'normal' | 'breakdown' | 'build' | 'drop'
    density: float = 0.5
    seed: int = 0
    instruction: str = ""  # what a recomposed window was asked to be ('double time', 'breakdown')

    def __post_init__(self) -> None:
        c = self.controls
        self.key: Key = c.key_obj()
        self.bpb: int = c.beats_per_bar
        self.beat_s: float = c.beat_s
        self.swing: float = c.swing or 0.0
        self.swing_unit: int = c.swing_unit or 8
        self.feel: str = c.drum_feel or "straight"
        self._slots: dict[int, list[ChordSlot]] = {}
        self._beats = np.asarray(c.beat_times_s, float) if c.beat_times_s and len(c.beat_times_s) > 1 else None
        if not self.fill_bars:
            phrase = 4 if self.bpb <= 4 else 2
            self.fill_bars = {b for b in range(phrase, self.last_bar + 1, phrase)}

    @classmethod
    def of(cls, controls: Controls, last_bar: int | None = None, seed: int | None = None) -> Frame:
        c = controls if controls.tempo_bpm and controls.chords else controls.resolved()
        return cls(c, last_bar or c.bars or 8, density=c.density if c.density is not None else 0.5,
                   seed=c.seed if seed is None else seed)

    # ---- time ------------------------------------------------------------------------------------
    def swung(self, beat: float) -> float:
        """Move the off-beat of each swung pair to ``swing`` of the pair (0.5 or 0: unchanged)."""
        if self.swing <= 0.5:
            return beat
        pair = 1.0 if self.swing_unit == 8 else 0.5
        start = np.floor(beat / pair + 1e-9) * pair
        frac = (beat - start) / pair
        frac = frac / 0.5 * self.swing if frac < 0.5 else self.swing + (frac - 0.5) / 0.5 * (1 - self.swing)
        return float(start + frac * pair)

    def beat_to_s(self, beats_from_start: float) -> float:
        """Seconds at an absolute (unswung) beat count from bar 1 beat 1."""
        if self._beats is None:
            return self.controls.offset_s + beats_from_start * self.beat_s
        n = len(self._beats)
        i = int(np.clip(np.floor(beats_from_start), 0, n - 2))
        step = self._beats[i + 1] - self._beats[i]
        return float(self._beats[i] + (beats_from_start - i) * step)

    def time(self, bar: int, beat: float) -> float:
        return self.beat_to_s((bar - 1) * self.bpb + self.swung(beat))

    def note(self, pitch: int, bar: int, beat: float, length: float, velocity: float,
             gate: float = 0.92) -> Note:
        """A note from a bar/beat position; ``gate`` shortens it so repeated notes re-articulate."""
        start = self.time(bar, beat)
        end = self.time(bar, beat + length * gate)
        vel = int(np.clip(round(velocity * self.energy), 1, 127))
        return Note(int(pitch), round(start, 6), round(max(end, start + 0.01), 6), vel)

    # ---- harmony ---------------------------------------------------------------------------------
    def slots(self, bar: int) -> list[ChordSlot]:
        if bar not in self._slots:
            chords = self.controls.bar_chords(bar)
            out = []
            for i, (beat, ch) in enumerate(chords):
                end = chords[i + 1][0] if i + 1 < len(chords) else self.bpb
                out.append(ChordSlot(bar, beat, end - beat, ch))
            self._slots[bar] = out
        return self._slots[bar]

    def chord_at(self, bar: int, beat: float) -> Chord:
        slots = self.slots(bar)
        return next((s.chord for s in reversed(slots) if s.beat <= beat + 1e-9), slots[0].chord)

    def next_chord(self, bar: int, beat: float) -> Chord:
        """The chord after the one sounding at (bar, beat)."""
        later = [s for s in self.slots(bar) if s.beat > beat + 1e-9]
        return later[0].chord if later else self.slots(bar + 1)[0].chord

    # ---- structure and randomness ----------------------------------------------------------------
    def rng(self, part: str, bar: int, salt: str = "") -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(f"{part}:{salt}".encode()), bar])

    def phrase_len(self) -> int:
        return 4 if self.bpb <= 4 else 2

    def is_phrase_start(self, bar: int) -> bool:
        return (bar - 1) % self.phrase_len() == 0

    def bars(self) -> range:
        return range(1, self.last_bar + 1)


def nearest(pcs: tuple[int, ...] | list[int], target: float, low: int = 0, high: int = 127) -> int:
    """The MIDI pitch with a pitch class in ``pcs`` closest to ``target`` inside [low, high]."""
    best, best_d = None, 1e9
    for octave in range(11):
        for pc in pcs:
            p = octave * 12 + pc
            if low <= p <= high and abs(p - target) < best_d:
                best, best_d = p, abs(p - target)
    if best is None:
        return int(np.clip(round(target), low, high))
    return best


def in_window(notes: list[Note], frame: Frame, first_bar: int, last_bar: int) -> list[Note]:
    """Notes starting inside bars first_bar..last_bar (inclusive), cut at the window end."""
    start = frame.time(first_bar, 0.0) - 1e-6
    end = frame.beat_to_s(last_bar * frame.bpb)
    out = []
    for n in notes:
        if start <= n.start_s < end - 1e-6:
            out.append(n if n.end_s <= end + 1e-6 else Note(n.pitch, n.start_s, round(end, 6), n.velocity))
    return sorted(out, key=lambda n: (n.start_s, n.pitch))


def tidy(notes: list[Note]) -> list[Note]:
    """Sorted notes where no note of a pitch rings into the next note of the same pitch (a synth would
    otherwise end the second note at the first one's note-off)."""
    notes = sorted(notes, key=lambda n: (n.start_s, n.pitch, -n.velocity))
    out: list[Note] = []
    last: dict[int, int] = {}  # pitch -> index in out
    for n in notes:
        i = last.get(n.pitch)
        if i is not None:
            prev = out[i]
            if n.start_s - prev.start_s < 0.005:
                continue  # a doubled hit: keep the louder, first one
            if prev.end_s > n.start_s:
                out[i] = Note(prev.pitch, prev.start_s, round(max(prev.start_s + 0.005, n.start_s - 0.002), 6),
                              prev.velocity)
        last[n.pitch] = len(out)
        out.append(n)
    return out
