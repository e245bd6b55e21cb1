"""`inpaint`: regenerate a time range (seconds or bars) so that it joins both sides seamlessly.

Backends: ``symbolic`` (sessions written by ``generate``: the notes in the bars are recomposed under
the same chords, tempo and groove, re-rendered, and spliced in), ``musicgen`` (mix-only audio sessions:
MusicGen continues from the audio before the range and crossfades into the audio after it) and
``similarity`` (any audio session: the best-matching beat-aligned material from elsewhere in the piece).
Every sample outside the range stays bit-identical; the joins are crossfaded inside the range.

The helpers below (session kind, backend choice, beat grid, symbolic re-render) are shared with
``continue`` (``continuation.py``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.core.timing import meter_beats
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

Backend = Literal["auto", "symbolic", "musicgen", "similarity"]
BACKEND_FIELD = Field("auto", description="auto (symbolic for composed sessions, else MusicGen when its weights "
                                          "are installed and the session is one mixed track, else similarity), "
                                          "symbolic, musicgen or similarity.")
SPLICE_IN_MS = 10.0  # symbolic: the re-render equals the old audio at the start, a short fade is enough
SPLICE_OUT_MS = 30.0
RESIDUAL_NOTE = 0.02  # relative misfit above which a stem was changed since it was rendered


class InpaintArgs(ToolArgs):
    start_s: float | None = Field(None, ge=0, le=7200, description="Start of the range to regenerate, seconds.")
    end_s: float | None = Field(None, gt=0, le=7200, description="End of the range, seconds.")
    start_bar: int | None = Field(None, ge=1, le=2000, description="First bar to regenerate (1-based); needs a "
                                                                    "known tempo. Alternative to start_s.")
    end_bar: int | None = Field(None, ge=1, le=2000, description="Last bar to regenerate, inclusive "
                                                                  "(default: start_bar).")
    instruction: str | None = Field(None, max_length=200, description="What goes there, e.g. 'drum fill', "
                                    "'breakdown', 'build', 'sparser'; omit for a fresh take in the same style.")
    stems: list[str] | None = Field(None, max_length=16, description="Only these stems change, e.g. ['drums'] "
                                                                      "(default: every stem).")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Same seed, same take; omit for a new take.")
    backend: Backend = BACKEND_FIELD

    @model_validator(mode="after")
    def _range(self):
        secs = self.start_s is not None or self.end_s is not None
        bars = self.start_bar is not None or self.end_bar is not None
        if secs and bars:
            raise ToolInputError("give the range in seconds (start_s, end_s) or in bars (start_bar, end_bar), "
                                 "not a mix of both")
        if bars and self.start_bar is None:
            raise ToolInputError("end_bar needs a start_bar")
        if not bars and (self.start_s is None or self.end_s is None):
            raise ToolInputError("inpaint needs a range: start_s and end_s, or start_bar (and end_bar)")
        if self.end_bar is not None and self.end_bar < self.start_bar:
            raise ToolInputError(f"end_bar {self.end_bar} is before start_bar {self.start_bar}")
        if self.end_s is not None and self.start_s is not None and self.end_s <= self.start_s:
            raise ToolInputError(f"end_s {self.end_s} must be after start_s {self.start_s}")
        return self


class InpaintResult(BaseModel):
    backend: str
    start_s: float
    end_s: float
    start_bar: int | None
    end_bar: int | None
    changed: list[str]  # stems (or 'mix') whose audio changed inside the range
    seed: int | None
    summary: str


def inpaint(args: InpaintArgs, ctx: ToolContext) -> InpaintResult:
    """Regenerate a time range (seconds or bars) so it joins both sides seamlessly, optionally following an instruction.

    Use it for "redo bar 5", "put a drum fill in bar 8", "make bars 9–12 a breakdown", "that glitch at
    0:42, replace it". `stems` limits the change to named stems. Outside the range nothing changes.
    """
    kind = choose_backend(ctx, args.backend)
    if kind == "symbolic":
        return _inpaint_symbolic(args, ctx)
    mix = ctx.clip("mix")
    targets = audio_targets(ctx, args.stems)  # checked before any analysis
    start, end = ctx.resolve_range(args.start_s, args.end_s, args.start_bar,
                                   args.end_bar if args.end_bar is not None else args.start_bar)
    if kind == "musicgen":
        from bandmate.tools.backends.audio_fill import musicgen_inpaint

        seed = args.seed if args.seed is not None else default_seed(ctx, 0)
        out = musicgen_inpaint(musicgen_model(ctx), mix, start, end, prompt=musicgen_prompt(ctx, args.instruction),
                               seed=seed)
        ctx.set_clip("mix", out)
        return InpaintResult(backend=kind, start_s=start, end_s=end, start_bar=args.start_bar,
                             end_bar=args.end_bar, changed=["mix"], seed=seed,
                             summary=f"MusicGen regenerated {start:.2f}–{end:.2f}s from the audio before it "
                                     f"(seed {seed}), crossfaded into the audio after it")
    return _inpaint_similarity(args, ctx, mix, start, end, targets)


def _inpaint_similarity(args: InpaintArgs, ctx: ToolContext, mix: Clip, start: float, end: float,
                        targets: list[str]) -> InpaintResult:
    from bandmate.tools.backends.audio_fill import plan_fill, similarity_fill

    beats = session_beats(ctx, mix)
    bpb = meter_beats(ctx.state.time_signature)
    plan = plan_fill(mix, start, end, beats_s=beats, beats_per_bar=bpb)
    for name in targets:
        ctx.set_clip(name, similarity_fill(ctx.clip(name), start, end, beats_s=beats, plan=plan))
    bars = abs(plan.shift_beats) / bpb
    where = "later" if plan.shift_beats > 0 else "earlier"
    unused = (f"; the instruction {args.instruction!r} needs the symbolic or MusicGen backend, so it was not "
              "followed") if args.instruction else ""
    return InpaintResult(backend="similarity", start_s=start, end_s=end, start_bar=args.start_bar,
                         end_bar=args.end_bar, changed=targets, seed=None,
                         summary=f"replaced {start:.2f}–{end:.2f}s on {', '.join(targets)} with the best-matching "
                                 f"material {bars:g} bars {where}, aligned to the beat grid{unused}")


def _inpaint_symbolic(args: InpaintArgs, ctx: ToolContext) -> InpaintResult:
    from bandmate.tools.backends.audio_fill import splice
    from bandmate.tools.backends.composer import compose_range

    arr = load_arrangement(ctx)
    if args.start_bar is None:  # seconds are checked against the audio as on the other backends
        ctx.resolve_range(args.start_s, args.end_s)
    first, last = _bars_of(args, arr)
    t0, t1 = bar_span(arr, first, last)
    seed = args.seed if args.seed is not None else default_seed(ctx, arr.controls.seed)
    fresh = compose_range(arr.controls, first, last, instruction=args.instruction, seed=seed)
    names = symbolic_targets(ctx, arr, args.stems)
    notes = []
    for name in names:
        old = current_part(ctx, arr, name)
        window = fresh.parts[name].notes if name in fresh.parts else _part_window(old, arr, first, last, args, seed)
        merged = replace_notes(old, window, t0, t1)
        stored = ctx.clip(name)
        raw, gain, misfit = rerender(ctx, old, merged, stored.duration_s, stored)
        a, b = stored.frame_at(t0), min(stored.frame_at(t1), stored.frames)
        clip = splice(stored, raw[:, a:b] * gain, t0, t1, fade_in_ms=SPLICE_IN_MS, fade_out_ms=SPLICE_OUT_MS,
                      label=f"inpaint bars {first}-{last}")
        store_part(ctx, merged, clip)
        arr.parts[name] = merged
        if misfit > RESIDUAL_NOTE:
            notes.append(f"{name} was processed after it was rendered (misfit {misfit:.0%}); that processing "
                         "is not re-applied inside the range")
    ctx.set_asset("json:arrangement", arr.to_bytes())
    what = f"as a {args.instruction!r}" if args.instruction else "as a new take"
    summary = (f"recomposed bars {first}–{last} ({t0:.2f}–{t1:.2f}s) of {', '.join(names)} {what} over the same "
               f"chords at {arr.controls.tempo_bpm:g} BPM (seed {seed}); outside the bars nothing changed")
    return InpaintResult(backend="symbolic", start_s=round(t0, 6), end_s=round(t1, 6), start_bar=first, end_bar=last,
                         changed=names, seed=seed, summary="; ".join([summary, *notes]))


def _bars_of(args: InpaintArgs, arr) -> tuple[int, int]:
    n = len(arr.downbeats_s)
    if args.start_bar is not None:
        first, last = args.start_bar, args.end_bar if args.end_bar is not None else args.start_bar
    else:
        downs = np.asarray(arr.downbeats_s)
        first = int(np.searchsorted(downs, args.start_s + 1e-6, side="right"))
        last = int(np.searchsorted(downs, args.end_s - 1e-6, side="left"))
        first, last = max(1, first), max(1, last)
    if last > n:
        raise ToolInputError(f"bars {first}–{last} run past the end of this {n}-bar piece; use continue to "
                             "make it longer")
    return first, max(first, last)


def _part_window(old, arr, first: int, last: int, args: InpaintArgs, seed: int):
    """Notes for a part the arrangement's instrument list does not name (added later by add_stem)."""
    from bandmate.tools.backends.composer import compose_part

    part = compose_part(old.instrument or old.name, arr.controls, start_bar=first, end_bar=last,
                        style=old.style or None, seed=seed, instruction=args.instruction, stem=old.name)
    return part.notes


# ---- shared with `continue` ---------------------------------------------------------------------------
def is_symbolic(ctx: ToolContext) -> bool:
    return bool(ctx.state.symbolic) and ctx.asset("json:arrangement") is not None


def musicgen_available(ctx: ToolContext) -> bool:
    from bandmate.tools.backends.musicgen import resolve_checkpoint

    try:
        resolve_checkpoint(ctx.settings.musicgen)
    except BackendUnavailable:
        return False
    return True


def choose_backend(ctx: ToolContext, requested: str) -> str:
    symbolic = is_symbolic(ctx)
    if requested == "symbolic" and not symbolic:
        raise ToolInputError("backend='symbolic' needs a composed session (made by generate, with its notes); "
                             "this one is audio only. Use backend='similarity' or 'musicgen', or 'auto'")
    if requested == "musicgen" and ctx.has_stems:
        raise ToolInputError(f"MusicGen writes one mixed track, but this session has stems "
                             f"({', '.join(ctx.stem_names())}); use backend='similarity' (it moves every stem "
                             "together) or 'symbolic' for composed sessions")
    if requested != "auto":
        return requested
    if symbolic:
        return "symbolic"
    if not ctx.has_stems and musicgen_available(ctx):
        return "musicgen"
    return "similarity"


def musicgen_model(ctx: ToolContext):
    from bandmate.tools.backends.musicgen import load_musicgen

    return ctx.backends.get("musicgen", lambda: load_musicgen(ctx.settings))


def musicgen_prompt(ctx: ToolContext, instruction: str | None) -> str:
    st = ctx.state
    bits = [instruction, *st.tags, f"{st.tempo_bpm:g} bpm" if st.tempo_bpm else None, st.key]
    return ", ".join(b for b in bits if b)


def default_seed(ctx: ToolContext, base: int) -> int:
    """A new take per version (so asking twice gives two takes), yet reproducible from the history."""
    return (base + 1 + (ctx.version_id or 0)) % 2**31


def session_beats(ctx: ToolContext, clip: Clip) -> np.ndarray:
    """The session's beat grid: stored beats, else the tempo grid, else beats tracked on ``clip``."""
    from bandmate.tools.backends.audio_fill import beat_grid

    st = ctx.state
    return beat_grid(clip, beats_s=st.beats_s or None, tempo_bpm=st.tempo_bpm, offset_s=st.offset_s)


def audio_targets(ctx: ToolContext, stems: list[str] | None) -> list[str]:
    if not ctx.has_stems:
        if stems:
            raise ToolInputError(f"this session is one mixed track with no stems, so stems={stems} cannot be "
                                 "chosen; omit stems, or run separate first")
        return ["mix"]
    names = ctx.stem_names()
    for s in stems or []:
        if s not in names:
            raise ToolInputError(ctx.unknown_target_message(s))
    return list(stems or names)


def load_arrangement(ctx: ToolContext):
    from bandmate.tools.backends.composer import Arrangement

    return Arrangement.from_json(ctx.asset("json:arrangement"))


def symbolic_targets(ctx: ToolContext, arr, stems: list[str] | None) -> list[str]:
    names = [n for n in ctx.stem_names() if n in arr.parts]
    for s in stems or []:
        if s not in names:
            raise ToolInputError(f"no composed stem {s!r}; the composed stems are {', '.join(names)}")
    return list(stems or names)


def current_part(ctx: ToolContext, arr, name: str):
    """The stem's notes as last stored (``notes:<stem>``, kept up to date by every symbolic edit)."""
    from bandmate.tools.backends.composer import Part

    data = ctx.asset(f"notes:{name}")
    return Part.from_json(data) if data is not None else arr.parts[name]


def bar_span(arr, first: int, last: int) -> tuple[float, float]:
    """Seconds from the downbeat of ``first`` to the downbeat after ``last`` (the grid end for the last bar)."""
    downs = arr.downbeats_s
    end = downs[last] if last < len(downs) else arr.duration_s
    return downs[first - 1], end


def replace_notes(old, window: list, t0: float, t1: float):
    """``old`` with the notes starting in ``t0..t1`` swapped for ``window``."""
    from bandmate.tools.backends.composer import Part
    from bandmate.tools.backends.composer.parts import tidy

    kept = [n for n in old.notes if not t0 - 1e-6 <= n.start_s < t1 - 1e-6]
    return Part(old.name, old.program, old.is_drum, tidy([*kept, *window]), old.role, old.instrument, old.style)


def rerender(ctx: ToolContext, old, new, duration_s: float, stored: Clip) -> tuple[np.ndarray, float, float]:
    """``new`` rendered unlevelled, the gain that maps the old notes' render onto the stored stem, and the
    relative misfit of that mapping (large when the stem was processed after it was rendered)."""
    from bandmate.tools.backends.render import render_part
    from bandmate.tools.generate import renderer_for

    sr = stored.sample_rate
    renderer = renderer_for(ctx, sr)
    ref = render_part(old, sample_rate=sr, duration_s=stored.duration_s, settings=ctx.settings, level=False,
                      renderer=renderer).with_channels(stored.channels).samples.astype(np.float64)
    s = stored.samples.astype(np.float64)
    gain = float((ref * s).sum() / max((ref * ref).sum(), 1e-12))
    misfit = float(np.linalg.norm(s - gain * ref) / max(np.linalg.norm(s), 1e-12))
    raw = render_part(new, sample_rate=sr, duration_s=duration_s, settings=ctx.settings, level=False,
                      renderer=renderer).with_channels(stored.channels).samples
    return raw, gain, misfit


def store_part(ctx: ToolContext, part, clip: Clip) -> None:
    from bandmate.tools.generate import stage_part

    stage_part(ctx, part, clip)


SPEC = ToolSpec(name="inpaint", Args=InpaintArgs, Result=InpaintResult, fn=inpaint, category="music",
                replayable=False, separates_first=True, stacks=False)
