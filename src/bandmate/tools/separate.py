"""`separate`: split a mix-only session into drums / bass / vocals / other stems.

The stems always add back to the mix: whatever a backend leaves out (Demucs' small residual, or the
stems not asked for) goes into ``other``, so separating never changes what the mix sounds like, and
later stem edits (remove, solo, level, pan) start from exactly the original.

Backends: ``spleeter`` (the default when its weights are installed): vocals from Spleeter's pretrained
2-stem model, drums / bass / other split from its accompaniment by DSP; ``demucs`` (htdemucs, when its
weights are set with BANDMATE_DEMUCS); ``dsp`` (signal processing only, the fallback). ``auto`` picks
demucs if configured, else spleeter if its weights load, else dsp. Every stem gets a presence measure
(level against the mix, 0-1 confidence that it is the part and not bleed), kept in the state table's
``stem_presence`` and in the Result, so a request for an absent part can be answered honestly.

A session that already has stems is refused with a pointer to the stem tools: splitting one stem
into sub-stems would mix two stem vocabularies in one session and is not offered.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolFailed, ToolInputError
from bandmate.memory.state import StemPresence
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec

SEPARATED_STEMS = ("drums", "bass", "vocals", "other")
BACKENDS = ("dsp", "demucs", "spleeter")
StemName = Literal["drums", "bass", "vocals", "other"]


class SeparateArgs(ToolArgs):
    backend: Literal["dsp", "demucs", "spleeter"] | None = Field(
        None, description="Separator: 'spleeter' (pretrained vocals model + DSP for drums/bass), 'dsp' (fast "
                          "signal processing, rough) or 'demucs' (htdemucs, needs its weights). Omit for the "
                          "configured default.")
    stems: list[StemName] | None = Field(
        None, min_length=1, max_length=4,
        description="Stems to split out, e.g. ['vocals'] for vocals + accompaniment; everything not listed "
                    "stays together in 'other'. Omit for all four: drums, bass, vocals, other.")


class SeparateResult(BaseModel):
    backend: str
    stems: list[str]
    levels_dbfs: dict[str, float]  # RMS level of each stem
    stem_backends: dict[str, str] = {}  # which separator produced each stem
    presence: dict[str, StemPresence] = {}  # level vs the mix and confidence the part is there
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
    stems, backend = separate_mix(ctx, backend, keep=args.stems)
    seconds = time.perf_counter() - t0
    for name, clip in stems.items():
        ctx.set_clip(name, clip)
    levels = {n: _rms_dbfs(c) for n, c in stems.items()}
    duration = ctx.clip("mix").duration_s
    pres = ctx.state.stem_presence
    absent = [n for n, p in pres.items() if not p.present]
    note = f"; only bleed, not a real part: {', '.join(absent)}" if absent else ""
    return SeparateResult(
        backend=backend, stems=list(stems), levels_dbfs=levels, seconds=round(seconds, 3),
        stem_backends={n: p.backend for n, p in pres.items()}, presence=dict(pres),
        x_realtime=round(duration / max(seconds, 1e-9), 2),
        summary=f"separated {duration:.1f}s with {backend} into " + ", ".join(
            f"{n} ({v:.1f} dBFS, {pres[n].level_db:+.1f} dB vs mix, confidence {pres[n].confidence:.2f})"
            for n, v in levels.items()) + f"; the stems sum to the unchanged mix{note}")


# ---- shared with remove_stem / extract_stem / mix ----------------------------------------------------

def choose_backend(ctx: ToolContext, backend: str | None) -> str:
    chosen = backend or ctx.settings.separator
    if chosen == "auto":
        return "demucs" if ctx.settings.demucs else "auto"
    if chosen not in BACKENDS:
        raise ToolFailed(f"separator {chosen!r} (from BANDMATE_SEPARATOR) is unknown; expected auto or one of "
                         f"{', '.join(BACKENDS)}")
    return chosen


def _run_backend(ctx: ToolContext, backend: str, mix: Clip) -> tuple[dict[str, Clip], str, dict[str, str]]:
    """Raw stems, the backend that ran ('auto' resolved) and the backend of each stem."""
    if backend == "demucs":
        from bandmate.tools.backends.demucs_backend import load_demucs

        model = ctx.backends.get("demucs", lambda: load_demucs(ctx.settings))
        raw = model.separate(mix)
        return raw, "demucs", dict.fromkeys(raw, "demucs")
    if backend in ("spleeter", "auto"):
        from bandmate.tools.backends.separation_combined import BACKENDS as COMBINED
        from bandmate.tools.backends.separation_combined import separate_combined
        from bandmate.tools.backends.spleeter_backend import load_spleeter

        try:  # loaded once per process (Backends keeps it); a failed load is retried next time
            model = ctx.backends.get("spleeter", lambda: load_spleeter(ctx.settings))
        except BackendUnavailable:
            if backend == "spleeter":
                raise
        else:
            return separate_combined(mix, model), "spleeter", dict(COMBINED)
    from bandmate.tools.backends.separation_dsp import separate_clip

    raw = separate_clip(mix)
    return raw, "dsp", dict.fromkeys(raw, "dsp")


def separate_mix(ctx: ToolContext, backend: str, keep: list[str] | None = None) -> tuple[dict[str, Clip], str]:
    """The session mix split by ``backend`` and the backend that ran; stems not in ``keep`` and any
    residual end up in 'other'. Each stem's presence is written to ``ctx.state.stem_presence``."""
    from bandmate.tools.backends.separation_presence import presence

    mix = ctx.clip("mix")
    raw, backend, per_stem = _run_backend(ctx, backend, mix)
    wanted = [n for n in SEPARATED_STEMS if keep is None or n in keep or n == "other"]
    missing = [n for n in wanted if n != "other" and n not in raw]
    if missing:
        raise ToolFailed(f"the {backend} separator returned {', '.join(raw)} but not {', '.join(missing)}")
    stems = {n: raw[n] for n in wanted if n != "other"}
    # 'other' is the exact remainder, so the stems add back to the mix whatever the backend left out
    rest = mix.samples - np.sum([c.samples for c in stems.values()], axis=0) if stems else mix.samples
    stems["other"] = mix.replace(rest, f"{backend} separation: other (remainder)")
    ctx.state.stem_presence = {n: presence(c, mix, per_stem.get(n, backend) if n != "other" or keep is None
                                           else backend) for n, c in stems.items()}
    return stems, backend


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
    stems, backend = separate_mix(ctx, choose_backend(ctx, None))
    for name, clip in stems.items():
        ctx.set_clip(name, clip)
    return backend


def _rms_dbfs(clip: Clip) -> float:
    rms = float(np.sqrt(np.mean(np.square(clip.samples, dtype=np.float64))))
    return round(20 * np.log10(max(rms, 1e-10)), 2)


def _words(a: dict) -> str:
    parts = a.get("stems") or ["drums", "bass", "vocals", "other"]
    return f"split into stems ({', '.join(parts)})"


SPEC = ToolSpec(name="separate", Args=SeparateArgs, Result=SeparateResult, fn=separate, category="music",
                replayable=False, separates_first=True, stacks=False, words=_words)
