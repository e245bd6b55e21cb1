"""`saturation`: soft-clipping drive for warmth, grit or distortion, level-matched by default."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec


class SaturationArgs(RangeArgs):
    drive_db: float = Field(6, ge=0, le=40, description="How hard the signal is driven into the soft clipper "
                                                        "in dB: 3–8 warm, 10–20 gritty, 25+ distorted.")
    wet_mix: float = Field(1.0, ge=0, le=1, description="Blend of saturated vs clean signal (parallel "
                                                        "saturation below 1).")
    level_match: bool = Field(True, description="Keep the RMS level the same, so the change is tone, not "
                                                "loudness.")


def saturate(x: np.ndarray, sample_rate: int, *, drive_db: float, wet_mix: float, level_match: bool) -> np.ndarray:
    import pedalboard as pb

    wet = pb.Pedalboard([pb.Distortion(drive_db=drive_db)])(x, sample_rate)
    y = (1 - wet_mix) * x + wet_mix * wet
    if level_match:
        rms_in, rms_out = float(np.sqrt(np.mean(x**2))), float(np.sqrt(np.mean(y**2)))
        if rms_out > 1e-9:
            y = y * (rms_in / rms_out)
    return y.astype(np.float32)


def saturation(args: SaturationArgs, ctx: ToolContext) -> EffectResult:
    """Saturate/overdrive the mix or a stem: adds harmonics for warmth, grit, edge, "analog" or "dirty" tone.

    Use it for "warmer bass", "more grit/edge", "tape-like", "crunchy guitar", "distorted"; low drive_db is
    subtle warmth, high is obvious distortion. Loudness is kept the same unless level_match is false.
    """
    text = f"drive {args.drive_db:g} dB, wet {args.wet_mix:g}" + (", level-matched" if args.level_match else "")
    start, end = apply_effect(
        args, ctx, lambda x, sr: saturate(x, sr, drive_db=args.drive_db, wet_mix=args.wet_mix,
                                          level_match=args.level_match),
        label=f"saturation {text}")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"saturation on {args.target} ({start:.2f}–{end:.2f}s): {text}")


def _words(a: dict) -> str:
    return f"saturation, {a.get('drive_db', 6):g} dB drive"


SPEC = ToolSpec(name="saturation", Args=SaturationArgs, Result=EffectResult, fn=saturation, words=_words, restemmable=True)
