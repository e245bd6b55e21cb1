"""Song form: sections (intro, verse, chorus, bridge, outro …), their chords, parts and levels.

A form is a list of entries ``"name"`` or ``"name:bars"`` (``["intro:4", "verse:8", "chorus:8"]``);
bars default per name (``DEFAULT_BARS``). What makes sections sound different, so that a listener (and
``analyze``'s segmentation) hears the form:
- chords: verse, intro and outro play the piece's progression; chorus, pre-chorus and bridge play their
  own (``PROGRESSIONS``, roman numerals in the key; a chorus that would equal the verse is rotated);
- parts: some roles rest in some sections (``RESTS``: the intro has no drums, bass or lead …);
- level: velocities scale per section (``LEVEL``: the chorus is the loudest).
Times of sections follow the frame's bar grid; labels give each distinct name a letter (A, B, C …) in
order of first appearance, so repeats of a name share a label.
"""

from __future__ import annotations

from dataclasses import dataclass

from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.composer.theory import Key, parse_chord

DEFAULT_BARS = {"intro": 4, "verse": 8, "prechorus": 4, "chorus": 8, "bridge": 8, "solo": 8, "breakdown": 4,
                "outro": 4}
ALIASES = {"pre-chorus": "prechorus", "refrain": "chorus", "hook": "chorus", "middle8": "bridge",
           "ending": "outro", "coda": "outro"}
PROGRESSIONS = {  # name -> (major, minor); names absent here play the piece's own chords
    "chorus": (("IV", "V", "I", "vi"), ("VI", "VII", "i", "v")),
    "prechorus": (("ii", "IV", "V", "V"), ("iv", "iv", "V", "V")),
    "bridge": (("vi", "iii", "IV", "V"), ("iv", "v", "VI", "V")),
    "solo": (("vi", "IV", "I", "V"), ("i", "VI", "III", "VII")),
}
RESTS = {"intro": {"drums", "bass", "lead"}, "verse": {"lead"}, "prechorus": {"lead"}, "bridge": {"drums"},
         "breakdown": {"drums", "lead"}, "outro": {"drums", "lead"}}
LEVEL = {"intro": 0.75, "verse": 0.85, "prechorus": 0.95, "chorus": 1.12, "bridge": 0.9, "solo": 1.0,
         "breakdown": 0.7, "outro": 0.75}


@dataclass(frozen=True)
class FormSection:
    name: str
    first_bar: int
    bars: int
    label: str

    @property
    def last_bar(self) -> int:
        return self.first_bar + self.bars - 1


def parse_form(entries: list[str]) -> list[FormSection]:
    """``["intro", "verse:8", "chorus"]`` -> sections with first bars and repeat labels."""
    out: list[FormSection] = []
    labels: dict[str, str] = {}
    bar = 1
    for raw in entries:
        word, _, count = str(raw).strip().lower().partition(":")
        name = ALIASES.get(word.replace(" ", ""), word.replace(" ", ""))
        if name not in DEFAULT_BARS:
            raise ToolInputError(f"form section {raw!r} is not known; expected one of "
                                 f"{', '.join(DEFAULT_BARS)}, optionally with bars as 'verse:8'")
        try:
            bars = int(count) if count else DEFAULT_BARS[name]
        except ValueError:
            raise ToolInputError(f"form section {raw!r}: {count!r} is not a whole number of bars") from None
        if not 1 <= bars <= 64:
            raise ToolInputError(f"form section {raw!r} has {bars} bars; use 1–64")
        labels.setdefault(name, "ABCDEFGH"[min(len(labels), 7)])
        out.append(FormSection(name, bar, bars, labels[name]))
        bar += bars
    return out


def section_of(sections: list[FormSection], bar: int) -> FormSection | None:
    return next((s for s in sections if s.first_bar <= bar <= s.last_bar), None)


def section_progression(section: FormSection, base: list[str], key: Key) -> list[str] | None:
    """The section's own chord entries (roman numerals), or None to play the piece's progression."""
    table = PROGRESSIONS.get(section.name)
    if table is None:
        return None
    prog = list(table[1] if key.is_minor else table[0])

    def sound(symbols: list[str]) -> list[tuple[int, str]]:
        return [(c.root, c.quality) for c in (parse_chord(s.split()[0], key) for s in symbols[:4])]

    if section.name == "chorus" and sound(base) == sound(prog):
        prog = prog[2:] + prog[:2]  # keep the chorus distinct from a verse that already plays it
    return prog


def section_spans(sections: list[FormSection], bar_start_s, first: int, last: int) -> list[tuple]:
    """(start_s, end_s, name, label) of the sections inside bars ``first..last``; ``bar_start_s(bar)``
    gives the time of a bar's first beat."""
    out = []
    for s in sections:
        a, b = max(s.first_bar, first), min(s.last_bar, last)
        if a <= b:
            out.append((round(bar_start_s(a), 6), round(bar_start_s(b + 1), 6), s.name, s.label))
    return out


def shape_notes(notes: list, role: str, sections: list[FormSection], bar_of) -> list:
    """Notes of one part with the form applied: rests where the role sits out, levels per section.
    ``bar_of(time_s)`` gives the 1-based bar a note starts in."""
    from bandmate.tools.backends.composer.arrangement import Note

    out = []
    for n in notes:
        s = section_of(sections, bar_of(n.start_s))
        if s is None:
            out.append(n)
        elif role not in RESTS.get(s.name, set()):
            vel = max(1, min(127, round(n.velocity * LEVEL.get(s.name, 1.0))))
            out.append(Note(n.pitch, n.start_s, n.end_s, vel))
    return out
