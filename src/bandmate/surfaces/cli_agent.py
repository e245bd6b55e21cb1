"""``bandmate plan``, ``bandmate edit`` and ``bandmate chat``: the agent from the command line.

Cheap to import: the knowledge base, models and tools load inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

Planner = Literal["offline", "llm"]


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("edit")(edit)
    app.command("chat")(chat)


def _store():
    from bandmate.memory.store import Store

    return Store()


def _view_for(store, session_id: str | None, input_file: Path | None):
    from bandmate.agent.view import SessionView
    from bandmate.core.audio_io import load
    from bandmate.memory.session import Session

    if session_id:
        return SessionView.of(Session(store, session_id))
    if input_file:
        return SessionView(duration_s=load(input_file).duration_s)
    return SessionView()


def plan(
    request: Annotated[str, typer.Argument(help="What you want, in your own words.")],
    session: Annotated[str | None, typer.Option("--session", help="Plan against this session.")] = None,
    input_file: Annotated[Path | None, typer.Option("--input", help="Plan against an audio file.")] = None,
    planner: Annotated[Planner, typer.Option("--planner")] = "offline",
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    show_prompt: Annotated[bool, typer.Option("--show-prompt", help="Print the LLM prompt and exit.")] = False,
    user: Annotated[str, typer.Option("--user", help="Whose corrections to use.")] = "default",
) -> None:
    """Show how a request would be carried out, without running it."""
    from bandmate.agent.factory import build_agent

    store = _store()
    view = _view_for(store, session, input_file)
    agent = build_agent(store, planner=planner, user=user)
    if show_prompt:
        from bandmate.agent.llm_prompt import build_messages

        hits = agent.kb.retrieve(request, user=user, k=5)
        for m in build_messages(request, view, hits, agent.registry, agent.kb.lexicon):
            typer.echo(f"--- {m['role']} ---\n{m['content']}\n")
        return
    p = agent.planner.plan(request, view, user=user)
    typer.echo(json.dumps(p.model_dump(mode="json"), indent=2, ensure_ascii=False) if as_json else p.text())


def edit(
    input_file: Annotated[Path, typer.Argument(help="Audio file to edit (wav, flac, ogg, mp3).")],
    request: Annotated[str, typer.Argument(help="The edit, in your own words.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the edited mix.")],
    stems_out: Annotated[Path | None, typer.Option("--stems-out", help="Also write the stems here.")] = None,
    planner: Annotated[Planner, typer.Option("--planner")] = "offline",
    as_json: Annotated[bool, typer.Option("--json", help="Print plan, explanation and measurements.")] = False,
) -> None:
    """One-shot edit of an audio file (separating stems first when the request targets one)."""
    from bandmate.agent.factory import build_agent
    from bandmate.core.audio_io import save
    from bandmate.memory.session import Session
    from bandmate.surfaces.sessions import new_session_from_files

    store = _store()
    sid = new_session_from_files(store, audio=input_file)
    session = Session(store, sid)
    agent = build_agent(store, planner=planner)
    res = agent.turn(request, session)
    if res.plan.kind == "clarify":
        typer.echo(res.message, err=True)
        raise typer.Exit(3)
    if res.execution is not None and not res.execution.ok:
        from bandmate.core.errors import ToolFailed

        raise ToolFailed(res.execution.error)
    save(session.mix(), output)
    if stems_out:
        for name, clip in session.stems().items():
            save(clip, Path(stems_out) / f"{name}{output.suffix or '.wav'}")
    if as_json:
        typer.echo(json.dumps(res.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(res.message)
        typer.echo(f"wrote {output}", err=True)


def chat(
    session: Annotated[str | None, typer.Option("--session", help="Continue this session.")] = None,
    planner: Annotated[Planner, typer.Option("--planner")] = "offline",
    user: Annotated[str, typer.Option("--user")] = "default",
) -> None:
    """Talk to Bandmate in the terminal (empty line or 'quit' to leave)."""
    from bandmate.agent.factory import build_agent
    from bandmate.core.errors import BandmateError
    from bandmate.memory.session import Session

    store = _store()
    current = Session(store, session) if session else None
    agent = build_agent(store, planner=planner, user=user)
    typer.echo("Bandmate — describe what you want (e.g. 'a dreamy lo-fi loop, 80 bpm'). Empty line quits.")
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            break
        if not line or line.lower() in ("quit", "exit", ":q"):
            break
        try:
            res = agent.turn(line, current, store=store)
        except BandmateError as err:
            typer.echo(f"bandmate> could not do that: {err}")
            continue
        if res.session_id and (current is None or current.id != res.session_id):
            current = Session(store, res.session_id)
            typer.echo(f"(session {current.id})")
        typer.echo(f"bandmate> {res.message}")
