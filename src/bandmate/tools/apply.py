"""Applying an audio function to a target, optionally only inside a time range.

Inside a range the processed audio is crossfaded in and out over ``crossfade_ms`` (equal-gain
raised-cosine), and every sample outside the range is left bit-identical. Processing runs on the range
plus the effect's tail (``tail_s``) so reverbs and delays ring out naturally after ``end``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bandmate.core.clip import Clip
from bandmate.tools.args import RangeArgs, TargetArgs
from bandmate.tools.context import ToolContext

AudioFn = Callable[[np.ndarray, int], np.ndarray]  # (channels, frames) float32, sample_rate -> same shape


def process_range(clip: Clip, fn: AudioFn, start_s: float, end_s: float, *, crossfade_ms: float = 10.0,
                  tail_s: float = 0.0, label: str = "effect") -> Clip:
    sr = clip.sample_rate
    a, b = clip.frame_at(start_s), min(clip.frames, clip.frame_at(end_s))
    if a == 0 and b == clip.frames:
        y = fn(clip.samples.copy(), sr).astype(np.float32)
        return clip.replace(_fit(y, clip.frames), label)
    fade = max(1, int(crossfade_ms * sr / 1000))
    fade = min(fade, max(1, (b - a) // 2))
    c = min(clip.frames, b + int(tail_s * sr))
    seg = clip.samples[:, a:c].copy()
    y = _fit(fn(seg, sr).astype(np.float32), c - a)
    w = np.zeros(c - a, np.float32)
    w[: b - a] = 1.0
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade, dtype=np.float32))
    if a > 0:
        w[:fade] = ramp
    if b < clip.frames:
        # the wet signal keeps ringing after `end` when there is a tail, fading out over the tail
        tail = c - b
        if tail > fade:
            w[b - a: c - a] = np.linspace(1, 0, tail, dtype=np.float32) ** 2
        else:
            w[b - a - fade: b - a] = ramp[::-1]
    out = clip.samples.copy()
    out[:, a:c] = seg * (1 - w) + y * w
    return clip.replace(out, f"{label} {start_s:.2f}-{end_s:.2f}s")


def _fit(y: np.ndarray, frames: int) -> np.ndarray:
    if y.shape[1] == frames:
        return y
    if y.shape[1] > frames:
        return y[:, :frames]
    return np.pad(y, ((0, 0), (0, frames - y.shape[1])))


def apply_effect(args: TargetArgs, ctx: ToolContext, fn: AudioFn, *, label: str, tail_s: float = 0.0,
                 crossfade_ms: float = 10.0) -> tuple[float, float]:
    """Run ``fn`` on ``args.target`` (mix or stem), in ``args``' range if it has one; stage the result.

    Returns the (start, end) seconds processed.
    """
    clip = ctx.clip(args.target)
    if isinstance(args, RangeArgs):
        start, end = ctx.resolve_range(args.start_s, args.end_s, args.start_bar, args.end_bar,
                                       duration_s=clip.duration_s)
    else:
        start, end = 0.0, clip.duration_s
    ctx.set_clip(args.target, process_range(clip, fn, start, end, crossfade_ms=crossfade_ms,
                                            tail_s=tail_s, label=label))
    return start, end
