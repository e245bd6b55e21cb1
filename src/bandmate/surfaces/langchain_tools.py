"""LangChain ``StructuredTool``s derived from ToolSpecs, each bound to one session.

The tool's ``args_schema`` is the tool's own ``Args`` model, so LangChain shows a model exactly the
fields, descriptions and bounds the tool declares. A call answers JSON text (see ``calls.call_tool``).
A mistake the model can fix (bad arguments, unknown stem, ...) or a tool that could not do the job
comes back as an error string ``"<ErrorType>: <message>"`` with status ``error``, never as a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bandmate.core.errors import BandmateError
from bandmate.core.settings import Settings
from bandmate.memory.store import Store
from bandmate.surfaces.calls import call_tool
from bandmate.tools.context import Backends
from bandmate.tools.spec import Registry, ToolSpec, format_validation_error


@dataclass
class SessionBinding:
    """The session a set of tools works on. A session-creating call with no session binds the new one."""

    session_id: str | None = None


def make_langchain_tools(registry: Registry, store: Store, session_id: str | SessionBinding | None,
                         settings: Settings | None = None, *, backends: Backends | None = None) -> list[Any]:
    """One ``StructuredTool`` per registry tool, sharing one session binding and one backend cache.

    Pass a ``SessionBinding`` to observe or change the bound session from outside (e.g. after
    ``generate`` created one); a plain id or None makes a fresh binding.
    """
    binding = session_id if isinstance(session_id, SessionBinding) else SessionBinding(session_id)
    backends = backends or Backends()
    return [langchain_tool(spec, registry, store, binding, settings, backends) for spec in registry]


def langchain_tool(spec: ToolSpec, registry: Registry, store: Store, binding: SessionBinding,
                   settings: Settings | None, backends: Backends) -> Any:
    from langchain_core.tools import StructuredTool, ToolException

    def run(**kwargs: Any) -> str:
        try:
            out = call_tool(registry, spec.name, kwargs, store=store, session_id=binding.session_id,
                            settings=settings, backends=backends)
        except BandmateError as err:
            raise ToolException(f"{type(err).__name__}: {err}") from err
        if binding.session_id is None and out.get("session_id"):
            binding.session_id = out["session_id"]
        return json.dumps(out)

    def on_invalid(err: Any) -> str:
        return f"ToolInputError: {format_validation_error(spec.name, err)}"

    return StructuredTool.from_function(
        func=run, name=spec.name, description=spec.description, args_schema=spec.Args, infer_schema=False,
        handle_tool_error=lambda e: str(e), handle_validation_error=on_invalid,
        metadata={"read_only": spec.read_only, "creates_session": spec.creates_session,
                  "category": spec.category})
