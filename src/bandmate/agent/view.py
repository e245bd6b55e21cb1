"""What a planner may know about a session: stems, length, the state table — never the audio itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from bandmate.memory.state import StateTable


@dataclass(frozen=True)
class SessionView:
    stems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    state: StateTable = field(default_factory=StateTable)
    version: int = 0
    session_id: str | None = None
    history: list[str] = field(default_factory=list)  # summaries of recent steps, oldest first

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
                   session_id=session.id, history=steps)

    def brief(self) -> dict:
        return {"stems": self.stems, "duration_s": round(self.duration_s, 2), "version": self.version,
                "bars": round(self.total_bars, 2) if self.total_bars else None, **self.state.brief()}
