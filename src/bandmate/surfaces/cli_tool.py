"""``bandmate tool list|schema|run`` and ``bandmate mcp``: every tool from the command line.

``tool run NAME --session ID --args JSON`` validates the JSON against the tool's own Args model and
runs it through ``run_tool`` (one new version, or nothing on failure); it prints the call's JSON on
stdout and ``session <id> v<n>`` on stderr. Light at import: the registry loads inside commands.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer


def register(app: typer.Typer) -> None:
    group = typer.Typer(name="tool", no_args_is_help=True, help="List, describe and run single tools.")
    group.command("list")(list_tools)
    group.command("schema")(schema)
    group.command("run")(run)
    app.add_typer(group)
    app.command("mcp")(mcp)


def list_tools(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every tool with its one-line description."""
    from bandmate.tools import default_registry

    specs = list(default_registry())
    if as_json:
        rows = [{"name": s.name, "category": s.category, "read_only": s.read_only,
                 "creates_session": s.creates_session, "summary": s.summary} for s in specs]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(s.name) for s in specs), default=0)
    for s in specs:
        flags = "".join([" (read-only)" if s.read_only else "", " (creates a session)" if s.creates_session else ""])
        typer.echo(f"{s.name:<{width}}  {s.summary}{flags}")


def schema(
    name: Annotated[str | None, typer.Argument(help="One tool (default: all).")] = None,
    format: Annotated[Literal["openai", "mcp"], typer.Option(
        "--format", help="openai: strict-mode function-calling schema; mcp: the MCP server's tool listing.")] = "openai",
) -> None:
    """Print tool schemas as JSON, derived from each tool's declaration."""
    typer.echo(json.dumps(tool_schemas(name, format), indent=2, ensure_ascii=False))


def tool_schemas(name: str | None, format: str) -> Any:
    """The printed schemas: a list for all tools, one object for ``name``."""
    from bandmate.tools import default_registry

    registry = default_registry()
    if name is not None:
        registry[name]  # unknown names fail here with the list of valid ones
    if format == "openai":
        from bandmate.tools.openai_schema import openai_tool, openai_tools

        return openai_tool(registry[name], strict=True) if name else openai_tools(registry, strict=True)
    import asyncio

    from bandmate.surfaces.mcp_server import build_mcp_server, list_mcp_tools

    listed = asyncio.run(list_mcp_tools(build_mcp_server(registry)))
    return next(t for t in listed if t["name"] == name) if name else listed


def run(
    name: Annotated[str, typer.Argument(help="Tool name (see `bandmate tool list`).")],
    session: Annotated[str | None, typer.Option(help="Session id; omit only for session-creating tools.")] = None,
    args: Annotated[str, typer.Option("--args", help="Arguments as a JSON object, e.g. '{\"gain_db\": -3}'.")] = "{}",
) -> None:
    """Run one tool on a session; prints the call's JSON (result, session id, new version)."""
    from bandmate.core.settings import Settings
    from bandmate.memory.store import Store
    from bandmate.surfaces.calls import call_tool
    from bandmate.tools import default_registry

    registry = default_registry()
    registry[name]  # an unknown tool is reported before the arguments
    settings = Settings.from_env()
    out = call_tool(registry, name, parse_json_object(args, "--args"), store=Store(settings.home),
                    session_id=session, settings=settings)
    typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
    where = f"v{out['head']}" + ("" if out["changed"] else " (unchanged)")
    typer.echo(f"session {out['session_id']} {where}", err=True)


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """``text`` as a JSON object (size and depth checked before parsing; errors show the spot)."""
    from bandmate.tools.json_args import loads_arguments

    return loads_arguments(text, what)


def mcp(http: Annotated[str | None, typer.Option(
        help="Serve streamable HTTP on [HOST:]PORT instead of stdio (HOST defaults to 127.0.0.1; any other "
             "host needs BANDMATE_MCP_TOKEN).")] = None) -> None:
    """Serve every tool (and session verbs) over MCP: stdio by default, or streamable HTTP."""
    import os

    from bandmate.surfaces.mcp_http import TOKEN_ENV, http_app, parse_bind, serve_http
    from bandmate.surfaces.mcp_server import build_mcp_server

    if http is None:
        build_mcp_server().run()
        return
    token = os.environ.get(TOKEN_ENV) or None
    host, port = parse_bind(http)
    server = build_mcp_server()
    http_app(server, host, token)  # refuses a public bind without a token before anything listens
    auth = " (bearer token required)" if token else ""
    typer.echo(f"MCP over streamable HTTP at http://{host}:{port}/mcp{auth}", err=True)
    serve_http(server, http, token)
