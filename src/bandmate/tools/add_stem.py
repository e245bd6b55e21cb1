"""`add_stem`: write and render a new part (walking bass, strings, brass stabs…) that fits the session."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, Field, model_validator

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.timing import meter_beats
from bandmate.memory.state import StateTable
from bandmate.tools.args import ToolArgs
from bandmate.tools.backends.composer import presets
from bandmate.tools.backends.composer.arrangement import Arrangement, Part
from bandmate.tools.backends.composer.controls import Controls
from bandmate.tools.backends.composer.theory import Key, parse_chord, parse_key
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

MIX_PEAK = 0.89  # −1 dBFS
RESERVED_STEM_NAMES = ("mix",)  # a stem called 'mix' would replace the whole mix


class AddStemArgs(ToolArgs):
    instrument: str = Field(..., min_length=2, max_length=40, description="What to add, as a musician says "
                            "it: 'walking bass', 'strings', 'pad', 'brass', 'organ', 'lead', 'drums', "
                            "'acoustic guitar'…")
    style: str | None = Field(None, max_length=60, description="How it plays, e.g. 'walking', 'sustained', "
                                                               "'stabs', 'arpeggio', 'half-time', 'funk'.")
    name: str | None = Field(None, max_length=40, description="Stem name (default: the instrument's role, "
                                                              "e.g. 'bass', 'strings').")
    start_bar: int | None = Field(None, ge=1, le=2000, description="First bar it plays (1-based).")
    end_bar: int | None = Field(None, ge=1, le=2000, description="Last bar it plays, inclusive.")
    last_bars: int | None = Field(None, ge=1, le=2000, description="Play only in the last N bars "
                                                                   "(e.g. 'strings in the last 4 bars').")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Another seed gives another take.")
    follow_stem: str | None = Field(None, min_length=1, max_length=40, description="Double this stem: play "
                                    "its notes (transcribed from the audio on a recording) with the new "
                                    "instrument, e.g. strings doubling 'vocals' or 'other'.")

    @model_validator(mode="after")
    def _check(self):
        if self.last_bars is not None and (self.start_bar is not None or self.end_bar is not None):
            raise ToolInputError("give last_bars or start_bar/end_bar, not both")
        if self.start_bar is not None and self.end_bar is not None and self.end_bar < self.start_bar:
            raise ToolInputError(f"end_bar {self.end_bar} is before start_bar {self.start_bar}")
        return self


class AddStemResult(BaseModel):
    stem: str
    instrument: str
    role: str
    style: str
    program: int
    start_bar: int
    end_bar: int
    notes: int
    gain_db: float = Field(0.0, description="Level change applied to keep the mix below −1 dBFS.")
    source: str = Field(..., description="'arrangement' (the session's stored notes) or 'state' (tempo, key "
                                         "and chords from analysis); with follow_stem 'written' or "
                                         "'transcribed' (where the doubled notes came from).")
    summary: str


def add_stem(args: AddStemArgs, ctx: ToolContext) -> AddStemResult:
    """Add a new instrument part that fits the session's tempo, key, chords and groove, as its own stem.

    Use it for "add a walking bass", "add strings in the last 4 bars", "put a pad under it". On a
    recording without stems the original audio is kept as the stem 'original'.
    """
    if args.follow_stem:
        return _double(args, ctx)
    inst = presets.instrument(args.instrument)
    controls, bars, arr = session_controls(ctx, harmony=inst.role != "drums")
    stem = _stem_name(args.name, inst.stem, ctx)
    first, last = _window(args, bars)
    from bandmate.tools.backends.composer import compose_part

    part = compose_part(args.instrument, controls, start_bar=first, end_bar=last, style=args.style,
                        seed=args.seed, stem=stem)
    if not part.notes:
        raise ToolInputError(f"the {args.instrument} part has no notes in bars {first}–{last}; widen the range")
    ref = ctx.clip("mix")
    clip = render_like(ctx, part, ref)
    if not ctx.has_stems:
        ctx.set_clip("original", ref.with_channels(2))  # keep the recording: the mix becomes its stems' sum
    clip, gain_db = fit_under(ctx, clip)
    from bandmate.tools.generate import stage_part

    stage_part(ctx, part, clip)
    if arr is not None:
        arr.parts[stem] = part
        arr.controls = arr.controls.model_copy(update={"instruments": [*(arr.controls.instruments or []),
                                                                       args.instrument]})
        ctx.set_asset("json:arrangement", arr.to_bytes())
    where = f"bars {first}–{last}" if (first, last) != (1, bars) else f"all {bars} bars"
    return AddStemResult(stem=stem, instrument=args.instrument, role=part.role, style=part.style or "default",
                         program=part.program, start_bar=first, end_bar=last, notes=len(part.notes),
                         gain_db=round(gain_db, 2), source="arrangement" if arr is not None else "state",
                         summary=f"added {stem!r}: {args.instrument}{' (' + part.style + ')' if part.style else ''}"
                                 f" in {controls.key} at {controls.tempo_bpm:g} BPM, {where}, {len(part.notes)} notes")


def _double(args: AddStemArgs, ctx: ToolContext) -> AddStemResult:
    """A new stem playing another stem's notes (written, or transcribed from a recording)."""
    from bandmate.tools.backends.transcription_parts import revoiced, stem_notes
    from bandmate.tools.generate import stage_part

    notes, source = stem_notes(ctx, args.follow_stem)
    inst = presets.instrument(args.instrument)
    stem = _stem_name(args.name, inst.stem, ctx)
    part = revoiced(notes, args.instrument, stem)
    ref = ctx.clip("mix")
    clip = render_like(ctx, part, ref)
    if not ctx.has_stems:
        ctx.set_clip("original", ref.with_channels(2))
    clip, gain_db = fit_under(ctx, clip)
    stage_part(ctx, part, clip)
    bars = math.ceil(ref.duration_s / ctx.grid().bar_s) if ctx.state.tempo_bpm else 1
    return AddStemResult(stem=stem, instrument=args.instrument, role=part.role, style="doubling", program=part.program,
                         start_bar=1, end_bar=max(1, bars), notes=len(part.notes), gain_db=round(gain_db, 2), source=source,
                         summary=f"added {stem!r}: {args.instrument} doubling {args.follow_stem!r} "
                                 f"({len(part.notes)} {source} notes)")


# ---- shared with replace_stem ----------------------------------------------------------------------
def session_controls(ctx: ToolContext, harmony: bool = True) -> tuple[Controls, int, Arrangement | None]:
    """(resolved controls, number of bars, stored arrangement or None) describing the session's music.

    The stored arrangement is used when it still matches the state (same tempo and key); otherwise the
    state table (from analysis, or after a tempo/pitch change) decides, keeping the arrangement's
    genre and feel. ``harmony=False`` (a drum part) accepts a session with a tempo but no key/chords."""
    st = ctx.state
    data = ctx.asset("json:arrangement")
    arr = Arrangement.from_json(data) if data else None
    duration = ctx.clip("mix").duration_s
    if arr is not None and _matches(arr.controls, st):
        c = arr.controls
        # the session may have grown (continued) past the stored length; the 0.3 bar allows the release tail
        in_mix = math.floor((duration - c.offset_s) / c.bar_s - 0.3)
        return c, max(c.bars or 1, in_mix), arr
    controls, bars = controls_from_state(st, duration, arr.controls if arr else None, harmony)
    return controls, bars, None


def _matches(c: Controls, st: StateTable) -> bool:
    if not st.tempo_bpm or not c.tempo_bpm or abs(st.tempo_bpm - c.tempo_bpm) > 0.01 * c.tempo_bpm:
        return False
    if st.key and c.key:
        try:
            return parse_key(st.key) == parse_key(c.key)
        except ToolInputError:
            return False
    return True


def controls_from_state(st: StateTable, duration_s: float, like: Controls | None = None,
                        harmony: bool = True) -> tuple[Controls, int]:
    if not st.tempo_bpm:
        raise ToolInputError("this session does not know its tempo, key or chords yet, so a part cannot be "
                             "fitted to it; run analyze first (it measures tempo, beats, key and chords)")
    bpb = meter_beats(st.time_signature or "4/4")
    offset = st.downbeats_s[0] if st.downbeats_s else st.offset_s
    beats = [b for b in st.beats_s if b >= offset - 0.02]
    bar_s = 60.0 / st.tempo_bpm * bpb
    bars = max(1, math.ceil((duration_s - offset) / bar_s - 0.25))
    if harmony or st.key or any(c.label != "N" for c in st.chords):
        key = _key_of(st)
        chords = _bar_chords(st, offset, bar_s, bars, key)
    else:
        key, chords = Key(0), ["C"]  # drums only: the harmony is never read
    genre = next((t for t in st.tags if t.lower() in presets.GENRE_WORDS), None)
    base = {k: getattr(like, k) for k in ("genre", "mood", "drum_feel", "swing", "swing_unit", "density", "seed")
            if like is not None and getattr(like, k) is not None}
    c = Controls.build(**{"genre": presets.GENRE_WORDS.get((genre or "").lower()), **base},
                       tempo_bpm=min(240.0, max(40.0, st.tempo_bpm)), key=key.name(),
                       time_signature=st.time_signature or "4/4", bars=bars, chords=chords, offset_s=offset,
                       beat_times_s=beats if len(beats) >= 2 else None, instruments=[])
    return c.resolved(), bars


def _key_of(st: StateTable) -> Key:
    if st.key:
        return parse_key(st.key)
    labels = [c.label for c in st.chords if c.label != "N"]
    if labels:
        from bandmate.tools.backends.composer.theory import infer_key

        return infer_key([parse_chord(lab) for lab in labels])
    raise ToolInputError("this session has a tempo but no key or chords, so a pitched part cannot follow "
                         "the harmony; run analyze with what=['key', 'chords'] first")


def _bar_chords(st: StateTable, offset: float, bar_s: float, bars: int, key: Key) -> list[str]:
    """One entry per bar from the chord timeline: the chord covering most of each half bar."""
    tonic = parse_chord(key.name().split()[0] + ("m" if key.is_minor else ""))
    out: list[str] = []
    prev = tonic.display(key.prefers_flats)
    for bar in range(bars):
        halves = []
        for h in range(2):
            a = offset + (bar + h / 2) * bar_s
            b = a + bar_s / 2
            best = max(st.chords, key=lambda c, a=a, b=b: min(b, c.end_s) - max(a, c.start_s), default=None)
            if best is None or best.label == "N" or min(b, best.end_s) - max(a, best.start_s) <= 0:
                halves.append(prev)
            else:
                halves.append(parse_chord(best.label).display(key.prefers_flats))
            prev = halves[-1]
        out.append(halves[0] if halves[0] == halves[1] else " ".join(halves))
    return out


def _stem_name(name: str | None, default: str, ctx: ToolContext) -> str:
    taken = set(ctx.stem_names())
    if name:
        if name in RESERVED_STEM_NAMES:
            raise ToolInputError(f"stem name {name!r} is reserved (it means the whole mix); pick another name "
                                 f"such as {default!r}")
        if name in taken:
            raise ToolInputError(f"stem {name!r} already exists; pick another name or use replace_stem to "
                                 "rewrite it")
        return name
    stem, n = default, 2
    while stem in taken or stem in ("mix", "original"):
        stem, n = f"{default}{n}", n + 1
    return stem


def _window(args: AddStemArgs, bars: int) -> tuple[int, int]:
    if args.last_bars is not None:
        return max(1, bars - args.last_bars + 1), bars
    first = args.start_bar or 1
    last = args.end_bar or bars
    if first > bars:
        raise ToolInputError(f"start_bar {first} is past the end: the session has {bars} bars")
    return first, min(last, bars)


def render_like(ctx: ToolContext, part: Part, ref: Clip) -> Clip:
    """Render ``part`` at the reference clip's sample rate and length."""
    from bandmate.tools.backends.render import render_part
    from bandmate.tools.generate import renderer_for

    return render_part(part, sample_rate=ref.sample_rate, duration_s=ref.duration_s, settings=ctx.settings,
                       renderer=renderer_for(ctx, ref.sample_rate))


def fit_under(ctx: ToolContext, clip: Clip, exclude: str | None = None) -> tuple[Clip, float]:
    """Lower the new stem just enough that the stems' sum stays under −1 dBFS (others are untouched)."""
    others = [ctx.clip(n) for n in ctx.stem_names() if n != exclude]
    if not others:
        return clip, 0.0
    frames = clip.frames
    base = sum(c.with_channels(2).padded(frames).astype(np.float64) for c in others)
    new = clip.with_channels(2).samples.astype(np.float64)
    if np.abs(base + new).max() <= MIX_PEAK or np.abs(base).max() >= MIX_PEAK:
        return clip, 0.0
    lo, hi = 0.0, 1.0
    for _ in range(12):
        g = (lo + hi) / 2
        lo, hi = (g, hi) if np.abs(base + g * new).max() <= MIX_PEAK else (lo, g)
    g = max(lo, 0.25)
    return clip.replace(clip.samples * g, f"fit under mix {20 * np.log10(g):+.1f} dB"), 20 * float(np.log10(g))


SPEC = ToolSpec(name="add_stem", Args=AddStemArgs, Result=AddStemResult, fn=add_stem, category="music", makes_stem=True, separates_first=True, stacks=False,
                needs_tempo=True)
