"""One tool call as every surface makes it: through ``run_tool``, answered as plain JSON."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel

from bandmate.core.settings import Settings
from bandmate.memory.store import Store
from bandmate.tools.context import Backends
from bandmate.tools.run import run_tool
from bandmate.tools.spec import Registry


def call_tool(registry: Registry, name: str, raw_args: dict[str, Any] | BaseModel | None, *, store: Store,
              session_id: str | None, settings: Settings | None = None,
              backends: Backends | None = None, cancel: threading.Event | None = None) -> dict[str, Any]:
    """Run one call; the answer says which session and version now hold the result.

    ``version`` is the new version's id, or None when the call changed nothing (read-only tools);
    ``head`` is the session's current version either way. Raises BandmateError subclasses unchanged.
    """
    outcome = run_tool(registry, name, raw_args, store=store, session_id=session_id, settings=settings,
                       backends=backends, cancel=cancel)
    out = outcome.to_json()
    sid = outcome.version.session_id if outcome.version else session_id
    out["session_id"] = sid
    out["changed"] = outcome.version is not None
    out["head"] = outcome.version.id if outcome.version else (store.info(sid).head if sid else None)
    return out
