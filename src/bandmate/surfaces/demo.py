"""The scripted end-to-end demo that `make run` starts: a conversation with real audio written out.

It creates a session with the embedded generator, talks to the agent like a musician would, and
exports every step's mix and the final stems so you can listen to what each request did.
"""

from __future__ import annotations

from pathlib import Path

SCRIPT = (
    "a dreamy lo-fi loop in F major at 80 bpm with drums, bass, keys and pad, 8 bars",
    "the bass is too boomy",
    "a touch more air on the keys",
    "make it better",
    "what are the chords in bars 5-8?",
    "a drum fill at the end of bar 4",
    "undo that",
    "make the drums punchier and then widen the pad",
)


def run_demo(out_dir: Path, *, planner: str = "offline", script: tuple[str, ...] = SCRIPT, echo=print) -> Path:
    from bandmate.agent.factory import build_agent
    from bandmate.core.audio_io import save
    from bandmate.memory.session import Session
    from bandmate.memory.store import Store

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = Store()
    agent = build_agent(store, planner=planner, user="demo")
    session: Session | None = None
    for i, request in enumerate(script, 1):
        echo(f"\nyou> {request}")
        res = agent.turn(request, session, store=store)
        if res.session_id and session is None:
            session = Session(store, res.session_id)
        echo("bandmate> " + res.message.replace("\n", "\n          "))
        if session is not None and res.version_after != res.version_before:
            path = save(session.mix(), out / f"{i:02d}_v{session.head.id}_mix.wav")
            echo(f"          [wrote {path}]")
    if session is not None:
        written = session.export(out / "final", fmt="wav")
        echo(f"\nsession {session.id}: {len(session.history())} versions; final mix, stems, MIDI and "
             f"history in {out / 'final'} ({len(written)} files)")
    return out
