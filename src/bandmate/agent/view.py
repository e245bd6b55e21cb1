"""What a planner may know about a session: stems, length, the state table — never the audio itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from bandmate.memory.session import TurnRecord
from bandmate.memory.state import StateTable


@dataclass(frozen=True)
class SessionView:
    stems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    state: StateTable = field(default_factory=StateTable)
    version: int = 0
    session_id: str | None = None
    history: list[str] = field(default_factory=list)  # summaries of recent steps, oldest first
    last_turn: list[dict] = field(default_factory=list)  # the steps ({tool, args}) of the latest turn
    previous: TurnRecord | None = None  # how the request that made the head was read (follow-ups use it)

    @property
    def empty(self) -> bool:
        return self.duration_s <= 0

    @property
    def total_bars(self) -> float | None:
        st = self.state
        if not st.tempo_bpm or self.empty:
            return None
        beats = int(st.time_signature.split("/")[0]) if "/" in st.time_signature else 4
        return (self.duration_s - st.offset_s) / (60.0 / st.tempo_bpm * beats)

    @classmethod
    def of(cls, session) -> SessionView:
        """A view of a stored Session's head version."""
        v = session.head
        mix = session.store.clip(v.mix)
        steps = [h.step.get("tool", "?") for h in session.history()[-8:]]
        return cls(stems=list(v.stems), duration_s=mix.duration_s, state=v.state, version=v.id,
                   session_id=session.id, history=steps, last_turn=_last_turn(session, v),
                   previous=session.last_turn())

    def brief(self) -> dict:
        return {"stems": self.stems, "duration_s": round(self.duration_s, 2), "version": self.version,
                "bars": round(self.total_bars, 2) if self.total_bars else None, **self.state.brief()}


def _last_turn(session, head) -> list[dict]:
    """The head's turn: walk back through parents while the steps carry the head's turn id."""
    turn = head.step.get("turn")
    if not turn:
        return [_step(head)] if head.parent else []
    steps, v = [], head
    while v is not None and v.step.get("turn") == turn:
        steps.append(_step(v))
        v = session.version(v.parent) if v.parent else None
    return steps[::-1]


def _step(version) -> dict:
    """{tool, args} of the step that made ``version``; ``made``: the stem it wrote as a new part, if any;
    ``seed``: the seed a music step used (so "another one" can ask for a different take)."""
    result = version.step.get("result") or {}
    made, seed = result.get("stem"), result.get("seed")
    return {"tool": version.step["tool"], "args": version.step.get("args", {}),
            "made": made if isinstance(made, str) and made in version.stems else None,
            "seed": seed if isinstance(seed, int) else None}
