"""An MCP server exposing every tool of a registry, plus session verbs and resources.

Each tool's MCP parameters are the tool's own ``Args`` fields, flat (MCP clients fill one nested
``args`` object badly), plus ``session_id`` (optional for session-creating tools). The input schema
is derived by the MCP SDK from those fields, so names, defaults and bounds are the tool's own; extra
keys are refused, as the tool's ``Args`` refuses them. Results are structured content (the JSON of
``calls.call_tool``); a Bandmate error becomes an MCP tool error carrying its message.

Session verbs (``session_new``, ``session_list``, ``session_show``, ``session_history``,
``session_undo``, ``session_redo``, ``session_checkout``, ``session_export``) live in
``mcp_sessions``; files are read and written only under ``Settings.mcp_roots``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from bandmate.core.errors import BandmateError
from bandmate.core.settings import Settings
from bandmate.memory.store import Store
from bandmate.surfaces.calls import call_tool
from bandmate.tools.args import reject_bool_numbers
from bandmate.tools.context import Backends
from bandmate.tools.json_args import check_object_depth
from bandmate.tools.spec import Registry, ToolSpec

SERVER_NAME = "bandmate"
SESSION_ID_HELP = "Session to work on (an id from session_new or session_list)."
CREATING_SESSION_ID_HELP = ("Session to work on; omit it to create a new session (its id comes back as "
                            "session_id).")


def build_mcp_server(registry: Registry | None = None, settings: Settings | None = None,
                     store: Store | None = None, *, log_level: str = "WARNING") -> Any:
    """An ``MCPServer`` serving every tool of ``registry`` (default: ``default_registry()``).

    Run it with ``server.run()`` (stdio) or ``server.run("streamable-http", host=..., port=...)``,
    or connect in-process with ``mcp.Client(server)``.
    """
    from mcp.server.mcpserver import MCPServer

    from bandmate.surfaces.mcp_sessions import add_session_verbs
    from bandmate.tools import default_registry

    registry = registry if registry is not None else default_registry()
    settings = settings or Settings.from_env()
    store = store or Store(settings.home)
    backends = Backends()  # one load-once model cache for the server's lifetime
    tools = [mcp_tool(spec, _runner(registry, store, settings, backends)) for spec in registry]
    server = MCPServer(SERVER_NAME, instructions=_INSTRUCTIONS, tools=tools, log_level=log_level)
    add_session_verbs(server, store, settings, reserved=set(registry.names()))
    return server


_INSTRUCTIONS = ("Bandmate edits music sessions. Create one with session_new (an audio file or a stems "
                 "directory) or a session-creating tool such as generate; every change makes a new version "
                 "(session_undo / session_redo / session_checkout move between them).")


def _runner(registry: Registry, store: Store, settings: Settings,
            backends: Backends) -> Callable[[str, dict[str, Any], str | None], dict[str, Any]]:
    def run(name: str, args: dict[str, Any], session_id: str | None, cancel=None) -> dict[str, Any]:
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            out = call_tool(registry, name, args, store=store, session_id=session_id, settings=settings,
                            backends=backends, cancel=cancel)
        except BandmateError as err:
            raise ToolError(f"{type(err).__name__}: {err}") from err
        return with_audio_link(out)

    return run


def with_audio_link(out: dict[str, Any]) -> Any:
    """The call's JSON as structured content, plus a resource_link to the new version's mix."""
    import json

    from mcp_types import CallToolResult, TextContent

    from bandmate.surfaces.mcp_audio import audio_uri, resource_link

    content: list[Any] = []
    if out.get("changed") and out.get("session_id"):
        out["audio"] = audio_uri(out["session_id"], out["head"])
        content.append(resource_link(out["session_id"], out["head"]))
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(out)), *content],
                          structured_content=out)


def mcp_tool(spec: ToolSpec, run: Callable[[str, dict[str, Any], str | None], dict[str, Any]]) -> Any:
    """The MCP ``Tool`` for one spec: flat parameters = ``session_id`` + the Args fields."""
    from mcp.server.mcpserver import Context
    from mcp.server.mcpserver.tools import Tool
    from mcp_types import ToolAnnotations

    from bandmate.surfaces.mcp_progress import LONG_TOOLS, run_with_progress

    long = spec.name in LONG_TOOLS

    def call(**kwargs: Any) -> Any:
        session_id = kwargs.pop("session_id", None)
        return run(spec.name, kwargs, session_id)

    async def call_long(**kwargs: Any) -> Any:
        ctx = kwargs.pop(CONTEXT_PARAM, None)
        session_id = kwargs.pop("session_id", None)
        return await run_with_progress(ctx, spec.name, lambda cancel: run(spec.name, kwargs, session_id, cancel))

    fn = call_long if long else call  # a long tool runs in a thread, with progress and cancellation
    if long:
        fn.__annotations__ = {CONTEXT_PARAM: Context}
    fn.__name__ = spec.name
    fn.__signature__ = tool_signature(spec, with_context=long)  # type: ignore[attr-defined]
    tool = Tool.from_function(fn, name=spec.name, description=spec.description, structured_output=True,
                              annotations=ToolAnnotations(read_only_hint=spec.read_only))
    # refuse unknown keys (the SDK's argument model would drop them silently)
    loose = tool.fn_metadata.arg_model

    def checked(cls: Any, data: Any) -> Any:  # the same strictness as the tool's Args: no bools as numbers
        return reject_bool_numbers(spec.Args.model_fields, check_object_depth(data, f"arguments of {spec.name}"))

    strict = type(loose.__name__, (loose,), {
        "model_config": ConfigDict(extra="forbid", arbitrary_types_allowed=True), "__module__": __name__,
        "_bandmate_checks": model_validator(mode="before")(classmethod(checked))})
    return tool.model_copy(update={"fn_metadata": tool.fn_metadata.model_copy(update={"arg_model": strict}),
                                   "parameters": strict.model_json_schema(by_alias=True)})


CONTEXT_PARAM = "mcp_context"  # where the SDK injects its request Context (long tools only)


def tool_signature(spec: ToolSpec, *, with_context: bool = False) -> inspect.Signature:
    """``(*, session_id, <Args fields>) -> dict``: each field keeps its own FieldInfo (bounds, help)."""
    if "session_id" in spec.Args.model_fields:
        raise ValueError(f"tool {spec.name} has an argument named session_id, which MCP reserves")
    kw = inspect.Parameter.KEYWORD_ONLY
    if spec.creates_session:
        sid = inspect.Parameter("session_id", kw, default=None,
                                annotation=Annotated[str | None, Field(description=CREATING_SESSION_ID_HELP)])
    else:
        sid = inspect.Parameter("session_id", kw, annotation=Annotated[
            str, Field(description=SESSION_ID_HELP, min_length=1, max_length=64)])
    params = [sid]
    for name, field in spec.Args.model_fields.items():
        # a default_factory stays inside the FieldInfo; a plain default is also the parameter's
        plain = not field.is_required() and field.default_factory is None
        default = field.default if plain else inspect.Parameter.empty
        params.append(inspect.Parameter(name, kw, default=default, annotation=Annotated[field.annotation, field]))
    from mcp_types import CallToolResult

    if with_context:
        from mcp.server.mcpserver import Context

        params.append(inspect.Parameter(CONTEXT_PARAM, kw, default=None, annotation=Context))
    return inspect.Signature(params, return_annotation=Annotated[CallToolResult, dict[str, Any]])


async def list_mcp_tools(server: Any) -> list[dict[str, Any]]:
    """The server's tool listing as MCP clients see it (``name``, ``description``, ``inputSchema``)."""
    tools = await server.list_tools()
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
