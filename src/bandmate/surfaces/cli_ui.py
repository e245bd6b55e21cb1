"""``bandmate demo`` (and, when the studio lands, ``bandmate ui``). Cheap to import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo's audio files.")] = Path("demo_out"),
    planner: Annotated[Literal["offline", "llm"], typer.Option("--planner")] = "offline",
) -> None:
    """Run a scripted conversation end to end and write every step's audio."""
    from bandmate.surfaces.demo import run_demo

    run_demo(out, planner=planner, echo=typer.echo)
