"""`separate`: split a mix-only session into drums / bass / vocals / other stems.

The stems always add back to the mix: whatever a backend leaves out (Demucs' small residual, or the
stems not asked for) goes into ``other``, so separating never changes what the mix sounds like, and
later stem edits (remove, solo, level, pan) start from exactly the original.

A session that already has stems is refused with a pointer to the stem tools: splitting one stem
into sub-stems would mix two stem vocabularies in one session and is not offered.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolFailed, ToolInputError
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

SEPARATED_STEMS = ("drums", "bass", "vocals", "other")
BACKENDS = ("dsp", "demucs")
StemName = Literal["drums", "bass", "vocals", "other"]


class SeparateArgs(ToolArgs):
    backend: Literal["dsp", "demucs"] | None = Field(
        None, description="Separator: 'dsp' (fast signal processing, rough) or 'demucs' (the htdemucs neural "
                          "model, cleaner, slower, needs its weights). Omit for the configured default.")
    stems: list[StemName] | None = Field(
        None, min_length=1, max_length=4,
        description="Stems to split out, e.g. ['vocals'] for vocals + accompaniment; everything not listed "
                    "stays together in 'other'. Omit for all four: drums, bass, vocals, other.")


class SeparateResult(BaseModel):
    backend: str
    stems: list[str]
    levels_dbfs: dict[str, float]  # RMS level of each stem
    seconds: float
    x_realtime: float
    summary: str


def separate(args: SeparateArgs, ctx: ToolContext) -> SeparateResult:
    """Split a session that has only a mixed track into stems (drums, bass, vocals, other) so they can be edited.

    Use it before stem edits on a plain audio file: "separate the vocals", "split this into stems".
    The stems add up exactly to the mix, so the mix does not change.
    """
    if ctx.has_stems:
        raise ToolInputError(f"this session already has stems ({', '.join(ctx.stem_names())}); separate only "
                             "splits a session that holds just a mix. Edit the stems directly (remove_stem, "
                             "extract_stem, mix), or undo to a version without stems")
    backend = choose_backend(ctx, args.backend)
    t0 = time.perf_counter()
    stems = separate_mix(ctx, backend, keep=args.stems)
    seconds = time.perf_counter() - t0
    for name, clip in stems.items():
        ctx.set_clip(name, clip)
    levels = {n: _rms_dbfs(c) for n, c in stems.items()}
    duration = ctx.clip("mix").duration_s
    return SeparateResult(
        backend=backend, stems=list(stems), levels_dbfs=levels, seconds=round(seconds, 3),
        x_realtime=round(duration / max(seconds, 1e-9), 2),
        summary=f"separated {duration:.1f}s with {backend} into " + ", ".join(
            f"{n} ({v:.1f} dBFS)" for n, v in levels.items()) + "; the stems sum to the unchanged mix")


# ---- shared with remove_stem / extract_stem / mix ----------------------------------------------------

def choose_backend(ctx: ToolContext, backend: str | None) -> str:
    chosen = backend or ctx.settings.separator
    if chosen not in BACKENDS:
        raise ToolFailed(f"separator {chosen!r} (from BANDMATE_SEPARATOR) is unknown; expected one of "
                         f"{', '.join(BACKENDS)}")
    return chosen


def separate_mix(ctx: ToolContext, backend: str, keep: list[str] | None = None) -> dict[str, Clip]:
    """The session mix split by ``backend``; stems not in ``keep`` and any residual end up in 'other'."""
    mix = ctx.clip("mix")
    if backend == "demucs":
        from bandmate.tools.backends.demucs_backend import load_demucs

        model = ctx.backends.get("demucs", lambda: load_demucs(ctx.settings))
        raw = model.separate(mix)
    else:
        from bandmate.tools.backends.separation_dsp import separate_clip

        raw = separate_clip(mix)
    wanted = [n for n in SEPARATED_STEMS if keep is None or n in keep or n == "other"]
    missing = [n for n in wanted if n != "other" and n not in raw]
    if missing:
        raise ToolFailed(f"the {backend} separator returned {', '.join(raw)} but not {', '.join(missing)}")
    stems = {n: raw[n] for n in wanted if n != "other"}
    # 'other' is the exact remainder, so the stems add back to the mix whatever the backend left out
    rest = mix.samples - np.sum([c.samples for c in stems.values()], axis=0) if stems else mix.samples
    stems["other"] = mix.replace(rest, f"{backend} separation: other (remainder)")
    return stems


def ensure_stems(ctx: ToolContext, wanted: list[str]) -> str | None:
    """On a mix-only session, separate with the default backend and stage the four stems.

    Returns the backend used, or None when the session already had stems. ``wanted`` (the stems the
    caller is about to edit) is checked first, so a name separation cannot produce fails fast.
    """
    if ctx.has_stems:
        return None
    unknown = [w for w in wanted if w not in SEPARATED_STEMS]
    if unknown:
        raise ToolInputError(f"this session holds only a mix, and separating it gives "
                             f"{', '.join(SEPARATED_STEMS)}; {', '.join(map(repr, unknown))} is not one of them "
                             "(other instruments such as keys or guitar land in 'other')")
    backend = choose_backend(ctx, None)
    for name, clip in separate_mix(ctx, backend).items():
        ctx.set_clip(name, clip)
    return backend


def _rms_dbfs(clip: Clip) -> float:
    rms = float(np.sqrt(np.mean(np.square(clip.samples, dtype=np.float64))))
    return round(20 * np.log10(max(rms, 1e-10)), 2)


SPEC = ToolSpec(name="separate", Args=SeparateArgs, Result=SeparateResult, fn=separate, category="music",
                replayable=False)
