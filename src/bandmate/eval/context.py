"""The starting session of a case, built with the embedded generator and cached by its parameters.

Every case gets a session of its own (edits and history must not leak between cases), but identical
contexts are generated only once per worker: the first build is kept as a snapshot of blob keys, and
each case's session is a cheap copy of it (the store deduplicates blobs by content, so a copy writes
no audio). A ``mixture_only`` context is the same generated music holding only the mixed audio, with
an empty state table, exactly as if a user had uploaded the mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
            if ctx.mixture_only:
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
