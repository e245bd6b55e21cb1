"""The Python API over the tools: OpenAI schemas, one call from a model's raw JSON, LangChain tools.

    import bandmate
    from bandmate import tools

    store = bandmate.Store()
    session = bandmate.Session(store, store.create_session(mix=bandmate.load("song.wav")))
    tools.call("gain", '{"target": "mix", "gain_db": -3}', session=session)   # -> dict (see below)
    schemas = tools.openai_tools()                     # strict-mode function schemas for any OpenAI client
    lc = tools.langchain_tools(session)                # LangChain StructuredTools bound to the session

``call`` answers ``{"tool", "args", "result", "version", "session_id", "changed", "head", "seconds"}``;
a bad call raises ``ToolInputError`` (the model can fix it: send ``str(err)`` back), a tool that
could not do it ``ToolFailed`` (``SessionChanged`` when another client moved the head and the tool
is not replayed).
"""

from __future__ import annotations

from typing import Any

from bandmate.core.errors import ToolInputError
from bandmate.tools.json_args import check_object_depth, loads_arguments
from bandmate.tools.spec import Registry


def _registry(registry: Registry | None) -> Registry:
    from bandmate.tools import default_registry

    return registry if registry is not None else default_registry()


def openai_tools(registry: Registry | None = None, *, strict: bool = True) -> list[dict[str, Any]]:
    """Every tool as an OpenAI function schema (strict mode by default), in registry order."""
    from bandmate.tools.openai_schema import openai_tools as build

    return build(_registry(registry), strict=strict)


def drop_strict_nulls(registry: Registry, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """In strict mode a model sends ``null`` for an optional argument it leaves at its default."""
    fields = registry[name].Args.model_fields
    return {k: v for k, v in args.items()
            if not (v is None and k in fields and not fields[k].is_required() and fields[k].default is not None)}


def call(name: str, arguments_json: str | bytes | dict[str, Any] | None = None, *, session: Any = None,
         store: Any = None, registry: Registry | None = None, settings: Any = None,
         backends: Any = None) -> dict[str, Any]:
    """Run one tool from a model's raw JSON arguments (validated) on ``session`` (None: creating tools only)."""
    from bandmate.memory.store import Store
    from bandmate.tools.run import run_tool

    reg = _registry(registry)
    reg[name]  # an unknown name fails first, listing the valid ones
    if arguments_json is None:
        args: dict[str, Any] = {}
    elif isinstance(arguments_json, dict):
        args = check_object_depth(arguments_json, f"arguments of {name}")
    else:
        args = loads_arguments(arguments_json, f"arguments of {name}")
    args = drop_strict_nulls(reg, name, args)
    if session is not None and not hasattr(session, "store"):
        raise ToolInputError(f"session must be a bandmate.Session, got {type(session).__name__}")
    store = session.store if session is not None else (store or Store())
    sid = session.id if session is not None else None
    out = run_tool(reg, name, args, store=store, session_id=sid, settings=settings, backends=backends)
    js = out.to_json()
    js["session_id"] = out.version.session_id if out.version else sid
    js["changed"] = out.version is not None
    js["head"] = out.version.id if out.version else (store.info(sid).head if sid else None)
    return js


def langchain_tools(session: Any = None, *, store: Any = None, registry: Registry | None = None,
                    settings: Any = None) -> list[Any]:
    """LangChain ``StructuredTool``s bound to ``session`` (a creating tool binds the session it makes)."""
    from bandmate.memory.store import Store
    from bandmate.surfaces.langchain_tools import make_langchain_tools

    store = session.store if session is not None else (store or Store())
    return make_langchain_tools(_registry(registry), store, session.id if session is not None else None, settings)
