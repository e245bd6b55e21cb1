"""`continue`: make the session longer by N seconds or bars in the same style, tempo, key and chords.

(The module is ``continuation`` because ``continue`` is a Python keyword; the tool is named ``continue``.)
Backends as for ``inpaint``: ``symbolic`` writes the next bars with the composer (same seed, chords
cycling on) and renders them; ``musicgen`` continues a mixed track from its last seconds; ``similarity``
extends with the piece's own bars, chosen where the music before them best matches the ending.
Everything before the join stays bit-identical (for composed sessions the join is the end of the bar
grid, where the old release tail is replaced by the new bars).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, Field, model_validator

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.timing import meter_beats
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.inpaint import (
    BACKEND_FIELD,
    RESIDUAL_NOTE,
    SPLICE_IN_MS,
    Backend,
    audio_targets,
    choose_backend,
    current_part,
    default_seed,
    load_arrangement,
    musicgen_model,
    musicgen_prompt,
    replace_notes,
    rerender,
    session_beats,
    store_part,
)
from bandmate.tools.spec import ToolSpec

TAIL_S = 1.0  # composed sessions keep this much release after the bar grid (as generate does)


class ContinueArgs(ToolArgs):
    seconds: float | None = Field(None, gt=0, le=120, description="How much longer, in seconds (composed "
                                                                    "sessions round up to whole bars).")
    bars: int | None = Field(None, ge=1, le=64, description="How much longer, in bars. Alternative to seconds.")
    instruction: str | None = Field(None, max_length=200, description="How the new part should go, e.g. "
                                    "'build', 'breakdown', 'busier'; omit to carry on in the same style.")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Same seed, same continuation.")
    backend: Backend = BACKEND_FIELD

    @model_validator(mode="after")
    def _one_length(self):
        if (self.seconds is None) == (self.bars is None):
            raise ToolInputError("give the extra length as seconds or as bars (exactly one of them)")
        return self


class ContinueResult(BaseModel):
    backend: str
    added_s: float
    added_bars: int | None
    old_duration_s: float
    duration_s: float
    changed: list[str]
    summary: str


def continue_session(args: ContinueArgs, ctx: ToolContext) -> ContinueResult:
    """Make the music longer by N seconds or bars, carrying on in the same style, tempo, key and chords.

    Use it for "keep going for 8 more bars", "extend it by 20 seconds", "add 4 bars that build". What
    is already there does not change.
    """
    kind = choose_backend(ctx, args.backend)
    if kind == "symbolic":
        return _continue_symbolic(args, ctx)
    mix = ctx.clip("mix")
    beats = session_beats(ctx, mix) if kind == "similarity" or args.bars is not None else None
    bpb = meter_beats(ctx.state.time_signature)
    added = args.seconds if args.seconds is not None else args.bars * bpb * _beat_s(ctx, beats)
    if kind == "musicgen":
        from bandmate.tools.backends.audio_fill import musicgen_continue

        seed = args.seed if args.seed is not None else default_seed(ctx, 0)
        out = musicgen_continue(musicgen_model(ctx), mix, added, prompt=musicgen_prompt(ctx, args.instruction),
                                seed=seed)
        ctx.set_clip("mix", out)
        _extend_grid(ctx, out.duration_s)
        return _audio_result(kind, args, mix, out.duration_s, ["mix"], f"MusicGen continued the last seconds "
                                                                       f"(seed {seed})")
    from bandmate.tools.backends.audio_fill import plan_continue, similarity_continue

    plan = plan_continue(mix, beats_s=beats, beats_per_bar=bpb)
    targets = audio_targets(ctx, None)
    for name in targets:
        ctx.set_clip(name, similarity_continue(ctx.clip(name), added, beats_s=beats, plan=plan))
    _extend_grid(ctx, mix.duration_s + added)
    unused = (f"; the instruction {args.instruction!r} needs the symbolic or MusicGen backend, so it was not "
              "followed") if args.instruction else ""
    how = f"with the piece's own bars, from {abs(plan.shift_beats) / bpb:g} bars back, on the same beat grid"
    return _audio_result("similarity", args, mix, mix.duration_s + added, targets, how + unused)


def _continue_symbolic(args: ContinueArgs, ctx: ToolContext) -> ContinueResult:
    from bandmate.tools.backends.audio_fill import splice
    from bandmate.tools.backends.composer import compose_range

    arr = load_arrangement(ctx)
    c = arr.controls
    if c.beat_times_s:
        raise ToolInputError("this composition follows measured beat times, which end where the recording "
                             "ends; continue it with backend='similarity' (or 'musicgen' on a mixed track)")
    old_bars = len(arr.downbeats_s)
    n = args.bars if args.bars is not None else max(1, math.ceil(args.seconds / c.bar_s - 1e-6))
    seed = args.seed if args.seed is not None else c.seed  # the same seed carries the same style on
    fresh = compose_range(c, old_bars + 1, old_bars + n, instruction=args.instruction, seed=seed)
    t_join = arr.duration_s
    arr.controls = c.model_copy(update={"bars": old_bars + n, "duration_s": None})
    arr.chords, arr.beats_s = _join_chords(arr.chords, fresh.chords), [*arr.beats_s, *fresh.beats_s]
    arr.downbeats_s = [*arr.downbeats_s, *fresh.downbeats_s]
    total = arr.duration_s + TAIL_S
    changed, notes = [], []
    for name in ctx.stem_names():
        stored = ctx.clip(name)
        if name not in arr.parts:  # a stem with no notes (e.g. recorded audio) simply ends
            ctx.set_clip(name, stored.replace(_fit(stored.samples, round(total * stored.sample_rate)), "pad"))
            notes.append(f"{name} has no notes, so it stays silent in the new bars")
            continue
        old = current_part(ctx, arr, name)
        new_notes = fresh.parts[name].notes if name in fresh.parts else []
        merged = replace_notes(old, new_notes, t_join, float("inf"))
        raw, gain, misfit = rerender(ctx, old, merged, total, stored)
        base = stored.replace(_fit(stored.samples, raw.shape[1]), "extend")
        clip = splice(base, raw[:, base.frame_at(t_join):] * gain, t_join, base.duration_s,
                      fade_in_ms=SPLICE_IN_MS, fade_out_ms=0.0, label=f"continue +{n} bars")
        store_part(ctx, merged, clip)
        arr.parts[name] = merged
        changed.append(name)
        if misfit > RESIDUAL_NOTE:
            notes.append(f"{name} was processed after it was rendered (misfit {misfit:.0%}); the new bars are "
                         "unprocessed")
    ctx.set_asset("json:arrangement", arr.to_bytes())
    _state_from(ctx, arr)
    added = arr.duration_s - t_join
    how = f"as a {args.instruction!r}" if args.instruction else "in the same style"
    summary = (f"added {n} bars ({added:.2f}s) {how} at {c.tempo_bpm:g} BPM in {c.key}, chords "
               f"{' – '.join(lab for _, _, lab in fresh.chords[:8])} (seed {seed})")
    return ContinueResult(backend="symbolic", added_s=round(added, 6), added_bars=n, old_duration_s=round(t_join, 6),
                          duration_s=round(arr.duration_s, 6), changed=changed, summary="; ".join([summary, *notes]))


def _join_chords(old: list, new: list) -> list:
    out = list(old)
    for s, e, lab in new:
        if out and out[-1][2] == lab and abs(out[-1][1] - s) < 1e-6:
            out[-1] = (out[-1][0], e, lab)
        else:
            out.append((s, e, lab))
    return out


def _state_from(ctx: ToolContext, arr) -> None:
    from bandmate.memory.state import ChordSpan

    ctx.state.chords = [ChordSpan(start_s=s, end_s=e, label=lab) for s, e, lab in arr.chords]
    ctx.state.beats_s = list(arr.beats_s)
    ctx.state.downbeats_s = list(arr.downbeats_s)


def _beat_s(ctx: ToolContext, beats: np.ndarray | None) -> float:
    if ctx.state.tempo_bpm:
        return 60.0 / ctx.state.tempo_bpm
    if beats is None or len(beats) < 2:
        raise ToolInputError("this session does not know its tempo, so bars cannot be counted; give seconds "
                             "or run analyze first")
    return float(np.median(np.diff(beats)))


def _extend_grid(ctx: ToolContext, duration_s: float) -> None:
    """Carry stored beats and downbeats on at their spacing to the new end (chords need analyze)."""
    st = ctx.state
    for name in ("beats_s", "downbeats_s"):
        times = list(getattr(st, name))
        if len(times) >= 2:
            step = float(np.median(np.diff(times)))
            while times[-1] + step < duration_s:
                times.append(round(times[-1] + step, 6))
            setattr(st, name, times)


def _audio_result(kind: str, args: ContinueArgs, mix: Clip, total: float, changed: list[str],
                  how: str) -> ContinueResult:
    added = total - mix.duration_s
    return ContinueResult(backend=kind, added_s=round(added, 6), added_bars=args.bars,
                          old_duration_s=round(mix.duration_s, 6), duration_s=round(total, 6), changed=changed,
                          summary=f"extended {mix.duration_s:.2f}s by {added:.2f}s {how}")


def _fit(x: np.ndarray, frames: int) -> np.ndarray:
    if x.shape[1] >= frames:
        return x[:, :frames]
    return np.pad(x, ((0, 0), (0, frames - x.shape[1])))


SPEC = ToolSpec(name="continue", Args=ContinueArgs, Result=ContinueResult, fn=continue_session, category="music",
                replayable=False, separates_first=True, stacks=False)
