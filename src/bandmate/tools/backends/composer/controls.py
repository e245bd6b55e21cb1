"""What to compose: the ``Controls`` model, and its resolution from a partial request to a full one.

A request fills some fields (from the prompt reader or explicit arguments); ``resolved()`` fills the
rest from the genre preset and the mood, so composing never guesses twice. Conventions: tempo in BPM
of the meter's beat; ``bars`` counted from 1; ``chords`` holds one entry per bar and is cycled to the
length (an entry such as ``"Am F"`` splits its bar evenly); ``swing`` is the share of each swung pair
taken by its first note (0 = straight, 0.5 = straight, 0.6 = "swing 60%", 0.67 = triplet swing).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bandmate.core.errors import ToolInputError
from bandmate.core.timing import meter_beats
from bandmate.tools.backends.composer import presets
from bandmate.tools.backends.composer.theory import Chord, Key, infer_key, parse_chord, parse_key

FEELS = ("straight", "four_on_the_floor", "half_time", "double_time", "swing", "shuffle", "breakbeat",
         "funk", "rock", "boom_bap", "trap", "one_drop", "bossa", "waltz", "train", "toms", "none")
MOODS = {  # mood word -> (preferred mode, density change, tempo change in BPM)
    "happy": ("major", 0.1, 6), "uplifting": ("major", 0.1, 4), "bright": ("major", 0.05, 0),
    "joyful": ("major", 0.1, 6), "sad": ("minor", -0.15, -10), "melancholic": ("minor", -0.1, -8),
    "melancholy": ("minor", -0.1, -8), "dark": ("minor", 0.0, 0), "moody": ("minor", -0.05, 0),
    "tense": ("minor", 0.05, 0), "angry": ("minor", 0.2, 10), "dreamy": (None, -0.2, -6),
    "chill": (None, -0.15, -6), "mellow": (None, -0.15, -6), "relaxed": (None, -0.15, -8),
    "calm": (None, -0.2, -10), "energetic": (None, 0.2, 8), "driving": (None, 0.15, 6),
    "groovy": (None, 0.1, 0), "aggressive": ("minor", 0.25, 10), "romantic": ("major", -0.1, -6),
    "mysterious": ("minor", -0.1, -4), "epic": ("minor", 0.15, 0), "nostalgic": ("major", -0.1, -4),
}


class Controls(BaseModel):
    """Everything the composer needs; ``None`` means "not said yet" until ``resolved()``."""

    model_config = ConfigDict(extra="forbid")

    tempo_bpm: float | None = Field(None, ge=40, le=240, description="Tempo in beats per minute.")
    key: str | None = Field(None, max_length=20, description="Key such as 'E minor', 'F# major', 'Bb'.")
    time_signature: str | None = Field(None, max_length=5, description="Meter such as '4/4', '3/4', '6/8'.")
    bars: int | None = Field(None, ge=1, le=256, description="Length in bars.")
    duration_s: float | None = Field(None, gt=0, le=600, description="Length in seconds (rounded to bars).")
    chords: list[str] | None = Field(None, max_length=256, description="One chord (or 'Am F') per bar.")
    instruments: list[str] | None = Field(None, max_length=12)
    drum_feel: str | None = None
    swing: float | None = Field(None, ge=0, le=0.75)
    swing_unit: int | None = Field(None, description="8 to swing eighths, 16 to swing sixteenths.")
    genre: str | None = Field(None, max_length=30)
    mood: str | None = Field(None, max_length=30)
    density: float | None = Field(None, ge=0, le=1, description="0 sparse .. 1 busy.")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    melody: list[str] | None = Field(None, max_length=512, description="Notes 'E4', 'G4:0.5' (beats), 'r:1'.")
    styles: dict[str, str] = Field(default_factory=dict, description="Per-stem style, e.g. {'bass': 'walking'}.")
    offset_s: float = Field(0.0, ge=0, le=600, description="Time of bar 1 beat 1 in seconds.")
    beat_times_s: list[float] | None = Field(None, description="Measured beat times (from analysis) to "
                                                               "follow instead of a fixed tempo.")
    form: list[str] | None = Field(None, max_length=32, description="Song form: sections 'intro', 'verse:8', "
                                                                    "'chorus' … (see composer.form); sets the bars.")

    @field_validator("drum_feel")
    @classmethod
    def _feel(cls, v: str | None) -> str | None:
        if v is None:
            return v
        norm = v.strip().lower().replace("-", "_").replace(" ", "_")
        norm = {"four_on_floor": "four_on_the_floor", "halftime": "half_time", "swung": "swing",
                "doubletime": "double_time", "breakbeats": "breakbeat"}.get(norm, norm)
        if norm not in FEELS:
            raise ToolInputError(f"drum feel {v!r} not known; expected one of {', '.join(FEELS)}")
        return norm

    @field_validator("swing")
    @classmethod
    def _swing(cls, v: float | None) -> float | None:
        if v is not None and 0 < v < 0.5:
            raise ToolInputError(f"swing {v} is below 0.5; swing is the share of a swung pair taken by its "
                                 "first note: 0.5 straight, 0.6 light ('swing 60%'), 0.67 triplet")
        return v

    @field_validator("melody")
    @classmethod
    def _melody(cls, v: list[str] | None) -> list[str] | None:
        if v:
            parse_melody(v)  # fail at the request, not later inside the lead part
        return v

    @field_validator("form")
    @classmethod
    def _form(cls, v: list[str] | None) -> list[str] | None:
        if v:
            from bandmate.tools.backends.composer.form import parse_form

            return [f"{s.name}:{s.bars}" for s in parse_form(v)]
        return v or None

    @field_validator("time_signature")
    @classmethod
    def _meter(cls, v: str | None) -> str | None:
        if v is not None:
            meter_beats(v)
        return v

    @classmethod
    def build(cls, **data) -> Controls:
        """Construct, turning validation problems into one ToolInputError that lists them all."""
        try:
            return cls(**data)
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'controls'}: {e['msg']}"
                                 for e in err.errors())
            raise ToolInputError(f"music controls not usable: {problems}") from None

    # ---- derived views --------------------------------------------------------------------------
    @property
    def beats_per_bar(self) -> int:
        return meter_beats(self.time_signature or "4/4")

    @property
    def beat_s(self) -> float:
        return 60.0 / (self.tempo_bpm or 120.0)

    @property
    def bar_s(self) -> float:
        return self.beat_s * self.beats_per_bar

    def key_obj(self) -> Key:
        return parse_key(self.key or "C major")

    def genre_preset(self) -> presets.GenrePreset:
        return presets.preset(self.genre)

    def bar_chords(self, bar: int) -> list[tuple[float, Chord]]:
        """Chords sounding in 1-based ``bar`` as (start beat within the bar, chord), cycling the list."""
        if not self.chords:
            raise ToolInputError("no chords to follow; give chords such as 'Am F C G' or a key")
        key = self.key_obj()
        symbols = self._bar_entry(bar, key).split()
        step = self.beats_per_bar / len(symbols)
        return [(i * step, parse_chord(s, key)) for i, s in enumerate(symbols)]

    def _bar_entry(self, bar: int, key: Key) -> str:
        """The chord entry of ``bar``: the section's own progression under a form, else the cycle."""
        if self.form:
            from bandmate.tools.backends.composer.form import parse_form, section_of, section_progression

            section = section_of(parse_form(self.form), bar)
            if section is not None:
                own = section_progression(section, self.chords, key) or self.chords
                return own[(bar - section.first_bar) % len(own)]
        return self.chords[(bar - 1) % len(self.chords)]

    def merged(self, **explicit) -> Controls:
        """These controls with ``explicit`` values (not None) laid over them."""
        data = self.model_dump(exclude_none=True)
        data.update({k: v for k, v in explicit.items() if v is not None})
        return Controls.build(**data)

    def resolved(self) -> Controls:
        """Every field filled: preset and mood defaults under what the request said."""
        p = self.genre_preset()
        mode_pref, d_density, d_tempo = MOODS.get((self.mood or "").lower(), (None, 0.0, 0))
        meter = self.time_signature or p.meter
        chords = [normalise_bar(c) for c in self.chords] if self.chords else None
        key = self._resolve_key(p, mode_pref, chords)
        k = parse_key(key)
        if chords is None:
            chords = list(p.minor if k.is_minor else p.major)
        # roman numerals become symbols in the key, so every later reader sees plain chord names
        chords = [" ".join(parse_chord(s, k).display(k.prefers_flats) for s in bar.split()) for bar in chords]
        tempo = self.tempo_bpm or min(240.0, max(40.0, p.tempo_bpm + (d_tempo if self.mood else 0)))
        bar_s = 60.0 / tempo * meter_beats(meter)
        bars = self.bars or (max(1, round(self.duration_s / bar_s)) if self.duration_s else 8)
        if self.form:
            bars = sum(int(entry.split(":")[1]) for entry in self.form)  # the form sets the length
        feel = self.drum_feel or _default_feel(p, meter)
        swing = self.swing if self.swing is not None else (0.66 if feel in ("swing", "shuffle") and
                                                            p.swing == 0 else p.swing)
        density = self.density if self.density is not None else min(1.0, max(0.0, p.density + d_density))
        instruments = list(self.instruments or p.instruments)
        if self.melody and not any(presets.instrument(i).role == "lead" for i in instruments):
            instruments.append("lead")  # a given melody needs a part to play it
        return self.model_copy(update={
            "tempo_bpm": float(tempo), "key": key, "time_signature": meter, "bars": bars, "chords": chords,
            "instruments": instruments, "drum_feel": feel, "swing": swing,
            "swing_unit": self.swing_unit or p.swing_unit, "density": density, "duration_s": None,
            "genre": self.genre or "pop"})

    def _resolve_key(self, p: presets.GenrePreset, mode_pref: str | None, chords: list[str] | None) -> str:
        if self.key:
            return parse_key(self.key).name()
        if chords:
            parsed = [parse_chord(s) for entry in chords for s in entry.split()
                      if not _looks_roman(s)] or [parse_chord(p.tonic)]
            return infer_key(parsed).name()
        mode = mode_pref or p.mode
        tonic = parse_key(p.tonic).tonic
        if mode == "minor" and p.mode == "major":
            tonic = (tonic + 9) % 12  # the relative minor keeps the preset's register and colour
        elif mode == "major" and p.mode == "minor":
            tonic = (tonic + 3) % 12
        return Key(tonic, mode).name()


def _default_feel(p: presets.GenrePreset, meter: str) -> str:
    beats = meter_beats(meter)
    if beats == 3 and p.meter != meter:
        return "waltz"
    if beats != 4 and p.meter != meter:
        return "straight"  # the drum writer builds its groove from the meter's beat count
    return p.feel


def _looks_roman(s: str) -> bool:
    return bool(re.match(r"^[b#]?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(°|o|ø|\+)?\d*$", s)) or \
        s.lower().startswith(("vii", "iii"))


def normalise_bar(entry: str) -> str:
    return " ".join(entry.replace(",", " ").split())


def split_progression(text: str) -> list[str]:
    """``"Am F C G"`` -> one bar each; ``"Am F | C G"`` -> two bars of two chords; ``"I-V-vi-IV"``."""
    text = text.strip().strip("|").strip()
    if not text:
        raise ToolInputError("empty chord progression; expected e.g. 'Am F C G' or 'Am F | C G'")
    if "|" in text:
        return [normalise_bar(b) for b in text.split("|") if b.strip()]
    tokens = re.split(r"[\s,]+|\s[-–]\s|–", text)
    out: list[str] = []
    for tok in tokens:
        if not tok:
            continue
        # 'I-V-vi-IV' and 'Am-F-C-G' joined by hyphens; a trailing '-' (as in 'A-7') means minor
        parts = tok.split("-") if re.match(r"^[A-Za-z#♭♯°ø+\d]+(-[A-Za-z#♭♯°ø+\d]+)+$", tok) and \
            not re.match(r"^[A-G][#b]?-\d*$", tok) else [tok]
        out.extend(p for p in parts if p)
    return out


def parse_melody(notes: list[str]) -> list[tuple[int | None, float]]:
    """``['E4', 'G4:0.5', 'r:1', '64']`` -> [(MIDI pitch or None for a rest, length in beats)]."""
    from bandmate.tools.backends.composer.theory import note_to_midi

    out: list[tuple[int | None, float]] = []
    for raw in notes:
        name, _, beats_s = str(raw).strip().partition(":")
        try:
            beats = float(beats_s) if beats_s else 1.0
        except ValueError as err:
            raise ToolInputError(f"melody note {raw!r}: length {beats_s!r} is not a number of beats") from err
        if not 0 < beats <= 16:
            raise ToolInputError(f"melody note {raw!r}: length {beats} beats is outside 0–16")
        out.append((None if name.lower() in ("r", "rest", "-") else note_to_midi(name), beats))
    if not any(p is not None for p, _ in out):
        raise ToolInputError("the melody has no notes; expected names such as 'E4 G4 A4' or MIDI numbers")
    return out


def parse_prompt(text: str) -> Controls:
    """A partial ``Controls`` read from free text (only what the text says is set)."""
    from bandmate.tools.backends.composer.prompt import read_prompt

    return read_prompt(text)
