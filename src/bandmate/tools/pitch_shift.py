"""`pitch_shift`: transpose up or down in semitones, keeping the tempo (Rubber Band via pedalboard)."""

from __future__ import annotations

import re

import numpy as np
from pydantic import Field

from bandmate.core.errors import ToolInputError
from bandmate.memory.state import StateTable
from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec

SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_ROOT = re.compile(r"^([A-Ga-g])([#b]?)")


class PitchShiftArgs(RangeArgs):
    semitones: float = Field(..., ge=-24, le=24, description="Transposition in semitones: +12 an octave up, "
                                                             "-12 an octave down, fractions detune.")


def shift_pitch(x: np.ndarray, sample_rate: int, semitones: float) -> np.ndarray:
    import pedalboard as pb

    # the offline stretcher keeps onsets within a few ms, unlike the real-time PitchShift plugin
    return pb.time_stretch(x.astype(np.float32), sample_rate, stretch_factor=1.0,
                           pitch_shift_in_semitones=float(semitones), preserve_formants=False)


def transpose_label(label: str | None, semitones: int) -> str | None:
    """'A:min' + 3 -> 'C:min'; labels without a note name ('N', 'X') are returned unchanged."""
    if not label:
        return label
    m = _ROOT.match(label)
    if not m:
        return label
    letter, accidental = m.group(1).upper(), m.group(2)
    names = FLATS if accidental == "b" else SHARPS
    index = (SHARPS.index(letter) + (1 if accidental == "#" else -1 if accidental == "b" else 0)) % 12
    return names[(index + semitones) % 12] + label[m.end():]


def transpose_state(state: StateTable, semitones: int) -> None:
    state.key = transpose_label(state.key, semitones)
    for span in state.chords:
        span.label = transpose_label(span.label, semitones)


def pitch_shift(args: PitchShiftArgs, ctx: ToolContext) -> EffectResult:
    """Transpose the mix or a stem up or down by semitones without changing tempo (change key, octave up/down).

    Use it for "put it in a higher key", "an octave down on the bass", "pitch the vocal up a tone" (+2),
    "detune slightly" (fractions). Applied to the mix of a session with stems, every stem is transposed and
    the session's key and chords follow.
    """
    if args.semitones == 0:
        raise ToolInputError("pitch_shift semitones=0 changes nothing; use e.g. semitones=2 for a tone up "
                             "or -12 for an octave down")
    start, end = apply_effect(args, ctx, lambda x, sr: shift_pitch(x, sr, args.semitones),
                              label=f"pitch {args.semitones:+g} st", every_stem=True)
    whole = args.target == "mix" and not args.has_range
    follows = whole and float(args.semitones).is_integer()
    if follows:
        transpose_state(ctx.state, int(args.semitones))
    note = f"; key now {ctx.state.key}" if follows and ctx.state.key else ""
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"pitch {args.semitones:+g} semitones on {args.target} "
                                f"({start:.2f}–{end:.2f}s){note}")


def _words(a: dict) -> str:
    return f"{a.get('semitones', 0):+g} semitones"


SPEC = ToolSpec(name="pitch_shift", Args=PitchShiftArgs, Result=EffectResult, fn=pitch_shift, words=_words, stacks=False)
