"""Applying an audio function to a target, optionally only inside a time range.

Inside a range the processed audio is crossfaded in and out over ``crossfade_ms`` (equal-gain
raised-cosine, inside the range), and every sample outside the range is left bit-identical. An effect
with a tail (``tail_s``: reverb, delay) hears only the range and rings on after ``end`` over the
untouched original. ``every_stem=True`` turns an edit of the mix of a stemmed session into the same
edit of every stem (for structural edits that must keep stems and mix aligned).
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
    """``clip`` with ``fn`` applied between ``start_s`` and ``end_s``; every sample outside is untouched.

    Without a tail the processed audio is crossfaded in and out of the original. With ``tail_s`` (reverb,
    delay) the effect is fed only the audio inside the range and its output may ring on for ``tail_s``
    after ``end_s`` on top of the original, fading out over the last part of the tail.
    """
    sr = clip.sample_rate
    a, b = clip.frame_at(start_s), min(clip.frames, clip.frame_at(end_s))
    if a == 0 and b == clip.frames:
        y = fn(clip.samples.copy(), sr).astype(np.float32)
        return clip.replace(_fit(y, clip.frames), label)
    fade = min(int(crossfade_ms * sr / 1000), (b - a) // 2)  # 0: the effect brings its own transitions
    c = min(clip.frames, b + int(tail_s * sr))
    seg = clip.samples[:, a:c].copy()
    w = np.zeros(c - a, np.float32)
    w[: b - a] = 1.0
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade + 2, dtype=np.float32)[1:-1])
    if a > 0 and fade:
        w[:fade] = ramp
    if b < clip.frames and fade:
        w[b - a - fade: b - a] = ramp[::-1]
    if c > b:
        # ring-out: the effect hears only the range; its tail is added over the untouched original
        y = _fit(fn(seg * w, sr).astype(np.float32), c - a)
        out_fade = max(1, (c - b) // 4)
        y[:, c - a - out_fade:] *= np.linspace(1, 0, out_fade, dtype=np.float32) ** 2
        mixed = seg * (1 - w) + y
    else:
        y = _fit(fn(seg, sr).astype(np.float32), c - a)
        mixed = seg * (1 - w) + y * w
    out = clip.samples.copy()
    out[:, a:c] = mixed
    return clip.replace(out, f"{label} {start_s:.2f}-{end_s:.2f}s")


def _fit(y: np.ndarray, frames: int) -> np.ndarray:
    if y.shape[1] == frames:
        return y
    if y.shape[1] > frames:
        return y[:, :frames]
    return np.pad(y, ((0, 0), (0, frames - y.shape[1])))


def apply_effect(args: TargetArgs, ctx: ToolContext, fn: AudioFn, *, label: str, tail_s: float = 0.0,
                 crossfade_ms: float = 10.0, every_stem: bool = False) -> tuple[float, float]:
    """Run ``fn`` on ``args.target`` (mix or stem), in ``args``' range if it has one; stage the result.

    With ``every_stem=True`` and target ``'mix'`` on a session that has stems, ``fn`` runs on every stem
    over the same range instead (structural edits such as pitch or fades keep stems and mix aligned;
    the mix is then re-rendered from the stems). Returns the (start, end) seconds processed.
    """
    clip = ctx.clip(args.target)
    start, end = resolve_args_range(args, ctx, clip.duration_s)
    for name in targets_of(args.target, ctx, every_stem=every_stem):
        src = clip if name == args.target else ctx.clip(name)
        if src.frame_at(start) >= src.frames:
            continue  # a stem that ends before the range has nothing to change
        ctx.set_clip(name, process_range(src, fn, start, end, crossfade_ms=crossfade_ms, tail_s=tail_s,
                                         label=label))
    return start, end


def resolve_args_range(args: TargetArgs, ctx: ToolContext, duration_s: float) -> tuple[float, float]:
    """The (start, end) seconds that ``args`` select (the whole clip when they carry no range)."""
    if isinstance(args, RangeArgs):
        return ctx.resolve_range(args.start_s, args.end_s, args.start_bar, args.end_bar, duration_s=duration_s)
    return 0.0, duration_s


def targets_of(target: str, ctx: ToolContext, *, every_stem: bool) -> list[str]:
    """Names to process: every stem for a structural edit of the mix of a stemmed session, else the target."""
    if every_stem and target == "mix" and ctx.has_stems:
        return ctx.stem_names()
    return [target]
