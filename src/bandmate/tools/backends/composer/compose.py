"""The composer's entry points.

- ``compose(controls) -> Arrangement``: the whole piece, every requested instrument.
- ``compose_range(controls, start_bar, end_bar, instruction=None, seed=None) -> Arrangement``: only the
  notes that start in bars ``start_bar..end_bar`` (inclusive; ``end_bar`` may run past
  ``controls.bars`` — the chords keep cycling — which is how a continuation is written). Note times
  stay absolute (seconds from the session start). ``instruction`` is a short text that reshapes the
  window: ``"fill"`` (drum fill into the next bar), ``"breakdown"`` (sparse drums, held bass and
  chords), ``"build"`` (snare roll, rising energy), ``"drop"`` (full, busy, crash on the first bar),
  ``"sparser"`` / ``"busier"``. With the same seed and no instruction a window reproduces those bars of
  ``compose`` exactly; a new seed writes new material over the same chords and grid.
- ``compose_part(name, controls, start_bar=1, end_bar=None, style=None, seed=None)`` -> one ``Part``
  for an instrument named as a user would ("walking bass", "strings", "keys").
"""

from __future__ import annotations

from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.composer import presets
from bandmate.tools.backends.composer.arrangement import Arrangement, Part
from bandmate.tools.backends.composer.bass import STYLE_WORDS as BASS_STYLES
from bandmate.tools.backends.composer.bass import compose_bass
from bandmate.tools.backends.composer.controls import Controls
from bandmate.tools.backends.composer.drums import compose_drums, feel_from_style
from bandmate.tools.backends.composer.form import parse_form, section_spans, shape_notes
from bandmate.tools.backends.composer.harmony import STYLE_WORDS as HARMONY_STYLES
from bandmate.tools.backends.composer.harmony import compose_harmony
from bandmate.tools.backends.composer.melody import compose_lead
from bandmate.tools.backends.composer.parts import Frame, in_window, tidy

INSTRUCTIONS = {  # word -> (mode, density change, energy)
    "fill": ("fill", 0.1, 1.0), "breakdown": ("breakdown", -0.4, 0.8), "strip": ("breakdown", -0.4, 0.8),
    "build": ("build", 0.2, 1.0), "buildup": ("build", 0.2, 1.0), "rise": ("build", 0.2, 1.0),
    "drop": ("drop", 0.3, 1.1), "chorus": ("drop", 0.25, 1.08), "bigger": ("drop", 0.25, 1.08),
    "sparse": ("normal", -0.3, 0.9), "sparser": ("normal", -0.3, 0.9), "simpler": ("normal", -0.3, 0.9),
    "busy": ("normal", 0.3, 1.0), "busier": ("normal", 0.3, 1.0), "energy": ("drop", 0.25, 1.08),
    "quiet": ("normal", -0.2, 0.75), "softer": ("normal", -0.1, 0.8), "louder": ("normal", 0.1, 1.15),
}


def compose(controls: Controls) -> Arrangement:
    return compose_range(controls)


def compose_range(controls: Controls, start_bar: int = 1, end_bar: int | None = None,
                  instruction: str | None = None, seed: int | None = None) -> Arrangement:
    c = _resolve(controls)
    frame, first, last = _frame(c, start_bar, end_bar, instruction, seed)
    parts: dict[str, Part] = {}
    for inst_name in c.instruments or []:
        inst = presets.instrument(inst_name)
        stem = _unique(inst.stem, parts)
        parts[stem] = _part(inst_name, inst, stem, frame, c.styles.get(stem), first, last)
    return Arrangement(c, parts, chord_timeline(frame, first, last), *_grid(frame, first, last),
                       sections=_sections(frame, first, last))


def compose_part(name: str, controls: Controls, *, start_bar: int = 1, end_bar: int | None = None,
                 style: str | None = None, seed: int | None = None, instruction: str | None = None,
                 stem: str | None = None) -> Part:
    """One instrument fitting the controls' tempo, key, chords and groove. ``stem`` names the part
    (default: the instrument's role name, e.g. 'bass' for 'walking bass')."""
    c = _resolve(controls)
    frame, first, last = _frame(c, start_bar, end_bar, instruction, seed)
    inst = presets.instrument(name)
    stem = stem or inst.stem
    return _part(name, inst, stem, frame, style if style is not None else c.styles.get(stem), first, last)


def _resolve(controls: Controls) -> Controls:
    c = controls.resolved()
    if not c.chords:
        raise ToolInputError("no chords to compose over; give chords such as 'Am F C G' or a key")
    return c


def _frame(c: Controls, start_bar: int, end_bar: int | None, instruction: str | None,
           seed: int | None) -> tuple[Frame, int, int]:
    last = end_bar if end_bar is not None else (c.bars or 8)
    if start_bar < 1 or last < start_bar:
        raise ToolInputError(f"bar range {start_bar}–{last} is not usable; bars count from 1 and the end "
                             "must not come before the start")
    if last > 1024:
        raise ToolInputError(f"end bar {last} is beyond the 1024-bar limit")
    frame = Frame.of(c, last, seed)
    if instruction:
        _apply_instruction(frame, instruction, start_bar, last)
    return frame, start_bar, last


def _apply_instruction(frame: Frame, instruction: str, first: int, last: int) -> None:
    frame.instruction = instruction  # a playing style it names ("double time", "walking") is read per part
    words = instruction.lower().replace("-", "").split()
    hits = [INSTRUCTIONS[w] for w in words if w in INSTRUCTIONS]
    if not hits:
        return  # any other instruction ('variation', 'new idea') is expressed by the seed alone
    mode, d_density, energy = hits[0]
    frame.density = min(1.0, max(0.05, frame.density + d_density))
    frame.energy = energy
    frame.mode = "normal" if mode == "fill" else mode
    if mode in ("fill", "build"):
        frame.fill_bars = set(frame.fill_bars) | {last}
        frame.mode = "build" if mode == "build" else "fill"
    if mode == "breakdown":
        frame.fill_bars = set()


def _instructed_style(instruction: str, role: str) -> str | None:
    """The instruction itself when it names a playing style of this part's role ("double time" for drums,
    "walking" for a bass, "arpeggio" for keys); None when it does not (it then only shapes the mode)."""
    if not instruction:
        return None
    s = instruction.lower()
    if role == "drums":
        return instruction if feel_from_style(s) else None
    if role == "bass":
        return instruction if any(w in s for w, _ in BASS_STYLES) else None
    if role == "lead":
        return None
    return instruction if any(w in s for w, _ in HARMONY_STYLES) else None


def _unique(stem: str, taken: dict[str, Part]) -> str:
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _part(inst_name: str, inst: presets.Instrument, stem: str, frame: Frame, style: str | None,
          first: int, last: int) -> Part:
    style = _instructed_style(frame.instruction, inst.role) or style or inst.style or ""
    if inst.role == "drums":
        notes = compose_drums(frame, style, stem)
    elif inst.role == "bass":
        notes = compose_bass(frame, style, stem)
    elif inst.role == "lead":
        notes = compose_lead(frame, style, stem)
    else:
        notes = compose_harmony(frame, style, stem, inst.role)
    program = presets.resolve_program(inst, frame.controls.genre_preset())
    notes = in_window(notes, frame, first, last)
    if frame.controls.form:
        notes = shape_notes(notes, inst.role, parse_form(frame.controls.form), lambda t: _bar_of(frame, t))
    return Part(stem, program, inst.role == "drums", tidy(notes), inst.role, inst_name, style)


def _bar_start(frame: Frame, bar: int) -> float:
    return frame.beat_to_s((bar - 1) * frame.bpb)


def _bar_of(frame: Frame, time_s: float) -> int:
    bar = 1
    while bar < 1025 and _bar_start(frame, bar + 1) <= time_s + 1e-6:
        bar += 1
    return bar


def _sections(frame: Frame, first: int, last: int) -> list[tuple[float, float, str, str]]:
    """The written form inside the window; without a form, the whole window is one section 'A'."""
    if not frame.controls.form:
        return [(round(_bar_start(frame, first), 6), round(_bar_start(frame, last + 1), 6), "", "A")]
    return section_spans(parse_form(frame.controls.form), lambda b: _bar_start(frame, b), first, last)


def chord_timeline(frame: Frame, first: int, last: int) -> list[tuple[float, float, str]]:
    """(start_s, end_s, mir_eval label) per chord in the window, repeats of one chord merged."""
    out: list[tuple[float, float, str]] = []
    flats = frame.key.prefers_flats
    for bar in range(first, last + 1):
        for slot in frame.slots(bar):
            base = (bar - 1) * frame.bpb
            start, end = frame.beat_to_s(base + slot.beat), frame.beat_to_s(base + slot.beat + slot.length)
            label = slot.chord.label(flats)
            if out and out[-1][2] == label and abs(out[-1][1] - start) < 1e-6:
                out[-1] = (out[-1][0], round(end, 6), label)
            else:
                out.append((round(start, 6), round(end, 6), label))
    return out


def _grid(frame: Frame, first: int, last: int) -> tuple[list[float], list[float]]:
    beats = [round(frame.beat_to_s(i), 6) for i in range((first - 1) * frame.bpb, last * frame.bpb)]
    return beats, beats[::frame.bpb]
