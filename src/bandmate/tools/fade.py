"""`fade`: fade in at the start and/or out at the end of the clip or of a range."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from bandmate.core.errors import ToolInputError
from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec

Shape = Literal["linear", "equal_power", "exponential"]


class FadeArgs(RangeArgs):
    fade_in_s: float = Field(0, ge=0, le=60, description="Length of the fade-in at the start, in seconds "
                                                         "(0 = none).")
    fade_out_s: float = Field(0, ge=0, le=60, description="Length of the fade-out at the end, in seconds "
                                                          "(0 = none).")
    shape: Shape = Field("equal_power", description="Curve: 'linear', 'equal_power' (smooth, default), or "
                                                    "'exponential' (slow start, natural-sounding long fades).")


def curve(n: int, shape: Shape) -> np.ndarray:
    """Gain rising from 0 to 1 over ``n`` samples."""
    t = np.linspace(0.0, 1.0, n, dtype=np.float64)
    if shape == "linear":
        g = t
    elif shape == "equal_power":
        g = np.sin(t * np.pi / 2)
    else:
        g = (10 ** (3 * t) - 1) / (10**3 - 1)  # even in dB over the last 60 dB
    return g.astype(np.float32)


def envelope(frames: int, sample_rate: int, fade_in_s: float, fade_out_s: float, shape: Shape) -> np.ndarray:
    """Gain over ``frames`` samples: rising over the first fade_in_s, falling over the last fade_out_s."""
    env = np.ones(frames, np.float32)
    n_in, n_out = int(round(fade_in_s * sample_rate)), int(round(fade_out_s * sample_rate))
    if n_in:
        env[:n_in] *= curve(n_in, shape)
    if n_out:
        env[frames - n_out:] *= curve(n_out, shape)[::-1]
    return env


def fade(args: FadeArgs, ctx: ToolContext) -> EffectResult:
    """Fade the song or a stem in from silence and/or out to silence (at the clip's ends, or a range's ends).

    Use it for "fade out the ending" (fade_out_s=4), "fade in the intro", "let the pad fade in over bars
    1–4" (a range: the fade-in starts at the range start, the fade-out ends at the range end). On the
    mix of a session with stems every stem is faded together.
    """
    if not args.fade_in_s and not args.fade_out_s:
        raise ToolInputError("fade needs fade_in_s and/or fade_out_s above 0 (e.g. fade_out_s=4 for a 4 s "
                             "fade-out at the end)")
    clip = ctx.clip(args.target)
    start, end = ctx.resolve_range(args.start_s, args.end_s, args.start_bar, args.end_bar,
                                   duration_s=clip.duration_s)
    if args.fade_in_s + args.fade_out_s > end - start + 1e-9:
        raise ToolInputError(f"fade_in_s {args.fade_in_s:g} + fade_out_s {args.fade_out_s:g} is longer than "
                             f"the {end - start:.2f}s being faded ({start:.2f}–{end:.2f}s); shorten the fades")
    label = f"fade in {args.fade_in_s:g}s out {args.fade_out_s:g}s {args.shape}"
    sr = clip.sample_rate
    # one envelope on the mix's timeline, so a shorter stem is faded where the mix is
    env = envelope(min(clip.frames, clip.frame_at(end)) - clip.frame_at(start), sr, args.fade_in_s,
                   args.fade_out_s, args.shape)
    # the fades themselves are the transitions, so no extra crossfade at the range edges
    apply_effect(args, ctx, lambda x, rate: x * env[: x.shape[1]], label=label, crossfade_ms=0.0,
                 every_stem=True)
    parts = [f"in {args.fade_in_s:g}s"] if args.fade_in_s else []
    parts += [f"out {args.fade_out_s:g}s"] if args.fade_out_s else []
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"{args.shape} fade {' and '.join(parts)} on {args.target} "
                                f"({start:.2f}–{end:.2f}s)")


def _span(a: dict, start: float, end: float) -> tuple[float, float]:
    """Where a fade changes the audio inside its range: a fade-out alone its last seconds, a fade-in alone its
    first; both, the whole range."""
    fade_in, fade_out = float(a.get("fade_in_s") or 0.0), float(a.get("fade_out_s") or 0.0)
    if fade_out and not fade_in:
        return max(start, end - fade_out), end
    if fade_in and not fade_out:
        return start, min(end, start + fade_in)
    return start, end


SPEC = ToolSpec(name="fade", Args=FadeArgs, Result=EffectResult, fn=fade, stacks=False, span=_span)
