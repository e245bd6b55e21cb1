"""`compressor`: even out dynamics (quiet parts up relative to loud ones)."""

from __future__ import annotations

from pydantic import Field

from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec


class CompressorArgs(RangeArgs):
    threshold_db: float = Field(-18, ge=-60, le=0, description="Level in dBFS above which gain is reduced.")
    ratio: float = Field(4, ge=1, le=20, description="Compression ratio: 2 gentle, 4 firm, 10+ squashed.")
    attack_ms: float = Field(10, ge=0.1, le=200, description="How fast it clamps down in ms; longer lets "
                                                            "transients (punch) through.")
    release_ms: float = Field(100, ge=5, le=2000, description="How fast it lets go in ms.")
    makeup_db: float = Field(0, ge=-12, le=24, description="Gain added after compression in dB.")


def compressor(args: CompressorArgs, ctx: ToolContext) -> EffectResult:
    """Compress the mix or a stem: tame peaks and even out the level so it sounds tighter, denser, more controlled.

    Use it for "punchier/tighter drums" (slower attack), "the vocal jumps around", "more glue",
    "squash it"; add makeup_db to win back level. To only stop clipping use limiter instead.
    """
    import pedalboard as pb

    board = pb.Pedalboard([
        pb.Compressor(threshold_db=args.threshold_db, ratio=args.ratio, attack_ms=args.attack_ms,
                      release_ms=args.release_ms),
        pb.Gain(gain_db=args.makeup_db),
    ])
    text = (f"{args.ratio:g}:1 above {args.threshold_db:g} dB, attack {args.attack_ms:g} ms, "
            f"release {args.release_ms:g} ms, makeup {args.makeup_db:+g} dB")
    start, end = apply_effect(args, ctx, lambda x, sr: board(x, sr), label=f"compressor {text}")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"compressor on {args.target} ({start:.2f}–{end:.2f}s): {text}")


def _words(a: dict) -> str:
    return (f"compression {a.get('ratio', 4):g}:1 from {a.get('threshold_db', -18):g} dB "
            f"({a.get('attack_ms', 10):g} ms attack)")


SPEC = ToolSpec(name="compressor", Args=CompressorArgs, Result=EffectResult, fn=compressor, words=_words, restemmable=True)
