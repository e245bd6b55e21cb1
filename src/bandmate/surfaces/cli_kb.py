"""``bandmate kb ...``: what the knowledge base has learned from each user — list and forget corrections.

A correction ("no, by warm I mean less harsh highs") changes how that user's later requests are read;
these commands show every stored one with its number and remove one by that number. Light at import:
the knowledge base (chromadb) loads inside the commands, and listing or forgetting embeds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from bandmate.surfaces.cli_session import JsonFlag, echo_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(name="kb", no_args_is_help=True,
                        help="The knowledge base: list and forget users' corrections.")
    group.command("corrections")(corrections)
    group.command("forget")(forget)
    app.add_typer(group)


def open_kb() -> Any:
    from bandmate.core.settings import Settings
    from bandmate.memory.knowledge import KnowledgeBase
    from bandmate.memory.store import default_home

    return KnowledgeBase(Settings.from_env().home or default_home())  # where `bandmate edit` keeps it


def corrections(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's corrections (default: all).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List stored corrections: id, user, word, meaning and when it was said."""
    rows = [c.to_json() for c in open_kb().corrections(user)]
    if as_json:
        return echo_json(rows)
    if not rows:
        typer.echo("No corrections stored" + (f" for user {user!r}." if user else "."))
        return
    for r in rows:
        when = dt.datetime.fromtimestamp(r["created_at"]).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"#{r['id']}  {r['user']}  {r['word']!r} = {r['meaning']}  ({when})")


def forget(correction_id: Annotated[int, typer.Argument(help="The correction's number (`bandmate kb "
                                                             "corrections` lists them).", min=1)]) -> None:
    """Forget one correction by its number; later requests read the word as the lexicon does."""
    c = open_kb().forget(correction_id)
    typer.echo(f"Forgot #{c.id}: for {c.user}, {c.word!r} = {c.meaning}.")
