"""`stereo_width`: narrow or widen the stereo image by scaling the side (L-R) signal."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from bandmate.core.errors import ToolInputError
from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec


class StereoWidthArgs(RangeArgs):
    width: float = Field(..., ge=0, le=3, description="Stereo width: 0 mono, 0.5 narrower, 1 unchanged, "
                                                      "1.5 wider, 2 twice the side signal.")


def mid_side_width(x: np.ndarray, width: float) -> np.ndarray:
    mid = (x[0] + x[1]) * 0.5
    side = (x[0] - x[1]) * (0.5 * width)
    return np.stack([mid + side, mid - side]).astype(np.float32)


def stereo_width(args: StereoWidthArgs, ctx: ToolContext) -> EffectResult:
    """Make the mix or a stem wider or narrower in stereo (0 = mono, 1 = as is, 2 = twice as wide).

    Use it for "wider", "more spacious/immersive", "make the bass mono/centred" (width 0 on the bass),
    "narrower", "collapse to mono". It needs stereo audio; for a mono source use chorus or reverb to add width.
    """
    if args.width == 1:
        raise ToolInputError("stereo_width width=1 leaves the image unchanged; use below 1 to narrow "
                             "(0 = mono) or above 1 to widen")
    clip = ctx.clip(args.target)
    if clip.channels == 1:
        if args.width < 1:
            raise ToolInputError(f"{args.target} is already mono: there is no stereo image to narrow")
        raise ToolInputError(f"{args.target} is mono, so there is no stereo image to widen; add width with "
                             "chorus or reverb instead")
    start, end = apply_effect(args, ctx, lambda x, sr: mid_side_width(x, args.width),
                              label=f"stereo width {args.width:g}")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"stereo width x{args.width:g} on {args.target} ({start:.2f}–{end:.2f}s)")


def _words(a: dict) -> str:
    return f"stereo width ×{a.get('width', 1):g}"


SPEC = ToolSpec(name="stereo_width", Args=StereoWidthArgs, Result=EffectResult, fn=stereo_width, words=_words, restemmable=True)
