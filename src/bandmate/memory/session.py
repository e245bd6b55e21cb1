"""A handle on one stored session: the current version, its audio, undo/redo, A/B and export.

Undo and redo come in two sizes: one version (``undo``/``redo``) and one conversational turn
(``undo_turn``/``redo_turn``: every version a request made, an edit plus its adjustment). What a turn
did and how its words were read is kept as a ``TurnRecord`` beside the versions, so a follow-up
("less", "same for the keys") or a correction still finds it after a restart.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bandmate.core.audio_io import save
from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.memory.store import Store, Version

EDIT_KINDS = ("edit", "followup")  # turns a follow-up or a correction can build on (not questions, failures)


@dataclass(frozen=True)
class TurnRecord:
    """What one request did to a session, for follow-ups and corrections to build on.

    ``steps`` are the tool calls that made versions (``{tool, args}``), ``terms`` the lexicon terms the
    reading used, ``direction`` 'more' | 'less' | None as the request put it, ``intensity`` its size
    (1 = plain), ``range`` the bar/second arguments it applied to, ``expected`` the planned measures.
    """

    id: str
    request: str
    before: int
    after: int
    kind: str = "edit"
    steps: list[dict[str, Any]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    direction: str | None = None
    intensity: float = 1.0
    range: dict[str, Any] = field(default_factory=dict)
    expected: list[dict[str, Any]] = field(default_factory=list)
    reading: str = ""
    created_at: float = 0.0
    error: str | None = None  # the failed step's error, when the turn stopped at one

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TurnRecord:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Session:
    store: Store
    id: str

    @property
    def head(self) -> Version:
        return self.store.version(self.id)

    def version(self, version_id: int | None = None) -> Version:
        return self.store.version(self.id, version_id)

    def mix(self, version_id: int | None = None) -> Clip:
        v = self.version(version_id)
        return self.store.clip(v.mix, f"session {self.id} v{v.id} mix")

    def stem(self, name: str, version_id: int | None = None) -> Clip:
        v = self.version(version_id)
        if name not in v.stems:
            raise ToolInputError(f"version {v.id} has no stem {name!r}; stems: {', '.join(v.stems) or 'none'}")
        return self.store.clip(v.stems[name], f"session {self.id} v{v.id} {name}")

    def stems(self, version_id: int | None = None) -> dict[str, Clip]:
        v = self.version(version_id)
        return {n: self.store.clip(k, f"session {self.id} v{v.id} {n}") for n, k in v.stems.items()}

    def undo(self) -> Version:
        return self.store.undo(self.id)

    def redo(self) -> Version:
        return self.store.redo(self.id)

    def undo_turn(self) -> Version:
        """Undo every version the latest turn made (an edit plus its adjustment is one turn)."""
        turn = self.head.step.get("turn")
        v = self.undo()
        while turn and v.step.get("turn") == turn and v.parent is not None:
            v = self.undo()
        return v

    def redo_turn(self) -> Version:
        """Redo the versions of the most recently undone turn, all of them."""
        v = self.redo()
        turn = v.step.get("turn")
        while turn:
            pending = self.store.info(self.id).redo
            if not pending or self.version(pending[-1]).step.get("turn") != turn:
                break
            v = self.redo()
        return v

    def record_turn(self, record: TurnRecord) -> TurnRecord:
        """Keep ``record`` (stamped with the time) so later turns can build on it."""
        rec = TurnRecord(**{**asdict(record), "created_at": record.created_at or time.time()})
        self.store.record_turn(self.id, rec.id, asdict(rec))
        return rec

    def turns(self) -> list[TurnRecord]:
        return [TurnRecord.from_json(d) for d in self.store.turns(self.id)]

    def last_turn(self) -> TurnRecord | None:
        """The recorded edit turn that produced the head (the one a follow-up or correction refers to).

        A question's analysis (a state-only version) is looked through: "what key is it? … ok, more" still
        refers to the edit before the question. None when the head was not made by a recorded turn (a new
        session, a direct tool call).
        """
        made = {t.after: t for t in self.turns() if t.after != t.before}  # the latest turn per version made
        v, seen = self.head.id, set()
        while v not in seen:
            seen.add(v)
            t = made.get(v)
            if t is None:
                return None
            if t.kind in EDIT_KINDS:
                return t
            v = t.before
        return None

    def checkout(self, version_id: int) -> Version:
        return self.store.checkout(self.id, version_id)

    def history(self) -> list[Version]:
        return self.store.history(self.id)

    def ab(self, a: int, b: int, target: str = "mix") -> tuple[Clip, Clip]:
        """The same target in two versions, for A/B listening or measuring."""
        if target == "mix":
            return self.mix(a), self.mix(b)
        return self.stem(target, a), self.stem(target, b)

    def export(self, out_dir: str | Path, fmt: str = "wav", version_id: int | None = None) -> list[Path]:
        """Write the mix, every stem and the history (JSON) of a version into ``out_dir``."""
        if fmt not in ("wav", "flac"):
            raise ToolInputError(f"export format {fmt!r} unsupported; use 'wav' or 'flac'")
        out = Path(out_dir)
        v = self.version(version_id)
        written = [save(self.mix(v.id), out / f"mix.{fmt}")]
        for name, clip in self.stems(v.id).items():
            written.append(save(clip, out / "stems" / f"{name}.{fmt}"))
        for aname, key in v.assets.items():
            if aname.startswith("midi:"):
                # asset names come from tool calls: keep them from naming a path outside out_dir
                part = re.sub(r"[^\w-]", "_", aname.split(":", 1)[1]) or "part"
                p = out / "midi" / f"{part}.mid"
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(self.store.blobs.get_bytes(key))
                written.append(p)
        hist = out / "history.json"
        info = self.store.info(self.id)
        hist.write_text(json.dumps({"session": self.id, "name": info.name, "head": info.head,
                                    "versions": [h.to_json() for h in self.history()]}, indent=2))
        written.append(hist)
        return written
