"""The starting session of a case, built with the embedded generator and cached by its parameters.

Every case gets a session of its own (edits and history must not leak between cases), but identical
contexts are generated only once per worker: the first build is kept as a snapshot of blob keys, and
each case's session is a cheap copy of it (the store deduplicates blobs by content, so a copy writes
no audio). A ``mixture_only`` context is the same generated music holding only the mixed audio, with
an empty state table, exactly as if a user had uploaded the mix. A recording context (``audio`` or
``stems_dir``, optionally cut to ``excerpt_s`` first) is made by the very function ``bandmate edit`` and
``bandmate session new`` use for an upload, ``surfaces.sessions.new_session_from_files``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bandmate.eval.schema import Context
from bandmate.memory.session import Session
from bandmate.memory.state import StateTable
from bandmate.memory.store import Store

UPLOAD_STEP = {"tool": "create", "args": {}, "summary": "uploaded mix (eval context, mixture only)"}


@dataclass(frozen=True)
class Snapshot:
    """A built context as stored blobs: what a new session needs to start from it."""

    mix: str
    stems: dict[str, str]
    state: StateTable
    assets: dict[str, str]
    step: dict[str, Any]


def generate_args(ctx: Context) -> dict[str, Any]:
    """The ``generate`` tool's arguments for a case context (unset fields are left to the generator)."""
    args: dict[str, Any] = {"prompt": ctx.prompt, "bars": ctx.bars, "seed": ctx.seed}
    if ctx.stems:
        args["instruments"] = list(ctx.stems)
    for name in ("tempo_bpm", "key", "time_signature"):
        value = getattr(ctx, name)
        if value is not None:
            args[name] = value
    return args


@dataclass
class ContextBuilder:
    """Builds case sessions in ``store``; generated music is cached by context parameters."""

    store: Store
    registry: Any
    settings: Any = None
    backends: Any = None
    _cache: dict[str, Snapshot] = field(default_factory=dict)
    generated: int = 0  # how many contexts this builder actually generated (the rest came from the cache)

    def session(self, ctx: Context | None, *, name: str = "", user: str = "default") -> Session | None:
        """A fresh session for one case; ``None`` when the case starts with no session at all."""
        if ctx is None:
            return None
        snap = self.snapshot(ctx)
        sid = self.store.create_session(mix=snap.mix, stems=snap.stems, state=snap.state.model_copy(deep=True),
                                        assets=snap.assets, step=snap.step, name=name or "eval case", user=user)
        return Session(self.store, sid)

    def snapshot(self, ctx: Context) -> Snapshot:
        key = ctx.cache_key()
        if key not in self._cache:
            if ctx.is_recording:
                self._cache[key] = self._upload(ctx)
            elif ctx.mixture_only:
                full = self.snapshot(ctx.model_copy(update={"mixture_only": False}))
                self._cache[key] = Snapshot(mix=full.mix, stems={}, state=StateTable(), assets={},
                                            step=dict(UPLOAD_STEP))
            else:
                self._cache[key] = self._generate(ctx)
        return self._cache[key]

    def _generate(self, ctx: Context) -> Snapshot:
        from bandmate.tools.run import run_tool

        out = run_tool(self.registry, "generate", generate_args(ctx), store=self.store, session_id=None,
                       settings=self.settings, backends=self.backends)
        self.generated += 1
        v = out.version
        return Snapshot(mix=v.mix, stems=dict(v.stems), state=v.state, assets=dict(v.assets), step=dict(v.step))

    def _upload(self, ctx: Context) -> Snapshot:
        """The first version of a session made from the context's files, the way an upload makes it."""
        from bandmate.surfaces.sessions import new_session_from_files

        source = excerpt_files(ctx, self.store.home / "eval-excerpts") if ctx.excerpt_s else ctx
        sid = new_session_from_files(self.store, audio=source.audio, stems_dir=source.stems_dir,
                                     name=Path(ctx.audio or ctx.stems_dir or "upload").stem,
                                     tempo_bpm=ctx.tempo_bpm, key=ctx.key)
        v = self.store.version(sid, 1)
        return Snapshot(mix=v.mix, stems=dict(v.stems), state=v.state, assets=dict(v.assets), step=dict(v.step))


def excerpt_files(ctx: Context, folder: Path) -> Context:
    """``ctx`` pointing at ``excerpt_s`` cut out of its recording (or of each stem) into ``folder`` as WAV.

    Float WAV keeps the samples exactly as decoded (nothing clipped, nothing resampled), so the upload
    sees the same audio it would see in the full file, only shorter.
    """
    from bandmate.core.audio_io import load, save
    from bandmate.surfaces.sessions import stem_files

    start, end = ctx.excerpt_s
    tag = f"{start:g}-{end:g}s"
    if ctx.audio is not None:
        src = Path(ctx.audio)
        out = folder / f"{src.stem}.{tag}.wav"
        if not out.is_file():
            save(_cut(load(src), start, end, src), out)
        return ctx.model_copy(update={"audio": str(out), "excerpt_s": None})
    target = folder / f"{Path(ctx.stems_dir).name}.{tag}"
    for stem, src in stem_files(ctx.stems_dir).items():
        out = target / f"{stem}.wav"
        if not out.is_file():
            save(_cut(load(src), start, end, src), out)
    return ctx.model_copy(update={"stems_dir": str(target), "excerpt_s": None})


def _cut(clip, start: float, end: float, src: Path):
    from bandmate.core.errors import ToolInputError

    if start >= clip.duration_s:
        raise ToolInputError(f"excerpt_s starts at {start:g} s but {src.name} is only {clip.duration_s:.1f} s "
                             "long; pick a start inside the recording")
    return clip.slice_s(start, end)
