"""`limiter`: a transparent look-ahead peak limiter (numpy).

Why not pedalboard's ``Limiter``: it is JUCE's two-stage design with a fixed 4:1 stage above -10 dBFS
and a fixed make-up gain, so it changes material that never reaches the threshold. This one leaves
every sample below the threshold exactly alone and guarantees sample peaks at or below it.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec

LOOKAHEAD_MS = 5.0
BLOCK = 32  # the release runs per block of samples: a Python loop per sample would be too slow


class LimiterArgs(RangeArgs):
    threshold_db: float = Field(-1, ge=-30, le=0, description="Ceiling in dBFS: no sample peak goes above it.")
    release_ms: float = Field(100, ge=1, le=1000, description="How fast gain recovers after a peak, in ms; "
                                                             "short is louder but can pump or distort.")


def limit(x: np.ndarray, sample_rate: int, *, threshold_db: float, release_ms: float,
          peak: np.ndarray | None = None) -> np.ndarray:
    """Peak-limit ``x`` (channels, frames) to ``threshold_db`` with look-ahead and smooth release.

    ``peak``: the level to keep under the threshold per frame (default: the sample peak over channels;
    the level-safety stage passes a true-peak envelope).
    """
    from numpy.lib.stride_tricks import sliding_window_view

    thr = 10 ** (threshold_db / 20)
    peak = np.abs(x).max(axis=0) if peak is None else peak
    if peak.max() <= thr:
        return x
    need = np.minimum(1.0, thr / np.maximum(peak, 1e-12))
    n = need.size
    nb = -(-n // BLOCK)
    blocks = np.pad(need, (0, nb * BLOCK - n), constant_values=1.0).reshape(nb, BLOCK).min(axis=1)
    look = max(1, int(LOOKAHEAD_MS * sample_rate / 1000 / BLOCK))
    # h[b] covers blocks b-1 .. b+look: the gain at block b's start also bounds the previous block,
    # since the per-sample gain interpolates linearly between block starts
    padded = np.pad(blocks, (1, look), constant_values=1.0)
    h = sliding_window_view(padded, look + 2).min(axis=1)
    # a trailing mean over `look` blocks of h never exceeds the need at b: a smooth, early attack
    c = np.concatenate([[0.0], np.cumsum(np.pad(h, (look - 1, 0), mode="edge"))])
    att = (c[look:] - c[:-look]) / look
    g = _release(att, np.exp(-BLOCK / (release_ms / 1000 * sample_rate)))
    pos = np.arange(nb) * BLOCK
    gain = np.interp(np.arange(n), pos, g).astype(np.float32)
    gain = np.minimum(gain, need.astype(np.float32))  # exact ceiling, whatever the interpolation did
    return x * gain


def _release(target: np.ndarray, coef: float) -> np.ndarray:
    g = np.empty_like(target)
    cur = 1.0
    for i, t in enumerate(target.tolist()):
        cur = t if t < cur else t + (cur - t) * coef
        g[i] = cur
    return g


def limiter(args: LimiterArgs, ctx: ToolContext) -> EffectResult:
    """Limit peaks of the mix or a stem to a ceiling (threshold_db) so nothing clips; quieter parts stay untouched.

    Use it for "it clips/distorts", "make it safe for export", or after boosting to stop overs. A lower
    threshold_db flattens more peaks (and lowers the level: follow with gain to win it back). For shaping
    dynamics use compressor.
    """
    text = f"ceiling {args.threshold_db:g} dBFS, release {args.release_ms:g} ms"
    start, end = apply_effect(
        args, ctx, lambda x, sr: limit(x, sr, threshold_db=args.threshold_db, release_ms=args.release_ms),
        label=f"limiter {text}", crossfade_ms=1.0)
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"limiter on {args.target} ({start:.2f}–{end:.2f}s): {text}")


SPEC = ToolSpec(name="limiter", Args=LimiterArgs, Result=EffectResult, fn=limiter)
