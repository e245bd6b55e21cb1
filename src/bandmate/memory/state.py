"""The musical state table of a version: what is known about the music, kept as plain JSON.

Times are in seconds from the start of the mix. ``chords`` is a timeline of
``{"start_s", "end_s", "label"}`` with labels like ``"A:min"``/``"C:maj"``/``"N"`` (mir_eval syntax);
``mixer`` maps a stem name to ``{"gain_db", "pan", "mute"}`` (pan -1 left .. +1 right).
``sections`` is the form (``Section``: start_s, end_s, label 'A'/'B'/"A'", name 'verse'…, confidence,
source 'written' or 'measured'). ``tempo_alternative_bpm`` is the other tempo octave a listener might
count ("88 BPM, could be 176"); bars are always counted at ``tempo_bpm``. Both are optional and default
empty, so state tables stored before they existed load unchanged.
``stem_presence`` maps a separated stem to its ``StemPresence`` (absent in sessions stored before it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ChordSpan(BaseModel):
    start_s: float
    end_s: float
    label: str


class Section(BaseModel):
    """One part of the form; ``bandmate.core.sections.resolve_section`` turns words into these ranges."""

    start_s: float
    end_s: float
    label: str = Field(..., max_length=8, description="Repeat label: 'A', 'B', \"A'\" (a varied repeat of A).")
    name: str | None = Field(None, max_length=20, description="intro, verse, chorus, bridge, outro …")
    confidence: float = Field(1.0, ge=0.0, le=1.0, description="1 for written forms; measured: how sure.")
    source: Literal["written", "measured"] = "measured"


class StripSettings(BaseModel):
    gain_db: float = 0.0
    pan: float = Field(0.0, ge=-1.0, le=1.0)
    mute: bool = False


class StemPresence(BaseModel):
    """How really a separated stem holds its part: level against the mix (dB), 0-1 confidence, backend.

    ``present`` False means the stem is only bleed from other parts: a planner should answer "I can't
    hear a voice in this recording" rather than edit it. Written by ``separate``.
    """

    level_db: float
    active_fraction: float = 0.0
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    present: bool = True
    backend: str = ""


class StateTable(BaseModel):
    model_config = ConfigDict(extra="allow")

    tempo_bpm: float | None = None
    time_signature: str = "4/4"
    offset_s: float = 0.0
    key: str | None = None
    chords: list[ChordSpan] = Field(default_factory=list)
    beats_s: list[float] = Field(default_factory=list)
    downbeats_s: list[float] = Field(default_factory=list)
    instrumentation: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    loudness_lufs: float | None = None
    mixer: dict[str, StripSettings] = Field(default_factory=dict)
    symbolic: bool = False
    sections: list[Section] = Field(default_factory=list)
    tempo_alternative_bpm: float | None = None
    stem_presence: dict[str, StemPresence] = Field(default_factory=dict)  # from separate; {} before

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def brief(self) -> dict[str, Any]:
        """A compact view for prompts and listings (no per-beat arrays)."""
        d = self.to_json()
        d["beats_s"] = f"{len(self.beats_s)} beats"
        d["downbeats_s"] = f"{len(self.downbeats_s)} downbeats"
        d["chords"] = " | ".join(c.label for c in self.chords[:32])
        d["sections"] = " ".join(f"{s.name or s.label}@{s.start_s:.0f}s" for s in self.sections[:24])
        return d
