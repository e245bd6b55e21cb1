"""Summing stems into the mix: per-stem gain/pan/mute from the state table, then the mix-bus ops.

Mix-bus ops are effect calls that targeted the whole mix while the session had stems; they are kept
on the version and replayed over the new stem sum whenever a stem changes, so stem edits never throw
away mastering moves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.memory.blobs import quantize
from bandmate.memory.state import StateTable


def sum_stems(stems: dict[str, Clip], state: StateTable, sample_rate: int) -> Clip:
    """The stems summed as they are stored (24-bit), so re-summing unchanged stems is bit-identical.

    Summed in float32 in place (one scratch row, no clip-sized temporaries): a stem at 0 dB and centre
    pan is added as it is, since its weight rounds to exactly 1 in float32."""
    stems = {name: quantize(clip) for name, clip in stems.items()}
    frames = max(c.frames for c in stems.values())
    out = np.zeros((2, frames), np.float32)
    scratch = np.empty(frames, np.float32)
    for name, clip in stems.items():
        strip = state.mixer.get(name)
        if strip is not None and strip.mute:
            continue
        x = clip.with_channels(2).padded(frames)
        gain = 10 ** ((strip.gain_db if strip else 0.0) / 20)
        pan = strip.pan if strip else 0.0
        # constant-power pan law, normalised so pan 0 leaves both channels untouched
        theta = (pan + 1) * np.pi / 4
        for ch, side in ((0, np.cos(theta)), (1, np.sin(theta))):
            weight = np.float32(gain * side * np.sqrt(2))
            if weight == 1.0:
                out[ch] += x[ch]
            else:
                out[ch] += np.multiply(x[ch], weight, out=scratch)
    return Clip(out, sample_rate, ("mix of " + ", ".join(stems),))


def render_mix(stems: dict[str, Clip], state: StateTable, bus: list[dict[str, Any]], sample_rate: int,
               registry, settings=None, backends=None) -> Clip:
    """Stem sum followed by the mix-bus ops, replayed in order through their own tool functions."""
    from bandmate.tools.context import ToolContext

    mix = sum_stems(stems, state, sample_rate)
    for op in bus:
        spec = registry[op["tool"]]
        ctx = ToolContext(mix=mix, state=state, settings=settings, backends=backends)
        spec.fn(spec.parse_args(op["args"]), ctx)
        mix = ctx.staged.get("mix", mix)
    return mix
