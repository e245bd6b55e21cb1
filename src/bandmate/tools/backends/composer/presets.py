"""Genre presets (default tempo, feel, progression, instruments) and the instrument catalogue.

A preset only supplies defaults: anything the request states (tempo, key, chords, feel, instruments)
wins. Progressions are roman numerals, resolved in the session's key (see ``theory.parse_roman``).
Programs are General MIDI numbers, 0-based; drum kits are GM bank-128 presets.
"""

from __future__ import annotations

from dataclasses import dataclass

from bandmate.core.errors import ToolInputError


@dataclass(frozen=True)
class GenrePreset:
    tempo_bpm: float
    feel: str
    major: tuple[str, ...]
    minor: tuple[str, ...]
    mode: str = "major"
    tonic: str = "C"
    swing: float = 0.0  # share of the beat-half taken by the on-beat note; 0 = straight
    swing_unit: int = 8  # swing the 8ths or the 16ths
    instruments: tuple[str, ...] = ("drums", "bass", "keys", "pad")
    bass_style: str = "root"
    comp_style: str = "comp"
    keys_program: int = 0
    lead_program: int = 81
    kit: int = 0
    density: float = 0.5
    meter: str = "4/4"


_POP = ("I", "V", "vi", "IV")
_POP_MIN = ("i", "VI", "III", "VII")
PRESETS: dict[str, GenrePreset] = {
    "pop": GenrePreset(110, "straight", _POP, _POP_MIN, keys_program=0),
    "rock": GenrePreset(120, "rock", ("I", "IV", "V", "IV"), ("i", "VI", "VII", "i"), tonic="E",
                        instruments=("drums", "bass", "guitar"), comp_style="strum", kit=16, density=0.6),
    "metal": GenrePreset(150, "rock", ("I", "bVII", "bVI", "bVII"), ("i", "VI", "VII", "i"), mode="minor",
                         tonic="E", instruments=("drums", "bass", "guitar"), comp_style="power", kit=16,
                         density=0.75),
    "funk": GenrePreset(100, "funk", ("I7", "IV7", "I7", "IV7"), ("i7", "IV7", "i7", "IV7"), mode="minor",
                        tonic="E", swing=0.54, swing_unit=16, bass_style="funk", comp_style="stabs",
                        keys_program=4, lead_program=81, density=0.7),
    "disco": GenrePreset(118, "four_on_the_floor", ("ii7", "V7", "Imaj7", "vi7"), ("i7", "iv7", "VII", "III"),
                         mode="minor", tonic="A", bass_style="octave", comp_style="stabs", keys_program=4,
                         instruments=("drums", "bass", "keys", "strings"), density=0.65),
    "house": GenrePreset(124, "four_on_the_floor", ("vi", "IV", "I", "V"), ("i", "VI", "III", "VII"),
                         mode="minor", tonic="A", bass_style="offbeat", comp_style="offbeat", density=0.6),
    "techno": GenrePreset(130, "four_on_the_floor", ("vi", "vi", "IV", "V"), ("i", "i", "VI", "VII"),
                          mode="minor", tonic="F", bass_style="offbeat", comp_style="offbeat", kit=24,
                          instruments=("drums", "bass", "synth", "pad"), density=0.6),
    "edm": GenrePreset(128, "four_on_the_floor", ("vi", "IV", "I", "V"), ("i", "VI", "III", "VII"),
                       mode="minor", tonic="F", bass_style="offbeat", comp_style="offbeat", kit=24,
                       instruments=("drums", "bass", "synth", "pad", "lead"), density=0.65),
    "hiphop": GenrePreset(90, "boom_bap", ("vi", "IV", "I", "V"), ("i", "iv", "VI", "v"), mode="minor",
                          tonic="C", swing=0.58, swing_unit=16, keys_program=4, density=0.5),
    "lofi": GenrePreset(80, "half_time", ("IVmaj7", "iii7", "ii7", "Imaj7"), ("i7", "iv7", "VIImaj7", "III"),
                        tonic="F", swing=0.58, swing_unit=16, keys_program=4, density=0.4,
                        instruments=("drums", "bass", "keys")),
    "trap": GenrePreset(140, "trap", ("vi", "IV", "I", "V"), ("i", "VI", "VII", "v"), mode="minor",
                        tonic="C#", bass_style="808", comp_style="sustain", kit=25,
                        instruments=("drums", "bass", "pad", "lead"), density=0.55),
    "jazz": GenrePreset(120, "swing", ("ii7", "V7", "Imaj7", "VI7"), ("iiø7", "V7", "i7", "i7"), tonic="F",
                        swing=0.66, instruments=("drums", "bass", "piano"), bass_style="walking",
                        comp_style="charleston", kit=32, density=0.55),
    "blues": GenrePreset(96, "shuffle", ("I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7",
                                         "V7"),
                         ("i7", "i7", "i7", "i7", "iv7", "iv7", "i7", "i7", "v7", "iv7", "i7", "v7"),
                         tonic="A", swing=0.66, instruments=("drums", "bass", "keys"), bass_style="walking",
                         comp_style="comp", keys_program=16, density=0.55),
    "reggae": GenrePreset(76, "one_drop", ("I", "IV", "I", "V"), ("i", "iv", "i", "VII"), tonic="G",
                          swing=0.55, instruments=("drums", "bass", "keys"), bass_style="reggae",
                          comp_style="skank", keys_program=16, density=0.5),
    "bossa": GenrePreset(132, "bossa", ("Imaj7", "ii7", "iii7", "V7"), ("i7", "iv7", "VIImaj7", "V7"),
                         tonic="D", instruments=("drums", "bass", "guitar"), bass_style="bossa",
                         comp_style="bossa", kit=40, density=0.45),
    "ambient": GenrePreset(70, "none", ("Imaj7", "IVmaj7", "vi7", "IVmaj7"), ("i7", "VImaj7", "III", "VII"),
                           tonic="D", instruments=("pad", "keys", "bass"), bass_style="sustain",
                           comp_style="arpeggio", keys_program=4, density=0.25),
    "cinematic": GenrePreset(90, "toms", ("vi", "IV", "I", "V"), ("i", "VI", "III", "VII"), mode="minor",
                             tonic="D", instruments=("drums", "strings", "brass", "bass"),
                             bass_style="sustain", comp_style="sustain", density=0.5),
    "country": GenrePreset(104, "train", ("I", "IV", "V", "I"), ("i", "VI", "VII", "i"), tonic="G",
                           instruments=("drums", "bass", "guitar"), bass_style="two_beat", comp_style="strum",
                           density=0.5),
    "folk": GenrePreset(96, "straight", ("I", "V", "vi", "IV"), ("i", "VII", "VI", "VII"), tonic="D",
                        instruments=("guitar", "bass", "drums"), comp_style="strum", kit=40, density=0.4),
    "waltz": GenrePreset(150, "waltz", ("I", "IV", "V7", "I"), ("i", "iv", "V7", "i"), tonic="F",
                         instruments=("drums", "bass", "piano"), bass_style="waltz", comp_style="waltz",
                         density=0.45, meter="3/4"),
    "dnb": GenrePreset(172, "breakbeat", ("vi", "IV", "I", "V"), ("i", "VI", "III", "VII"), mode="minor",
                       tonic="F", bass_style="sustain", comp_style="sustain", kit=24,
                       instruments=("drums", "bass", "pad"), density=0.7),
    "rnb": GenrePreset(88, "half_time", ("Imaj7", "vi7", "ii7", "V7"), ("i7", "iv7", "VIImaj7", "IIImaj7"),
                       tonic="Eb", swing=0.56, swing_unit=16, keys_program=4, density=0.5),
}
GENRE_WORDS = {
    "pop": "pop", "rock": "rock", "metal": "metal", "funk": "funk", "funky": "funk", "disco": "disco",
    "house": "house", "techno": "techno", "edm": "edm", "electronic": "edm", "dance": "edm", "hip hop": "hiphop",
    "hip-hop": "hiphop", "hiphop": "hiphop", "boom bap": "hiphop", "lofi": "lofi", "lo-fi": "lofi", "lo fi": "lofi",
    "trap": "trap", "jazz": "jazz", "jazzy": "jazz", "blues": "blues", "bluesy": "blues", "reggae": "reggae",
    "bossa": "bossa", "bossa nova": "bossa", "ambient": "ambient", "cinematic": "cinematic", "epic": "cinematic",
    "orchestral": "cinematic", "film": "cinematic", "country": "country", "folk": "folk", "acoustic": "folk",
    "waltz": "waltz", "drum and bass": "dnb", "drum & bass": "dnb", "dnb": "dnb", "jungle": "dnb",
    "r&b": "rnb", "rnb": "rnb", "soul": "rnb", "neo soul": "rnb", "soulful": "rnb",
}


def preset(genre: str | None) -> GenrePreset:
    if genre is None:
        return PRESETS["pop"]
    key = GENRE_WORDS.get(genre.strip().lower(), genre.strip().lower())
    if key not in PRESETS:
        raise ToolInputError(f"unknown genre {genre!r}; known genres: {', '.join(PRESETS)}")
    return PRESETS[key]


@dataclass(frozen=True)
class Instrument:
    stem: str  # stem name (by role)
    role: str  # 'drums' | 'bass' | 'comp' | 'pad' | 'lead' | 'arp'
    program: int | None  # GM program; None = the genre's default for this role
    style: str | None = None


# phrase -> instrument, longest phrases matched first by the prompt reader
INSTRUMENTS: dict[str, Instrument] = {
    "drums": Instrument("drums", "drums", None), "drum kit": Instrument("drums", "drums", None),
    "beat": Instrument("drums", "drums", None), "beats": Instrument("drums", "drums", None),
    "percussion": Instrument("drums", "drums", None), "808 drums": Instrument("drums", "drums", 25),
    "brushes": Instrument("drums", "drums", 40), "bass": Instrument("bass", "bass", None),
    "bassline": Instrument("bass", "bass", None), "bass guitar": Instrument("bass", "bass", 33),
    "electric bass": Instrument("bass", "bass", 33), "walking bass": Instrument("bass", "bass", 32, "walking"),
    "upright bass": Instrument("bass", "bass", 32), "double bass": Instrument("bass", "bass", 32),
    "acoustic bass": Instrument("bass", "bass", 32), "synth bass": Instrument("bass", "bass", 38),
    "sub bass": Instrument("bass", "bass", 38, "sustain"), "808": Instrument("bass", "bass", 38, "808"),
    "808 bass": Instrument("bass", "bass", 38, "808"), "slap bass": Instrument("bass", "bass", 36, "funk"),
    "fretless bass": Instrument("bass", "bass", 35), "keys": Instrument("keys", "comp", None),
    "keyboard": Instrument("keys", "comp", None), "keyboards": Instrument("keys", "comp", None),
    "electric piano": Instrument("keys", "comp", 4), "rhodes": Instrument("keys", "comp", 4),
    "wurlitzer": Instrument("keys", "comp", 5), "ep": Instrument("keys", "comp", 4),
    "clavinet": Instrument("keys", "comp", 7), "clav": Instrument("keys", "comp", 7),
    "piano": Instrument("piano", "comp", 0), "grand piano": Instrument("piano", "comp", 0),
    "organ": Instrument("organ", "comp", 16), "hammond": Instrument("organ", "comp", 16),
    "church organ": Instrument("organ", "pad", 19), "pad": Instrument("pad", "pad", 89),
    "pads": Instrument("pad", "pad", 89), "synth pad": Instrument("pad", "pad", 89),
    "warm pad": Instrument("pad", "pad", 89), "strings": Instrument("strings", "pad", 48),
    "string section": Instrument("strings", "pad", 48), "violins": Instrument("strings", "pad", 48),
    "cello": Instrument("strings", "pad", 42), "choir": Instrument("choir", "pad", 52),
    "guitar": Instrument("guitar", "comp", 27), "guitars": Instrument("guitar", "comp", 27),
    "electric guitar": Instrument("guitar", "comp", 27), "clean guitar": Instrument("guitar", "comp", 27),
    "acoustic guitar": Instrument("guitar", "comp", 25, "strum"),
    "nylon guitar": Instrument("guitar", "comp", 24), "distorted guitar": Instrument("guitar", "comp", 30, "power"),
    "overdriven guitar": Instrument("guitar", "comp", 29, "power"), "brass": Instrument("brass", "comp", 61, "stabs"),
    "horns": Instrument("brass", "comp", 61, "stabs"), "horn section": Instrument("brass", "comp", 61, "stabs"),
    "lead": Instrument("lead", "lead", None), "melody": Instrument("lead", "lead", None),
    "synth lead": Instrument("lead", "lead", 81), "lead synth": Instrument("lead", "lead", 81),
    "flute": Instrument("lead", "lead", 73), "sax": Instrument("lead", "lead", 65),
    "saxophone": Instrument("lead", "lead", 65), "trumpet": Instrument("lead", "lead", 56),
    "violin": Instrument("lead", "lead", 40), "whistle": Instrument("lead", "lead", 78),
    "vibraphone": Instrument("lead", "lead", 11), "vibes": Instrument("lead", "lead", 11),
    "marimba": Instrument("lead", "lead", 12), "bells": Instrument("lead", "lead", 14),
    "glockenspiel": Instrument("lead", "lead", 9), "synth": Instrument("synth", "arp", 81),
    "arp": Instrument("synth", "arp", 81), "arpeggio": Instrument("synth", "arp", 81),
    "arpeggiator": Instrument("synth", "arp", 81), "plucks": Instrument("synth", "arp", 81),
}
# a role's program when neither the instrument nor the genre says
ROLE_PROGRAMS = {"bass": 33, "comp": 0, "pad": 89, "lead": 81, "arp": 81, "drums": 0}
STEM_ROLES = {"drums": "drums", "bass": "bass", "keys": "comp", "piano": "comp", "organ": "comp",
              "guitar": "comp", "brass": "comp", "pad": "pad", "strings": "pad", "choir": "pad",
              "lead": "lead", "synth": "arp", "percussion": "drums"}


def instrument(name: str) -> Instrument:
    """The catalogue entry for ``"walking bass"``, ``"strings"``, ``"keys"``…; an unknown name that ends in a
    known one (``"funky clav"``) falls back to that word."""
    s = " ".join(name.strip().lower().replace("_", " ").split())
    if s in INSTRUMENTS:
        return INSTRUMENTS[s]
    for phrase in sorted(INSTRUMENTS, key=len, reverse=True):
        if s.endswith(" " + phrase) or s.startswith(phrase + " "):
            return INSTRUMENTS[phrase]
    stem = s.rstrip("0123456789")
    if stem in STEM_ROLES:
        return Instrument(stem, STEM_ROLES[stem], None)
    raise ToolInputError(f"unknown instrument {name!r}; known: {', '.join(sorted(INSTRUMENTS))}")


def resolve_program(inst: Instrument, genre: GenrePreset) -> int:
    if inst.program is not None:
        return inst.program
    if inst.role == "drums":
        return genre.kit
    if inst.role == "comp" and inst.stem == "keys":
        return genre.keys_program
    if inst.role == "lead":
        return genre.lead_program
    if inst.role == "bass" and genre.bass_style in ("808", "offbeat"):
        return 38
    return ROLE_PROGRAMS[inst.role]
