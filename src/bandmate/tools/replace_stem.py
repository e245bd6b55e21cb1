"""`replace_stem`: rewrite one stem's part in a new style, keeping tempo, key, chords and other stems."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.tools.add_stem import render_like, session_controls
from bandmate.tools.args import ToolArgs
from bandmate.tools.backends.composer import presets
from bandmate.tools.backends.composer.arrangement import Part
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec


class ReplaceStemArgs(ToolArgs):
    stem: str = Field(..., min_length=1, max_length=40, description="The stem to rewrite, e.g. 'bass', 'drums', "
                                                                    "'keys'.")
    style: str | None = Field(None, max_length=60, description="New playing style, e.g. 'walking', 'funk', "
                                                               "'half-time', 'sustained', 'arpeggio', 'stabs'.")
    instrument: str | None = Field(None, max_length=40, description="New instrument for the part, e.g. 'organ' "
                                                                    "for keys, 'synth bass' (default: keep it).")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Another seed gives another take (default: "
                                                                   "a new take, different from the current one).")
    revoice: bool = Field(False, description="Keep the notes the stem plays and only change the instrument "
                                             "(on a recording the notes are transcribed from the stem's audio).")


class ReplaceStemResult(BaseModel):
    stem: str
    instrument: str
    style: str
    program: int
    notes_before: int | None
    notes: int
    seed: int
    level_db: float = Field(..., description="RMS level of the new stem relative to the old one (kept close).")
    summary: str


def replace_stem(args: ReplaceStemArgs, ctx: ToolContext) -> ReplaceStemResult:
    """Rewrite one stem's part in a new style or with another instrument; the other stems stay untouched.

    Use it for "make the bass a walking bass", "play the drums half-time", "turn the keys into an organ
    arpeggio". It keeps the session's tempo, key, chords and the stem's level.
    """
    if args.stem == "mix" or args.stem not in ctx.stem_names():
        raise ToolInputError(ctx.unknown_target_message(args.stem) if args.stem != "mix" else
                             "replace_stem rewrites one stem; 'mix' is not a stem (use generate to start over)")
    if args.revoice:
        return _revoice(args, ctx)
    controls, bars, arr = session_controls(ctx)
    old = _stored_part(ctx, args.stem)
    instrument = args.instrument or (old.instrument if old and old.instrument else args.stem)
    try:
        presets.instrument(instrument)
    except ToolInputError:
        if args.instrument:
            raise
        raise ToolInputError(f"stem {args.stem!r} is not a known instrument; say which instrument to write "
                             f"with instrument=, e.g. 'bass', 'keys', 'strings'") from None
    # a new take each time by default, yet repeatable: the version number picks it
    seed = args.seed if args.seed is not None else (controls.seed + 1 + (ctx.version_id or 0)) % 2**31
    style = args.style if args.style is not None else (old.style if old and not args.instrument else None)
    from bandmate.tools.backends.composer import compose_part

    part = compose_part(instrument, controls, style=style, seed=seed, stem=args.stem, end_bar=bars)
    before = ctx.clip(args.stem)
    clip = render_like(ctx, part, before)
    clip, level_db = _match_level(clip, before)
    from bandmate.tools.generate import stage_part

    stage_part(ctx, part, clip)
    if arr is not None:
        arr.parts[args.stem] = part
        ctx.set_asset("json:arrangement", arr.to_bytes())
    what = f"{instrument}{' (' + part.style + ')' if part.style else ''}"
    return ReplaceStemResult(stem=args.stem, instrument=instrument, style=part.style or "default",
                             program=part.program, notes_before=len(old.notes) if old else None,
                             notes=len(part.notes), seed=seed, level_db=round(level_db, 2),
                             summary=f"rewrote {args.stem!r} as {what} over {bars} bars in {controls.key} at "
                                     f"{controls.tempo_bpm:g} BPM ({len(part.notes)} notes); other stems unchanged")


def _revoice(args: ReplaceStemArgs, ctx: ToolContext) -> ReplaceStemResult:
    """The stem's own notes (written, or transcribed from a recording) played by another instrument."""
    if not args.instrument:
        raise ToolInputError("revoice=true plays the same notes with another instrument; say which with "
                             "instrument=, e.g. 'strings', 'organ', 'synth bass'")
    from bandmate.tools.backends.transcription_parts import revoiced, stem_notes
    from bandmate.tools.generate import stage_part

    notes, source = stem_notes(ctx, args.stem)
    part = revoiced(notes, args.instrument, args.stem)
    before = ctx.clip(args.stem)
    clip, level_db = _match_level(render_like(ctx, part, before), before)
    stage_part(ctx, part, clip)
    return ReplaceStemResult(stem=args.stem, instrument=args.instrument, style="re-voiced", program=part.program,
                             notes_before=len(notes), notes=len(part.notes), seed=args.seed or 0,
                             level_db=round(level_db, 2),
                             summary=f"re-voiced {args.stem!r} with {args.instrument}: the same {len(part.notes)} "
                                     f"notes ({source}), level matched; other stems unchanged")


def _stored_part(ctx: ToolContext, stem: str) -> Part | None:
    data = ctx.asset(f"notes:{stem}")
    return Part.from_json(data) if data else None


def _match_level(new: Clip, old: Clip) -> tuple[Clip, float]:
    """Scale the new stem to the old stem's RMS (within ±12 dB of its rendered level, peak ≤ 0.99)."""
    rms_new = float(np.sqrt(np.mean(np.square(new.samples, dtype=np.float64))))
    rms_old = float(np.sqrt(np.mean(np.square(old.samples, dtype=np.float64))))
    if rms_new <= 1e-9 or rms_old <= 1e-9:
        return new, 0.0
    g = float(np.clip(rms_old / rms_new, 10 ** (-12 / 20), 10 ** (12 / 20)))
    g = min(g, 0.99 / max(new.peak(), 1e-9))
    out = new.replace(new.samples * g, f"match level of the replaced stem {20 * np.log10(g):+.1f} dB")
    level = float(np.sqrt(np.mean(np.square(out.samples, dtype=np.float64))))
    return out, 20 * float(np.log10(level / rms_old))


SPEC = ToolSpec(name="replace_stem", Args=ReplaceStemArgs, Result=ReplaceStemResult, fn=replace_stem,
                category="music", replayable=False, stacks=False, restemmable=True,
                needs_tempo=True)
