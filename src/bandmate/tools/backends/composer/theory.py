"""Pitch, key and chord vocabulary for the composer.

Conventions: a pitch class is an int 0–11 (C=0); a MIDI pitch is an int 0–127 (middle C = 60, C4);
note names use sharps or flats (``"F#"``, ``"Bb"``) with an optional octave (``"E4"``). Chord symbols
are lead-sheet style (``"Am"``, ``"F#m7b5"``, ``"Cmaj7"``, ``"G7"``, ``"Bb/D"``, ``"Dsus4"``); roman
numerals (``"ii7"``, ``"V"``, ``"bVII"``) resolve against a key. State-table labels use mir_eval
syntax (``"A:min"``, ``"C:maj"``, ``"G:7"``, ``"N"`` for no chord).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bandmate.core.errors import ToolInputError

NAMES_SHARP = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
NAMES_FLAT = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# keys whose signature uses flats, so their chords are spelled with flats
_FLAT_MAJOR_TONICS = {5, 10, 3, 8, 1, 6}

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor
MODES = {"major": MAJOR_SCALE, "minor": MINOR_SCALE, "dorian": (0, 2, 3, 5, 7, 9, 10),
         "mixolydian": (0, 2, 4, 5, 7, 9, 10)}

# quality -> (intervals above the root, mir_eval quality)
QUALITIES: dict[str, tuple[tuple[int, ...], str]] = {
    "maj": ((0, 4, 7), "maj"), "min": ((0, 3, 7), "min"), "dim": ((0, 3, 6), "dim"),
    "aug": ((0, 4, 8), "aug"), "sus2": ((0, 2, 7), "sus2"), "sus4": ((0, 5, 7), "sus4"),
    "5": ((0, 7), "5"), "7": ((0, 4, 7, 10), "7"), "maj7": ((0, 4, 7, 11), "maj7"),
    "min7": ((0, 3, 7, 10), "min7"), "minmaj7": ((0, 3, 7, 11), "minmaj7"),
    "hdim7": ((0, 3, 6, 10), "hdim7"), "dim7": ((0, 3, 6, 9), "dim7"), "maj6": ((0, 4, 7, 9), "maj6"),
    "min6": ((0, 3, 7, 9), "min6"), "9": ((0, 4, 7, 10, 14), "9"), "maj9": ((0, 4, 7, 11, 14), "maj9"),
    "min9": ((0, 3, 7, 10, 14), "min9"), "add9": ((0, 4, 7, 14), "maj"), "7sus4": ((0, 5, 7, 10), "sus4"),
    "11": ((0, 4, 7, 10, 14, 17), "11"), "min11": ((0, 3, 7, 10, 14, 17), "min11"),
    "13": ((0, 4, 7, 10, 14, 21), "13"),
}
# lead-sheet suffix -> quality (longest suffixes are tried first)
_SUFFIXES = {
    "": "maj", "M": "maj", "maj": "maj", "m": "min", "min": "min", "-": "min", "dim": "dim", "°": "dim",
    "o": "dim", "aug": "aug", "+": "aug", "sus2": "sus2", "sus4": "sus4", "sus": "sus4", "5": "5",
    "7": "7", "dom7": "7", "maj7": "maj7", "M7": "maj7", "Δ": "maj7", "Δ7": "maj7", "m7": "min7",
    "min7": "min7", "-7": "min7", "mMaj7": "minmaj7", "mmaj7": "minmaj7", "m7b5": "hdim7",
    "ø": "hdim7", "ø7": "hdim7", "dim7": "dim7", "°7": "dim7", "o7": "dim7", "6": "maj6", "m6": "min6",
    "9": "9", "maj9": "maj9", "M9": "maj9", "m9": "min9", "add9": "add9", "7sus4": "7sus4",
    "7sus": "7sus4", "11": "11", "m11": "min11", "13": "13",
}
_MIREX_TO_SUFFIX = {"maj": "", "min": "m", "7": "7", "maj7": "maj7", "min7": "m7", "hdim7": "m7b5",
                    "dim": "dim", "dim7": "dim7", "aug": "aug", "sus2": "sus2", "sus4": "sus4",
                    "maj6": "6", "min6": "m6", "9": "9", "maj9": "maj9", "min9": "m9", "minmaj7": "mMaj7",
                    "5": "5", "11": "11", "min11": "m11", "13": "13", "1": "5", "": ""}
_NOTE_RE = re.compile(r"^([A-Ga-g])([#b♯♭]*)(-?\d+)?$")
_CHORD_RE = re.compile(r"^([A-G])([#b♯♭]?)(.*?)(?:/([A-G][#b♯♭]?))?$")


def pitch_class(name: str) -> int:
    """Pitch class of a note name such as ``"F#"``, ``"Bb"`` or ``"e"``."""
    m = _NOTE_RE.match(name.strip())
    if not m or m.group(3):
        raise ToolInputError(f"{name!r} is not a note name; expected a letter A–G with optional # or b")
    acc = m.group(2).replace("♯", "#").replace("♭", "b")
    return (_LETTER_PC[m.group(1).upper()] + acc.count("#") - acc.count("b")) % 12


def note_to_midi(name: str) -> int:
    """MIDI pitch of ``"E4"``/``"Bb2"``/``"C#5"`` (octave required) or of a number given as text."""
    s = name.strip()
    if s.lstrip("-").isdigit():
        midi = int(s)
    else:
        m = _NOTE_RE.match(s)
        if not m or m.group(3) is None:
            raise ToolInputError(f"{name!r} is not a note; expected a name with octave such as 'E4' or a "
                                 "MIDI number 0–127")
        midi = pitch_class(m.group(1) + m.group(2)) + 12 * (int(m.group(3)) + 1)
        # B#3 / Cb4 cross the octave boundary: the letter decides the octave
        midi += 12 if m.group(1).upper() == "B" and pitch_class(m.group(1) + m.group(2)) == 0 else 0
        midi -= 12 if m.group(1).upper() == "C" and pitch_class(m.group(1) + m.group(2)) == 11 else 0
    if not 0 <= midi <= 127:
        raise ToolInputError(f"note {name!r} is MIDI {midi}, outside 0–127")
    return midi


def midi_to_name(midi: int, flats: bool = False) -> str:
    return f"{(NAMES_FLAT if flats else NAMES_SHARP)[midi % 12]}{midi // 12 - 1}"


def midi_to_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class
    mode: str = "major"  # 'major' | 'minor' | 'dorian' | 'mixolydian'

    @property
    def scale(self) -> tuple[int, ...]:
        return tuple((self.tonic + i) % 12 for i in MODES[self.mode])

    @property
    def is_minor(self) -> bool:
        return self.mode in ("minor", "dorian")

    @property
    def prefers_flats(self) -> bool:
        relative_major = (self.tonic + 3) % 12 if self.is_minor else self.tonic
        return relative_major in _FLAT_MAJOR_TONICS

    def name(self) -> str:
        """``"E minor"``, ``"Bb major"`` — the state table's key format."""
        return f"{(NAMES_FLAT if self.prefers_flats else NAMES_SHARP)[self.tonic]} {self.mode}"


def parse_key(text: str) -> Key:
    """``"E minor"``, ``"Em"``, ``"F# major"``, ``"Bb"``, ``"A:min"``, ``"c minor"``, ``"D dorian"``."""
    s = text.strip().replace(":", " ")
    m = re.match(r"^([A-Ga-g][#b♯♭]?)\s*(.*)$", s)
    if not m:
        raise ToolInputError(f"key {text!r} not understood; expected e.g. 'E minor', 'Em', 'F# major'")
    tonic = pitch_class(m.group(1))
    rest = m.group(2).strip().lower()
    mode = {"": "major", "maj": "major", "major": "major", "m": "minor", "min": "minor", "minor": "minor",
            "dorian": "dorian", "mixolydian": "mixolydian", "aeolian": "minor", "ionian": "major"}.get(rest)
    if m.group(2).strip() == "M":
        mode = "major"
    if mode is None:
        raise ToolInputError(f"mode {rest!r} in key {text!r} not understood; expected major, minor, "
                             "dorian or mixolydian")
    return Key(tonic, mode)


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    quality: str = "maj"  # a key of QUALITIES
    bass: int | None = None  # slash bass pitch class, None when the root is in the bass
    symbol: str = ""  # as the user wrote it (kept for display)

    @property
    def intervals(self) -> tuple[int, ...]:
        return QUALITIES[self.quality][0]

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple(sorted({(self.root + i) % 12 for i in self.intervals}))

    @property
    def bass_pc(self) -> int:
        return self.root if self.bass is None else self.bass

    @property
    def third(self) -> int | None:
        ivs = self.intervals
        return next(((self.root + i) % 12 for i in (4, 3) if i in ivs), None)

    @property
    def is_minor_triad(self) -> bool:
        return self.third == (self.root + 3) % 12

    @property
    def fifth(self) -> int:
        ivs = self.intervals
        return (self.root + next((i for i in (7, 6, 8) if i in ivs), 7)) % 12

    def label(self, flats: bool | None = None) -> str:
        """mir_eval label: ``"A:min"``, ``"G:7"``, ``"Bb:maj/3"`` (flats as written unless told)."""
        if flats is None:
            flats = self.symbol[1:2] in ("b", "♭")
        names = NAMES_FLAT if flats else NAMES_SHARP
        out = f"{names[self.root]}:{QUALITIES[self.quality][1]}"
        if self.bass is not None and self.bass != self.root:
            out += "/" + _degree((self.bass - self.root) % 12)
        return out

    def display(self, flats: bool = False) -> str:
        if self.symbol:
            return self.symbol
        names = NAMES_FLAT if flats else NAMES_SHARP
        return names[self.root] + _MIREX_TO_SUFFIX.get(QUALITIES[self.quality][1], "")


_DEGREES = ("1", "b2", "2", "b3", "3", "4", "b5", "5", "b6", "6", "b7", "7")


def _degree(semitones: int) -> str:
    return _DEGREES[semitones % 12]


def parse_chord(symbol: str, key: Key | None = None) -> Chord:
    """A lead-sheet symbol (``"F#m7b5"``, ``"Bb/D"``), a mir_eval label (``"A:min"``) or, given a key,
    a roman numeral (``"vi"``, ``"V7"``, ``"bVII"``)."""
    s = symbol.strip()
    if ":" in s:
        return _parse_mirex(s)
    m = _CHORD_RE.match(s)
    if m and m.group(3) in _SUFFIXES:
        root = pitch_class(m.group(1) + m.group(2))
        bass = pitch_class(m.group(4)) if m.group(4) else None
        return Chord(root, _SUFFIXES[m.group(3)], bass, s)
    if key is not None:
        roman = parse_roman(s, key)
        if roman is not None:
            return roman
    raise ToolInputError(f"chord {symbol!r} not understood; expected a symbol such as 'Am', 'F#m7b5', "
                         "'Cmaj7', 'G7', 'Bb/D'" + (" or a roman numeral such as 'vi'" if key else ""))


def _parse_mirex(label: str) -> Chord:
    root_s, _, qual = label.partition(":")
    qual, _, bass_deg = qual.partition("/")
    qual = qual.split("(")[0] or "maj"
    if qual not in QUALITIES and qual != "1":
        raise ToolInputError(f"chord label {label!r} has unknown quality {qual!r}")
    root = pitch_class(root_s)
    quality = "5" if qual == "1" else qual
    bass = None
    if bass_deg:
        deg = bass_deg.replace("#", "")
        semis = _DEGREES.index(deg) if deg in _DEGREES else {"9": 2, "11": 5, "13": 9}.get(deg, 0)
        bass = (root + semis + bass_deg.count("#")) % 12
    return Chord(root, quality, bass)


_ROMAN_RE = re.compile(r"^([b#]?)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(°|o|ø|\+)?(.*)$")
_ROMAN_DEG = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


def parse_roman(text: str, key: Key) -> Chord | None:
    """``"vi"`` in C major is A minor; ``"bVII7"`` in E minor is D7. Degrees count the major scale."""
    m = _ROMAN_RE.match(text.strip())
    if not m:
        return None
    acc, numeral, mark, rest = m.groups()
    degree = _ROMAN_DEG[numeral.lower()]
    root = (key.tonic + MAJOR_SCALE[degree] + (1 if acc == "#" else -1 if acc == "b" else 0)) % 12
    if not acc and key.is_minor:
        root = (key.tonic + MINOR_SCALE[degree]) % 12  # in a minor key 'VI' means the minor key's sixth
    lower = numeral.islower()
    base = {"°": "dim", "o": "dim", "ø": "hdim7", "+": "aug"}.get(mark or "", "min" if lower else "maj")
    suffix = {"": None, "7": "7", "maj7": "maj7", "M7": "maj7", "9": "9", "6": "6", "sus4": "sus4",
              "sus2": "sus2"}
    if rest not in suffix:
        return None
    quality = base
    if rest == "7":
        quality = {"min": "min7", "dim": "dim7", "maj": "7", "aug": "7"}.get(base, base)
    elif rest in ("maj7", "M7"):
        quality = "minmaj7" if base == "min" else "maj7"
    elif rest == "9":
        quality = "min9" if base == "min" else "9"
    elif rest == "6":
        quality = "min6" if base == "min" else "maj6"
    elif rest in ("sus4", "sus2"):
        quality = rest
    return Chord(root, quality, None, "")


def infer_key(chords: list[Chord]) -> Key:
    """The major or minor key whose scale holds the most chord tones, ties going to the first chord."""
    weights = [0.0] * 12
    for i, ch in enumerate(chords):
        for pc in ch.pitch_classes:
            weights[pc] += 1.0
        weights[ch.root] += 1.5 if i == 0 else 0.5
    best, best_score = Key(chords[0].root, "minor" if chords[0].is_minor_triad else "major"), -1.0
    for tonic in range(12):
        for mode in ("major", "minor"):
            k = Key(tonic, mode)
            score = sum(weights[pc] for pc in k.scale) + 2.0 * (tonic == chords[0].root)
            score += 1.5 * sum(1 for ch in chords if ch.root == tonic and ch.is_minor_triad == (mode == "minor"))
            if score > best_score + 1e-9:
                best, best_score = k, score
    return best

