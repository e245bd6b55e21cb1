"""``bandmate ui`` (the Streamlit studio) and ``bandmate demo``. Cheap to import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer


def register(app: typer.Typer) -> None:
    app.command("ui")(ui)
    app.command("demo")(demo)


def ui(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve the studio on.")] = 8501,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback by default).")] = "127.0.0.1",
) -> None:
    """Serve the studio (chat, players, A/B, history) in the browser at http://HOST:PORT."""
    import subprocess
    import sys

    app_file = Path(__file__).resolve().parents[1] / "ui" / "app.py"
    typer.echo(f"Bandmate studio on http://{host}:{port}")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.headless", "true",
           "--server.port", str(port), "--server.address", host, "--browser.gatherUsageStats", "false"]
    raise typer.Exit(subprocess.call(cmd))


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo's audio files.")] = Path("demo_out"),
    planner: Annotated[Literal["offline", "llm"], typer.Option("--planner")] = "offline",
) -> None:
    """Run a scripted conversation end to end and write every step's audio."""
    from bandmate.surfaces.demo import run_demo

    run_demo(out, planner=planner, echo=typer.echo)
