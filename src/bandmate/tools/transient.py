"""`transient`: a transient shaper that makes hits snap harder (or softer) and their ring shorter (or longer).

Conventions: gains in dB; the level is followed on 1 ms frames of the mono power. Two one-pole smoothers
of that level in dB, a fast one (1.5 ms) and a slow one (25 ms), disagree only where the level moves:
at an onset the fast one rises first (fast − slow > 0: the attack), while a note decays it falls first
(fast − slow < 0: the sustain). The gain is ``attack_db`` scaled by how far the attack difference has got
towards ``RANGE_DB`` plus the same for ``sustain_db``, so it depends on the shape of each hit and not on
its level (unlike a compressor, whose gain reduction from one hit leaks into the attack of the next in
dense drum parts). Frames more than 60 dB under the loudest one are left alone (no pumping of noise).
The gain is interpolated back to every sample; with ``level_match`` the RMS is kept as it was.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from bandmate.core.errors import ToolInputError
from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec

FRAME_S = 0.001
FAST_MS, SLOW_MS = 1.5, 25.0
RANGE_DB = 6.0  # a level difference this large gets the full attack or sustain gain
GATE_DB = 60.0


class TransientArgs(RangeArgs):
    attack_db: float = Field(6, ge=-12, le=12, description="Gain on the first few ms of every hit in dB: "
                                                          "+ punchier, snappier; - softer, rounder.")
    sustain_db: float = Field(0, ge=-12, le=12, description="Gain on the ring after each hit in dB: - tighter, "
                                                            "drier hits; + longer ring, more body.")
    level_match: bool = Field(True, description="Keep the RMS level the same, so the change is the shape of "
                                                "the hits, not loudness.")


def _smooth(level_db: np.ndarray, time_ms: float) -> np.ndarray:
    from scipy.signal import lfilter

    a = float(np.exp(-FRAME_S * 1000.0 / time_ms))
    return lfilter([1.0 - a], [1.0, -a], level_db, zi=[level_db[0] * a])[0]


def shape_transients(x: np.ndarray, sample_rate: int, *, attack_db: float, sustain_db: float,
                     level_match: bool = True) -> np.ndarray:
    """``x`` (channels, frames) with its attacks and sustains raised or lowered; see the module docstring."""
    if x.ndim != 2:
        raise ToolInputError(f"expected audio shaped (channels, frames), got shape {x.shape}")
    hop = max(1, round(sample_rate * FRAME_S))
    frames = x.shape[1]
    if frames < 2 * hop or not np.any(x):
        return x.astype(np.float32)
    power = np.mean(x.astype(np.float64) ** 2, axis=0)
    n = -(-frames // hop)
    padded = np.zeros(n * hop)
    padded[:frames] = power
    level = 10 * np.log10(np.maximum(padded.reshape(n, hop).mean(axis=1), 1e-12))
    diff = _smooth(level, FAST_MS) - _smooth(level, SLOW_MS)
    gain_db = attack_db * np.clip(diff / RANGE_DB, 0, 1) + sustain_db * np.clip(-diff / RANGE_DB, 0, 1)
    gain_db = np.where(level > level.max() - GATE_DB, gain_db, 0.0)
    per_sample = np.interp(np.arange(frames), (np.arange(n) + 0.5) * hop, gain_db)
    y = x * (10 ** (per_sample / 20))[None, :]
    if level_match:
        rms_in, rms_out = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))), float(np.sqrt(np.mean(y**2)))
        if rms_out > 1e-12:
            y = y * (rms_in / rms_out)
    return y.astype(np.float32)


def transient(args: TransientArgs, ctx: ToolContext) -> EffectResult:
    """Shape the hits of drums, bass or plucked parts: more attack = punchier/snappier, less sustain = tighter.

    Use it for "punchier drums", "more snap on the snare", "more attack", "shorter, tighter hits"
    (attack_db > 0, sustain_db < 0), or "softer, rounder hits" (attack_db < 0). Unlike a compressor it
    works the same on loud and quiet hits. Loudness is kept the same unless level_match is false.
    """
    text = f"attack {args.attack_db:+g} dB, sustain {args.sustain_db:+g} dB" + (
        ", level-matched" if args.level_match else "")
    start, end = apply_effect(
        args, ctx, lambda x, sr: shape_transients(x, sr, attack_db=args.attack_db, sustain_db=args.sustain_db,
                                                  level_match=args.level_match),
        label=f"transient {text}")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"transient shaper on {args.target} ({start:.2f}–{end:.2f}s): {text}")


def _words(a: dict) -> str:
    parts = [f"{a.get('attack_db', 6):+g} dB on the attacks"]
    if a.get("sustain_db"):
        parts.append(f"{a['sustain_db']:+g} dB on the ring")
    return "transient shaping, " + ", ".join(parts)


# attack_db/sustain_db are not level_args: shaping twice is not the sum of the two (a follow-up "more" redoes
# the turn bigger instead of stacking a second shaper)
SPEC = ToolSpec(name="transient", Args=TransientArgs, Result=EffectResult, fn=transient, words=_words,
                restemmable=True)
