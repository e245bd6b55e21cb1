"""The studio's chat transcript per session: one JSON line per turn under ``<home>/studio/``.

Sessions and their versions live in the SQLite store; this file only keeps what was said and shown,
so a reload, a server restart or a second tab can show the same conversation. Appends are single
``write`` calls of one line, so two tabs writing at once never interleave inside a line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bandmate.ui.bridge import TurnView

SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Transcripts:
    def __init__(self, home: str | Path):
        self.dir = Path(home) / "studio" / "transcripts"
        self.dir.mkdir(parents=True, exist_ok=True)

    def _path(self, session_id: str) -> Path:
        if not SAFE_ID.match(session_id or ""):
            raise ValueError(f"session id {session_id!r} is not a plain id")
        return self.dir / f"{session_id}.jsonl"

    def append(self, session_id: str, turn: TurnView) -> None:
        line = json.dumps(turn.to_json(), ensure_ascii=False, default=str) + "\n"
        with open(self._path(session_id), "a", encoding="utf-8") as f:
            f.write(line)

    def load(self, session_id: str) -> list[TurnView]:
        p = self._path(session_id)
        if not p.is_file():
            return []
        out = []
        for line in p.read_text(encoding="utf-8").splitlines():
            try:
                out.append(TurnView.from_json(json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash: skip it, keep the rest
        return out
