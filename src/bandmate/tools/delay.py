"""`delay`: echoes, timed in milliseconds or in beats of the session tempo."""

from __future__ import annotations

import math

from pydantic import Field

from bandmate.core.errors import ToolInputError
from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec

MAX_DELAY_S = 2.0
MAX_TAIL_S = 12.0


class DelayArgs(RangeArgs):
    delay_ms: float = Field(250, ge=1, le=2000, description="Time between echoes in ms (ignored when "
                                                           "delay_beats is given).")
    delay_beats: float | None = Field(None, gt=0, le=8, description="Time between echoes in beats of the "
                                      "session tempo (0.5 = eighth note, 0.75 = dotted eighth); needs a "
                                      "known tempo. Overrides delay_ms.")
    feedback: float = Field(0.3, ge=0, le=0.95, description="How much of each echo feeds the next: 0 one "
                                                            "echo, 0.6 many repeats.")
    wet_mix: float = Field(0.3, ge=0, le=1, description="Balance of echoes vs original: 0 dry, 1 only echoes.")


def delay_seconds(args: DelayArgs, ctx: ToolContext) -> float:
    if args.delay_beats is None:
        return args.delay_ms / 1000
    if not ctx.state.tempo_bpm:
        raise ToolInputError(f"delay_beats={args.delay_beats:g} needs the session tempo, which is not known; "
                             "give delay_ms instead, or run analyze first")
    seconds = args.delay_beats * 60.0 / ctx.state.tempo_bpm
    if seconds > MAX_DELAY_S:
        raise ToolInputError(f"delay_beats={args.delay_beats:g} at {ctx.state.tempo_bpm:g} BPM is "
                             f"{seconds:.2f}s, longer than the {MAX_DELAY_S:g}s maximum; use fewer beats")
    return seconds


def tail_seconds(delay_s: float, feedback: float) -> float:
    """Time until the echoes fall 60 dB below the first one (capped)."""
    repeats = 1 if feedback <= 0.001 else 1 + math.ceil(math.log(1e-3) / math.log(feedback))
    return min(MAX_TAIL_S, delay_s * (repeats + 1))


def delay(args: DelayArgs, ctx: ToolContext) -> EffectResult:
    """Add echoes to the mix or a stem: slapback (~100 ms), rhythmic delays in beats, dub-style repeats.

    Use it for "echo on the vocal", "slapback", "dotted-eighth delay on the guitar" (delay_beats=0.75),
    "spacey/dub"; more feedback means more repeats. In a range the echoes ring out after the range ends.
    """
    import pedalboard as pb

    seconds = delay_seconds(args, ctx)
    board = pb.Pedalboard([pb.Delay(delay_seconds=seconds, feedback=args.feedback, mix=args.wet_mix)])
    beats = f" ({args.delay_beats:g} beats)" if args.delay_beats is not None else ""
    text = f"{seconds * 1000:.0f} ms{beats}, feedback {args.feedback:g}, wet {args.wet_mix:g}"
    start, end = apply_effect(args, ctx, lambda x, sr: board(x, sr), label=f"delay {text}",
                              tail_s=tail_seconds(seconds, args.feedback))
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"delay on {args.target} ({start:.2f}–{end:.2f}s): {text}")


def _words(a: dict) -> str:
    return f"{a.get('delay_ms', 250):g} ms echo, feedback {a.get('feedback', 0.3):g}"


SPEC = ToolSpec(name="delay", Args=DelayArgs, Result=EffectResult, fn=delay, words=_words, restemmable=True)
