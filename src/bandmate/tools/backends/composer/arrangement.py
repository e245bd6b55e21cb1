"""The composer's output: notes per part, the chord timeline and the beat grid, as plain JSON and MIDI.

Conventions: times in seconds from the start of the session (bar 1 beat 1 is at ``controls.offset_s``);
pitches are MIDI numbers (drum parts use the General-MIDI percussion map on channel 10); velocities
1–127; programs are 0-based General-MIDI numbers (for drums: the bank-128 kit). Chord labels use
mir_eval syntax (``"A:min"``).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.composer.controls import Controls

PPQ = 480  # MIDI ticks per quarter note


@dataclass(frozen=True)
class Note:
    pitch: int
    start_s: float
    end_s: float
    velocity: int = 90

    def to_json(self) -> list:
        return [self.pitch, round(self.start_s, 6), round(self.end_s, 6), self.velocity]


@dataclass
class Part:
    name: str  # the stem it becomes ('bass', 'keys', ...)
    program: int
    is_drum: bool
    notes: list[Note] = field(default_factory=list)
    role: str = ""  # 'drums' | 'bass' | 'comp' | 'pad' | 'lead' | 'arp'
    instrument: str = ""  # as requested ('walking bass')
    style: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "program": self.program, "is_drum": self.is_drum, "role": self.role,
                "instrument": self.instrument, "style": self.style,
                "notes": [n.to_json() for n in self.notes]}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | bytes) -> Part:
        d = _as_dict(data)
        notes = [Note(int(p), float(s), float(e), int(v)) for p, s, e, v in d.get("notes", [])]
        return cls(d["name"], int(d["program"]), bool(d["is_drum"]), notes, d.get("role", ""),
                   d.get("instrument", ""), d.get("style", ""))

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode()

    def end_s(self) -> float:
        return max((n.end_s for n in self.notes), default=0.0)


@dataclass
class Arrangement:
    controls: Controls  # resolved
    parts: dict[str, Part]
    chords: list[tuple[float, float, str]]  # (start_s, end_s, mir_eval label)
    beats_s: list[float]
    downbeats_s: list[float]
    sections: list[tuple[float, float, str, str]] = field(default_factory=list)  # (start_s, end_s, name, label)

    @property
    def duration_s(self) -> float:
        """Length of the bar grid (the music may ring on a little past it)."""
        c = self.controls
        beats = (c.bars or 0) * c.beats_per_bar
        times = c.beat_times_s
        if not times or len(times) < 2:
            return c.offset_s + beats * c.beat_s
        # measured beats: interpolate, or extend with the last beat period past the measured ones
        i = min(beats, len(times) - 1)
        return times[i] + (beats - i) * (times[-1] - times[-2])

    def to_json(self) -> dict[str, Any]:
        return {"controls": self.controls.model_dump(mode="json"),
                "parts": {k: p.to_json() for k, p in self.parts.items()},
                "chords": [[round(s, 6), round(e, 6), lab] for s, e, lab in self.chords],
                "beats_s": [round(b, 6) for b in self.beats_s],
                "downbeats_s": [round(b, 6) for b in self.downbeats_s],
                "sections": [[round(s, 6), round(e, 6), name, label] for s, e, name, label in self.sections]}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | bytes) -> Arrangement:
        d = _as_dict(data)
        return cls(Controls(**d["controls"]), {k: Part.from_json(p) for k, p in d["parts"].items()},
                   [(float(s), float(e), str(lab)) for s, e, lab in d["chords"]],
                   [float(b) for b in d["beats_s"]], [float(b) for b in d["downbeats_s"]],
                   [(float(s), float(e), str(n), str(lab)) for s, e, n, lab in d.get("sections", [])])

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode()

    def midi_bytes(self, name: str) -> bytes:
        if name not in self.parts:
            raise ToolInputError(f"no part {name!r}; parts: {', '.join(self.parts)}")
        c = self.controls
        return to_midi_bytes(self.parts[name], tempo_bpm=c.tempo_bpm or 120.0,
                             time_signature=c.time_signature or "4/4")


def _as_dict(data: dict[str, Any] | str | bytes) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise ToolInputError(f"stored notes are not valid JSON ({err}); the asset may be damaged") from err


# ---- Standard MIDI File writing (format 0), so a pip-only install needs no MIDI library ----------
def to_midi_bytes(part: Part, *, tempo_bpm: float = 120.0, time_signature: str = "4/4") -> bytes:
    """One part as a format-0 Standard MIDI File at a constant tempo (seconds become ticks)."""
    channel = 9 if part.is_drum else 0
    ticks_per_s = tempo_bpm / 60.0 * PPQ
    events: list[tuple[int, int, bytes]] = []  # (tick, order, data): note-offs sort before note-ons
    for n in part.notes:
        on, off = round(n.start_s * ticks_per_s), max(round(n.end_s * ticks_per_s), round(n.start_s *
                                                                                        ticks_per_s) + 1)
        events.append((on, 1, bytes((0x90 | channel, n.pitch & 0x7F, max(1, min(127, n.velocity))))))
        events.append((off, 0, bytes((0x80 | channel, n.pitch & 0x7F, 0))))
    events.sort(key=lambda e: (e[0], e[1]))
    num, den = (int(x) for x in time_signature.split("/"))
    head = [(0, _meta(0x51, round(60_000_000 / tempo_bpm).to_bytes(3, "big"))),
            (0, _meta(0x58, bytes((num, den.bit_length() - 1, 24, 8)))),
            (0, _meta(0x03, part.name.encode()[:64]))]
    if not part.is_drum:
        head.append((0, bytes((0xC0 | channel, part.program & 0x7F))))
    track = bytearray()
    last = 0
    for tick, data in [*head, *((t, d) for t, _, d in events)]:
        track += _vlq(tick - last) + data
        last = tick
    track += _vlq(0) + _meta(0x2F, b"")
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, PPQ) + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def _meta(kind: int, data: bytes) -> bytes:
    return bytes((0xFF, kind)) + _vlq(len(data)) + data


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))
