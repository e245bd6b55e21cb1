"""`gain`: change level in dB."""

from __future__ import annotations

from pydantic import Field

from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec


class GainArgs(RangeArgs):
    gain_db: float = Field(..., ge=-60, le=24, description="Level change in dB; negative is quieter.")


def gain(args: GainArgs, ctx: ToolContext) -> EffectResult:
    """Make the mix or one stem louder or quieter by gain_db decibels, optionally in a time range.

    Use it for "turn the bass up", "drums a bit quieter", "bring the vocal down 2 dB in bar 5".
    """
    factor = 10 ** (args.gain_db / 20)
    start, end = apply_effect(args, ctx, lambda x, sr: x * factor, label=f"gain {args.gain_db:+.1f} dB")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"{args.gain_db:+.1f} dB on {args.target} ({start:.2f}–{end:.2f}s)")


def _words(a: dict) -> str:
    return f"{a.get('gain_db', 0):+g} dB"


SPEC = ToolSpec(name="gain", Args=GainArgs, Result=EffectResult, fn=gain, words=_words, restemmable=True,
                level_args=frozenset({"gain_db"}))
