"""The ``bandmate`` command line: a thin shell over sessions, tools and (later) the agent.

Command groups live in their own modules beside this one (``surfaces/cli_*.py``), each exposing
``register(app: typer.Typer) -> None``; ``build_app`` registers the modules it is given, imported
explicitly below. A command module must stay cheap to import (heavy libraries only inside the command
functions), so that ``bandmate --help`` starts fast; ``tests/cli`` checks that.

User errors (any ``BandmateError``, a pydantic validation error, an OS error such as a missing
directory) print ONE line ``error: ...`` on stderr and exit 1; usage errors exit 2 as Typer does.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from bandmate.core.errors import BandmateError
from bandmate.surfaces import cli_agent, cli_eval, cli_kb, cli_session, cli_tool, cli_ui

# Modules that add commands, in help order.
COMMAND_MODULES = (
    cli_session,  # session new|list|show|undo|redo|checkout|history|export
    cli_tool,  # tool list|schema|run, mcp
    cli_agent,  # plan, edit, chat
    cli_eval,  # eval, compare, bench
    cli_kb,  # kb corrections|forget
    cli_ui,  # ui, demo
)


class BandmateGroup(TyperGroup):
    """The root group: turns user errors raised by any subcommand into one line and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:
            line = user_error_line(err)
            if line is None:
                raise
            typer.echo(f"error: {line}", err=True)
            raise typer.Exit(1) from None


def user_error_line(err: BaseException) -> str | None:
    """The one-line message for an error a user can fix, or None when ``err`` is a bug."""
    pydantic_core = sys.modules.get("pydantic_core")  # loaded already if it raised this error
    if isinstance(err, BandmateError):
        text = str(err)
    elif pydantic_core is not None and isinstance(err, pydantic_core.ValidationError):
        text = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in err.errors())
    elif isinstance(err, OSError):
        text = f"{err.strerror or err}" + (f": {err.filename}" if err.filename else "")
    else:
        return None
    return " ".join(text.split()) or type(err).__name__


def build_app(modules: tuple[Any, ...] = COMMAND_MODULES) -> typer.Typer:
    app = typer.Typer(cls=BandmateGroup, name="bandmate", no_args_is_help=True, add_completion=False,
                      pretty_exceptions_show_locals=False,
                      help="Bandmate: a music collaborator that turns requests into measured tool calls.")
    for module in modules:
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    build_app()(args=argv, prog_name="bandmate")


if __name__ == "__main__":
    main()
