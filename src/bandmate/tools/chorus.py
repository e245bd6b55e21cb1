"""`chorus`: thicken and widen with slowly modulated copies."""

from __future__ import annotations

from pydantic import Field

from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec


class ChorusArgs(RangeArgs):
    rate_hz: float = Field(1.0, ge=0.01, le=10, description="Speed of the modulation in Hz: 0.2 slow "
                                                            "shimmer, 3+ vibrato-like wobble.")
    depth: float = Field(0.25, ge=0, le=1, description="Amount of pitch/time wobble (0..1).")
    centre_delay_ms: float = Field(7, ge=1, le=50, description="Base delay of the copies in ms "
                                                              "(1–5 flanger-like, 7–20 chorus).")
    feedback: float = Field(0.0, ge=-0.95, le=0.95, description="Feedback of the copies: higher is more "
                                                                "metallic/resonant.")
    wet_mix: float = Field(0.5, ge=0, le=1, description="Balance of effect vs original (0..1).")


def chorus(args: ChorusArgs, ctx: ToolContext) -> EffectResult:
    """Chorus the mix or a stem: a shimmering, thicker, wider, slightly detuned "80s"/"lush" sound.

    Use it for "thicken the keys", "lush pad", "dreamy guitar", "wobble"; with a short centre delay and
    feedback it becomes a flanger-like swoosh.
    """
    import pedalboard as pb

    board = pb.Pedalboard([pb.Chorus(rate_hz=args.rate_hz, depth=args.depth,
                                     centre_delay_ms=args.centre_delay_ms, feedback=args.feedback,
                                     mix=args.wet_mix)])
    text = (f"rate {args.rate_hz:g} Hz, depth {args.depth:g}, delay {args.centre_delay_ms:g} ms, "
            f"feedback {args.feedback:g}, wet {args.wet_mix:g}")
    start, end = apply_effect(args, ctx, lambda x, sr: board(x, sr), label=f"chorus {text}")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"chorus on {args.target} ({start:.2f}–{end:.2f}s): {text}")


SPEC = ToolSpec(name="chorus", Args=ChorusArgs, Result=EffectResult, fn=chorus, restemmable=True)
