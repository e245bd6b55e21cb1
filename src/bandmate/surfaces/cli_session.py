"""``bandmate session ...``: create sessions from audio, inspect them, move between versions, export.

Light at import: the store, audio I/O and numpy load inside the commands.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

SessionArg = Annotated[str, typer.Argument(help="Session id (see `bandmate session list`).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(name="session", no_args_is_help=True,
                        help="Create, inspect, undo/redo and export sessions.")
    for fn in (new, list_, show, history, undo, redo, checkout, export):
        group.command(fn.__name__.rstrip("_"))(fn)
    app.add_typer(group)


def open_store() -> Any:
    """The store named by the environment (BANDMATE_HOME), as every CLI command sees it."""
    from bandmate.core.settings import Settings
    from bandmate.memory.store import Store

    return Store(Settings.from_env().home)


def echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def new(
    audio: Annotated[Path | None, typer.Option(help="An audio file (wav, flac, ogg, mp3): the mix.")] = None,
    stems: Annotated[Path | None, typer.Option(help="A directory of <stem>.wav|flac|ogg|mp3 files, one per "
                                                    "stem, at one sample rate; the mix is their sum.")] = None,
    name: Annotated[str, typer.Option(help="A name for the session.")] = "",
    tempo: Annotated[float | None, typer.Option(help="Tempo in BPM, if known.", min=20, max=400)] = None,
    key: Annotated[str | None, typer.Option(help="Musical key, e.g. 'F major'.")] = None,
) -> None:
    """Create a session from an audio file or a stems directory; prints its id."""
    from bandmate.surfaces.sessions import new_session_from_files

    typer.echo(new_session_from_files(open_store(), audio=audio, stems_dir=stems, name=name, tempo_bpm=tempo,
                                      key=key))


def list_(as_json: JsonFlag = False) -> None:
    """List stored sessions."""
    from bandmate.surfaces.sessions import session_list

    rows = session_list(open_store())
    if as_json:
        return echo_json(rows)
    if not rows:
        typer.echo("no sessions yet; create one with `bandmate session new --audio FILE`")
    for r in rows:
        typer.echo(f"{r['id']}  v{r['head']} of {r['versions']}  {_when(r['created_at'])}  {r['name']}")


def show(session: SessionArg, as_json: JsonFlag = False) -> None:
    """Show a session: head version, stems, mix format and state."""
    from bandmate.surfaces.sessions import session_summary

    s = session_summary(open_store(), session, full_state=as_json)
    if as_json:
        return echo_json(s)
    mix = s["mix"]
    typer.echo(f"session {s['id']} ({s['name']}): head v{s['head']} of {s['versions']} versions")
    typer.echo(f"mix: {mix['duration_s']:.2f} s, {mix['sample_rate']} Hz, {mix['channels']} ch")
    typer.echo(f"stems: {', '.join(s['stems']) or 'none'}")
    if s["assets"]:
        typer.echo(f"assets: {', '.join(s['assets'])}")
    state = {k: v for k, v in s["state"].items() if v not in (None, "", [], {}, "0 beats", "0 downbeats")}
    typer.echo("state: " + ", ".join(f"{k}={v}" for k, v in state.items()))
    typer.echo(f"last step: {s['last_step']['summary']}")


def history(session: SessionArg, as_json: JsonFlag = False) -> None:
    """Every version with the call that made it; '*' marks the head."""
    from bandmate.surfaces.sessions import session_history

    rows = session_history(open_store(), session)
    if as_json:
        return echo_json(rows)
    for r in rows:
        parent = f" (from v{r['parent']})" if r["parent"] else ""
        typer.echo(f"{'*' if r['head'] else ' '} v{r['version']}{parent}  {r['tool']}: {r['summary']}")


def _moved(store: Any, session: str) -> None:
    from bandmate.surfaces.sessions import step_summary

    v = store.version(session)
    typer.echo(f"session {session}: head is v{v.id} ({step_summary(v.step)})")


def undo(session: SessionArg) -> None:
    """Go back one version."""
    store = open_store()
    store.undo(session)
    _moved(store, session)


def redo(session: SessionArg) -> None:
    """Restore the version most recently undone."""
    store = open_store()
    store.redo(session)
    _moved(store, session)


def checkout(session: SessionArg,
             version: Annotated[int, typer.Argument(help="Version id to make the head.", min=1)]) -> None:
    """Make any version the head; later edits branch from it."""
    store = open_store()
    store.checkout(session, version)
    _moved(store, session)


def export(
    session: SessionArg,
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the mix, stems, MIDI and history into.")],
    format: Annotated[Literal["wav", "flac"], typer.Option("--format", help="Audio format.")] = "wav",
    version: Annotated[int | None, typer.Option(help="Version to export (default: the head).", min=1)] = None,
) -> None:
    """Write a version's mix, stems, MIDI and history.json into a directory."""
    from bandmate.memory.session import Session

    for path in Session(open_store(), session).export(out_dir, fmt=format, version_id=version):
        typer.echo(str(path))


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))
