"""`trim`: keep only a time range; with stems, every stem is cut the same way and the timeline follows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.memory.state import ChordSpan, StateTable
from bandmate.tools.apply import resolve_args_range, targets_of
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec

EDGE_FADE_MS = 5.0  # a cut inside the audio gets this short fade so it does not click


class TrimArgs(RangeArgs):
    pass


class TrimResult(EffectResult):
    duration_before_s: float
    duration_s: float


def remap_state_times(state: StateTable, mapping: Callable[[float], float], duration_s: float) -> None:
    """Move beats, downbeats and chords through ``mapping`` (old seconds -> new), dropping what falls outside."""
    eps = 1e-6
    state.beats_s = [round(mapping(t), 6) for t in state.beats_s if -eps <= mapping(t) < duration_s + eps]
    state.downbeats_s = [round(mapping(t), 6) for t in state.downbeats_s
                         if -eps <= mapping(t) < duration_s + eps]
    chords = []
    for span in state.chords:
        s, e = max(0.0, mapping(span.start_s)), min(duration_s, mapping(span.end_s))
        if e - s > eps:
            chords.append(ChordSpan(start_s=round(s, 6), end_s=round(e, 6), label=span.label))
    state.chords = chords


def cut(clip: Clip, a: int, b: int, frames: int) -> Clip:
    """Frames a..b of ``clip`` padded to ``frames`` first (stems stay aligned), with short fades at inner cuts."""
    x = clip.padded(frames)[:, a:b].copy()
    n = max(1, min(int(EDGE_FADE_MS * clip.sample_rate / 1000), (b - a) // 2))
    ramp = np.linspace(0, 1, n + 2, dtype=np.float32)[1:-1]
    if a > 0:
        x[:, :n] *= ramp
    if b < frames:
        x[:, -n:] *= ramp[::-1]
    return clip.replace(x, f"trim {a / clip.sample_rate:.3f}-{b / clip.sample_rate:.3f}s")


def check_whole_session_target(target: str, ctx: ToolContext, tool: str) -> None:
    """Length-changing tools work on the whole session: a single stem would fall out of time with the rest."""
    ctx.clip(target)  # an unknown stem gets the usual message
    if target != "mix":
        raise ToolInputError(f"{tool} changes the length, so it cannot apply to the stem {target!r} alone "
                             f"(it would drift out of time with the other stems); use target='mix' to {tool} "
                             "the whole session")


def _asked(args: TrimArgs) -> str:
    fields = ("start_s", "end_s", "start_bar", "end_bar")
    return " ".join(f"{f}={getattr(args, f):g}" for f in fields if getattr(args, f) is not None)


def trim(args: TrimArgs, ctx: ToolContext) -> TrimResult:
    """Cut the song down to a time range (start_s/end_s or start_bar/end_bar), dropping everything outside it.

    Use it for "cut the intro", "keep only bars 5–12", "chop the last 2 seconds", "shorten it". The whole
    session is trimmed (every stem, chords and beats move with it); to silence part of one stem use fade or gain.
    """
    check_whole_session_target(args.target, ctx, "trim")
    if not args.has_range:
        raise ToolInputError("trim needs the part to keep: give start_s and/or end_s (seconds) or "
                             "start_bar and/or end_bar")
    mix = ctx.clip("mix")
    start, end = resolve_args_range(args, ctx, mix.duration_s)
    a, b = mix.frame_at(start), min(mix.frames, mix.frame_at(end))
    if a == 0 and b >= mix.frames:
        raise ToolInputError(f"trim {_asked(args)} keeps the whole {mix.duration_s:.2f}s piece, so nothing would "
                             f"be cut; give a range inside 0–{mix.duration_s:.2f}s")
    if b - a < int(0.05 * mix.sample_rate):
        raise ToolInputError(f"trim would keep only {(b - a) / mix.sample_rate * 1000:.0f} ms "
                             f"({start:.3f}–{end:.3f}s); keep at least 50 ms")
    frames = max([mix.frames] + [ctx.clip(n).frames for n in ctx.stem_names()])
    for name in targets_of("mix", ctx, every_stem=True):
        ctx.set_clip(name, cut(ctx.clip(name), a, b, frames))
    new_duration = (b - a) / mix.sample_rate
    remap_state_times(ctx.state, lambda t: t - start, new_duration)
    if ctx.state.tempo_bpm:
        bar_s = 60.0 / ctx.state.tempo_bpm * ctx.grid().beats_per_bar
        ctx.state.offset_s = round((ctx.state.offset_s - start) % bar_s, 6)
    return TrimResult(target="mix", start_s=start, end_s=end, duration_before_s=mix.duration_s,
                      duration_s=new_duration,
                      summary=f"kept {start:.2f}–{end:.2f}s: {mix.duration_s:.2f}s -> {new_duration:.2f}s")


SPEC = ToolSpec(name="trim", Args=TrimArgs, Result=TrimResult, fn=trim, stacks=False)
