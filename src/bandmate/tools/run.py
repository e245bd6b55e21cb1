"""Running one tool call against a session: validate, execute on a context, commit one version.

A call that raises leaves the session exactly as it was: nothing is committed until the tool returns.
Every committed mix passes the level-safety stage (``tools.safety``: true peak at or under -0.3 dBFS)
unless the call allows clipping; when it acts, the step records it (``step["safety"]``) and the outcome
carries it (``ToolOutcome.safety``). Commits are conditional on the head the call ran on (``Store.commit``). When another client moved
the head meanwhile, a replayable tool (``ToolSpec.replayable``) is run again on the new head, up to
``MAX_REPLAYS`` times; any other tool fails with ``SessionChanged``. Never a silent branch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bandmate.core.clip import Clip
from bandmate.core.errors import SessionChanged, ToolCancelled, ToolFailed, ToolInputError
from bandmate.core.settings import Settings
from bandmate.memory.blobs import quantize
from bandmate.memory.store import Store, Version
from bandmate.tools.context import Backends, ToolContext
from bandmate.tools.mixing import render_mix
from bandmate.tools.safety import make_safe
from bandmate.tools.spec import Registry, ToolSpec

MAX_REPLAYS = 20  # a busy session (many clients) may move the head several times during one call


@dataclass
class ToolOutcome:
    tool: str
    args: BaseModel
    result: BaseModel
    version: Version | None  # the new version, or None for read-only calls / no change
    seconds: float
    safety: str | None = None  # what the level-safety stage did to the mix, if it acted

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": self.args.model_dump(mode="json"),
                "result": self.result.model_dump(mode="json"),
                "version": self.version.id if self.version else None, "seconds": round(self.seconds, 4),
                "safety": self.safety}


def context_for(store: Store, version: Version, settings: Settings | None = None,
                backends: Backends | None = None) -> ToolContext:
    return ToolContext(state=version.state, settings=settings, backends=backends,
                       loader=store.clip, mix_key=version.mix, stem_keys=version.stems,
                       assets=version.assets, asset_loader=store.blobs.get_bytes,
                       session_id=version.session_id, version_id=version.id)


def run_tool(registry: Registry, name: str, raw_args: dict[str, Any] | BaseModel | None, *, store: Store,
             session_id: str | None, settings: Settings | None = None, backends: Backends | None = None,
             note: str = "", user: str = "default", turn: str | None = None,
             cancel: threading.Event | None = None, allow_clipping: bool = False,
             keep_dynamics: bool = False) -> ToolOutcome:
    """Validate and run one call. With ``session_id=None`` only session-creating tools may run.

    ``cancel``: when set by the time the tool returns, nothing is committed (``ToolCancelled``).
    ``allow_clipping``: skip the level-safety stage (only when the user asked for peaks over -0.3 dBFS).
    ``keep_dynamics``: the safety stage limits at most 1 dB and turns the rest down ("don't squash it").
    """
    spec = registry[name]
    args = spec.parse_args(raw_args)
    t0 = time.perf_counter()
    if session_id is None:
        if not spec.creates_session:
            raise ToolInputError(f"{name} works on an existing session: pass a session id "
                                 "(create one with `bandmate session new --audio FILE` or the generate tool)")
        return _run_creating(spec, args, store, settings, backends, registry, t0, user, cancel,
                             safety=(allow_clipping, keep_dynamics))
    last: SessionChanged | None = None
    for attempt in range(MAX_REPLAYS + 1):
        try:
            result, new = _run_on_head(spec, args, store, session_id, settings, backends, registry,
                                       note=note, turn=turn, replays=attempt, cancel=cancel,
                                       safety=(allow_clipping, keep_dynamics))
            return ToolOutcome(name, args, result, new, time.perf_counter() - t0,
                               safety=(new.step.get("safety") or {}).get("text") if new else None)
        except SessionChanged as err:
            if not spec.replayable:
                raise SessionChanged(f"{err} ({name} is not replayed automatically: it depends on the "
                                     "exact version it ran on)") from None
            last = err
    raise SessionChanged(f"{last} — gave up after {MAX_REPLAYS} replays of {name}: the session keeps "
                         "changing under it")


def _run_on_head(spec: ToolSpec, args: BaseModel, store: Store, session_id: str, settings, backends,
                 registry: Registry, *, note: str, turn: str | None, replays: int,
                 cancel: threading.Event | None = None, safety: tuple[bool, bool] = (False, False)):
    """One attempt: run on the current head, commit conditionally on it (SessionChanged if it moved)."""
    version = store.version(session_id)
    ctx = context_for(store, version, settings, backends)
    result = spec.fn(args, ctx)
    check_cancelled(cancel, spec.name)
    if spec.read_only or not (ctx.changed or ctx.state != version.state):
        return result, None
    step = {"tool": spec.name, "args": args.model_dump(mode="json"), "result": result.model_dump(mode="json"),
            "note": note, "turn": turn}
    if replays:
        step["replays"] = replays  # the call was re-run on a newer head this many times
    return result, commit_context(store, version, ctx, registry, step=step, safety=safety)


def check_cancelled(cancel: threading.Event | None, name: str) -> None:
    if cancel is not None and cancel.is_set():
        raise ToolCancelled(f"{name} was cancelled by the caller; nothing was recorded")


def _run_creating(spec, args, store, settings, backends, registry, t0, user, cancel=None,
                  safety: tuple[bool, bool] = (False, False)) -> ToolOutcome:
    ctx = ToolContext(settings=settings, backends=backends)
    result = spec.fn(args, ctx)
    check_cancelled(cancel, spec.name)
    names = ctx.stem_names()
    stems = {n: ctx.clip(n) for n in names}
    if "mix" in ctx.staged:
        mix = ctx.staged["mix"]
    elif stems:
        sr = next(iter(stems.values())).sample_rate
        mix = render_mix(stems, ctx.state, [], sr, registry, settings, backends)
    else:
        raise ToolFailed(f"{spec.name} produced no audio, so no session was created")
    ctx.state.instrumentation = names or ctx.state.instrumentation
    assets = {a: store.blobs.put_bytes(d, suffix=_suffix(a)) for a, d in ctx.new_assets.items()}
    step = {"tool": spec.name, "args": args.model_dump(mode="json"), "result": result.model_dump(mode="json")}
    mix, acted = _safe(mix, safety)
    if acted is not None:
        step["safety"] = acted.to_json()
    sid = store.create_session(mix=mix, stems=stems, state=ctx.state, assets=assets, step=step, user=user,
                               name=getattr(args, "prompt", "") or spec.name)
    return ToolOutcome(spec.name, args, result, store.version(sid), time.perf_counter() - t0,
                       safety=acted.text() if acted else None)


def commit_context(store: Store, version: Version, ctx: ToolContext, registry: Registry,
                   step: dict[str, Any], safety: tuple[bool, bool] = (False, False)) -> Version:
    """Turn a context's staged changes into a new version (stems, mix, bus, state, assets).

    A new mix passes the level-safety stage last (after the stem sum and the bus moves); ``safety`` is
    ``(allow_clipping, keep_dynamics)`` as ``run_tool`` takes them; when it acts, ``step["safety"]``
    says what it did.
    """
    stems_changed = any(k != "mix" for k in ctx.staged) or bool(ctx.removed)
    mixer_changed = ctx.state.mixer != version.state.mixer
    names = ctx.stem_names()
    # a new stem is put on the storage grid once, here: the mix sums it and the store writes it as it is
    stems: dict[str, Any] = {n: (ctx.key_of(n) or quantize(ctx.clip(n))) for n in names}
    store.blobs.start_writing([c for c in stems.values() if isinstance(c, Clip)])  # encoded while the mix renders
    bus = [] if ctx.bus_cleared else list(version.bus)
    if "mix" in ctx.staged and names and not stems_changed:
        bus.append({"tool": step["tool"], "args": step["args"]})  # a mix-bus move over the stems
        mix: Any = ctx.staged["mix"]
    elif names and (stems_changed or mixer_changed):
        clips = {n: c if isinstance(c, Clip) else ctx.clip(n) for n, c in stems.items()}
        sr = next(iter(clips.values())).sample_rate
        mix = render_mix(clips, ctx.state, bus, sr, registry, ctx.settings, ctx.backends)
    elif "mix" in ctx.staged:
        mix = ctx.staged["mix"]
    else:
        mix = version.mix
    if not names:
        bus = []
    if isinstance(mix, Clip):
        mix, acted = _safe(mix, safety, previous=lambda: store.clip(version.mix) if version.mix else None)
        if acted is not None:
            step["safety"] = acted.to_json()
    assets = dict(version.assets)
    for aname, data in ctx.new_assets.items():
        assets[aname] = store.blobs.put_bytes(data, suffix=_suffix(aname))
    for gone in ctx.removed:
        for aname in [a for a in assets if a.endswith(f":{gone}")]:
            del assets[aname]
    ctx.state.instrumentation = names or ctx.state.instrumentation
    return store.commit(version.session_id, parent=version.id, mix=mix, stems=stems, state=ctx.state,
                        bus=bus, assets=assets, step=step)


def _safe(mix: Clip, safety: tuple[bool, bool], previous=None):
    allow_clipping, keep_dynamics = safety
    return (mix, None) if allow_clipping else make_safe(mix, keep_dynamics=keep_dynamics, previous=previous)


def _suffix(asset_name: str) -> str:
    kind = asset_name.split(":", 1)[0]
    return {"midi": ".mid", "notes": ".json", "json": ".json"}.get(kind, ".bin")
