"""Musical time: seconds <-> bars and beats.

Conventions: bars and beats are 1-based as musicians count them (bar 1 beat 1 is the downbeat at
``offset_s``); a bar range ``start_bar..end_bar`` is inclusive of both bars; tempo in BPM counts the
meter's beat (a quarter note in 4/4, a dotted quarter is not special-cased).
"""

from __future__ import annotations

from dataclasses import dataclass

from bandmate.core.errors import ToolInputError


@dataclass(frozen=True)
class Grid:
    tempo_bpm: float
    beats_per_bar: int = 4
    offset_s: float = 0.0

    def __post_init__(self) -> None:
        if not 20 <= self.tempo_bpm <= 400:
            raise ToolInputError(f"tempo {self.tempo_bpm} BPM is outside 20–400 BPM")
        if not 1 <= self.beats_per_bar <= 16:
            raise ToolInputError(f"{self.beats_per_bar} beats per bar is outside 1–16")

    @property
    def beat_s(self) -> float:
        return 60.0 / self.tempo_bpm

    @property
    def bar_s(self) -> float:
        return self.beat_s * self.beats_per_bar

    def bar_start_s(self, bar: float) -> float:
        """Start time of 1-based ``bar`` (fractional bars allowed)."""
        if bar < 1:
            raise ToolInputError(f"bar {bar} does not exist: bars are counted from 1")
        return self.offset_s + (bar - 1) * self.bar_s

    def bars_to_range_s(self, start_bar: float, end_bar: float) -> tuple[float, float]:
        """Seconds covered by bars ``start_bar`` through ``end_bar`` inclusive."""
        if end_bar < start_bar:
            raise ToolInputError(f"bar range {start_bar}–{end_bar} runs backwards")
        return self.bar_start_s(start_bar), self.bar_start_s(end_bar + 1)

    def bar_at(self, time_s: float) -> int:
        return int((time_s - self.offset_s) // self.bar_s) + 1

    def bars_in(self, duration_s: float) -> float:
        return (duration_s - self.offset_s) / self.bar_s


def meter_beats(time_signature: str) -> int:
    """Beats per bar of a signature such as ``"4/4"``, ``"3/4"``, ``"6/8"`` (6/8 counts 6)."""
    try:
        top, bottom = (int(p) for p in time_signature.split("/"))
    except ValueError as err:
        raise ToolInputError(f"time signature {time_signature!r} should look like '4/4' or '6/8'") from err
    if top < 1 or bottom not in (1, 2, 4, 8, 16):
        raise ToolInputError(f"time signature {time_signature!r} is not a usable meter")
    return top
