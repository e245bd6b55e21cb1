"""Persistent sessions: SQLite (WAL) metadata + content-addressed FLAC blobs under ``BANDMATE_HOME``.

Every commit is one SQLite transaction that inserts a complete version and moves the head; its audio
is written (fsync + rename) before the transaction starts. A process killed at any moment therefore
leaves each session at its last complete version, and concurrent writers serialise on SQLite's lock.

Commits are conditional: a commit names the version it was computed from (``parent``) and succeeds
only while that version is still the head. If another writer moved the head in between, the commit
raises ``SessionChanged`` and nothing is recorded, so no edit ever lands silently off the head's line
(``tools.run`` decides whether to replay the call on the new head).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bandmate.core.clip import Clip
from bandmate.core.errors import SessionChanged, SessionError, ToolInputError
from bandmate.memory.blobs import BlobStore
from bandmate.memory.state import StateTable

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, user TEXT NOT NULL, created_at REAL NOT NULL,
  head INTEGER NOT NULL, redo TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS versions (
  session_id TEXT NOT NULL, id INTEGER NOT NULL, parent INTEGER, created_at REAL NOT NULL,
  mix TEXT NOT NULL, stems TEXT NOT NULL, state TEXT NOT NULL, bus TEXT NOT NULL,
  assets TEXT NOT NULL, step TEXT NOT NULL, PRIMARY KEY (session_id, id));
CREATE TABLE IF NOT EXISTS turns (
  session_id TEXT NOT NULL, id TEXT NOT NULL, created_at REAL NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (session_id, id));
"""


def default_home() -> Path:
    env = os.environ.get("BANDMATE_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("bandmate"))


@dataclass(frozen=True)
class Version:
    session_id: str
    id: int
    parent: int | None
    created_at: float
    mix: str
    stems: dict[str, str]
    state: StateTable
    bus: list[dict[str, Any]]
    assets: dict[str, str]
    step: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"version": self.id, "parent": self.parent, "created_at": self.created_at,
                "mix": self.mix, "stems": self.stems, "state": self.state.to_json(), "bus": self.bus,
                "assets": self.assets, "step": self.step}


@dataclass(frozen=True)
class SessionInfo:
    id: str
    name: str
    user: str
    created_at: float
    head: int
    redo: list[int] = field(default_factory=list)
    versions: int = 0


class Store:
    """All sessions under one data directory. Cheap to open; safe to share between processes."""

    def __init__(self, home: str | Path | None = None):
        self.home = Path(home) if home is not None else default_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobStore(self.home / "blobs")
        self._db_path = self.home / "bandmate.sqlite3"
        self._local = threading.local()
        self._init_schema()

    def _init_schema(self, attempts: int = 50) -> None:
        """Switch to WAL (persistent in the file) and create the tables, retrying while another
        process does the same: the WAL switch can report "database is locked" without waiting."""
        for attempt in range(attempts):
            db = sqlite3.connect(self._db_path, timeout=60)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == attempts - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
            finally:
                db.close()

    @contextmanager
    def _tx(self, write: bool = True):
        """One transaction. Each thread of each process keeps one connection to the database (opening one
        costs more than most queries); a transaction opened inside another on the same thread gets a
        connection of its own, closed after it."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a forked child never uses its parent's connection
            local.db, local.pid, local.busy = None, os.getpid(), False
        nested = local.busy
        if nested:
            db = self._connect()
        else:
            if local.db is None:
                local.db = self._connect()
            db, local.busy = local.db, True
        try:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    if not nested:  # a connection in an unknown state is not kept
                        local.db = None
                        db.close()
                raise
        finally:
            if nested:
                db.close()
            else:
                local.busy = False

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._db_path, timeout=60, isolation_level=None, check_same_thread=True)
        db.execute("PRAGMA synchronous=FULL")  # per connection; WAL itself is set once in the file
        return db

    # ---- sessions -------------------------------------------------------------------------------
    def create_session(self, *, mix: Clip, stems: Mapping[str, Clip] | None = None,
                       state: StateTable | None = None, name: str = "", user: str = "default",
                       assets: Mapping[str, str] | None = None, step: dict | None = None) -> str:
        sid = uuid.uuid4().hex[:10]
        keys = self._put_all(mix, stems or {})
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT INTO sessions VALUES (?,?,?,?,?,?)", (sid, name or sid, user, now, 1, "[]"))
            self._insert_version(db, sid, 1, None, keys, state or StateTable(), [], dict(assets or {}),
                                 step or {"tool": "create", "args": {}, "summary": "new session"})
        return sid

    def list_sessions(self) -> list[SessionInfo]:
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT s.id, s.name, s.user, s.created_at, s.head, s.redo, COUNT(v.id) FROM sessions s "
                "JOIN versions v ON v.session_id = s.id GROUP BY s.id ORDER BY s.created_at").fetchall()
        return [SessionInfo(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def info(self, session_id: str) -> SessionInfo:
        with self._tx(write=False) as db:
            return self._info(db, session_id)

    def _info(self, db: sqlite3.Connection, session_id: str) -> SessionInfo:
        row = db.execute("SELECT id, name, user, created_at, head, redo FROM sessions WHERE id=?",
                         (session_id,)).fetchone()
        if row is None:
            known = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY created_at DESC LIMIT 5")]
            raise SessionError(f"no session {session_id!r}; recent sessions: {known or 'none'} "
                               "(see `bandmate session list`)")
        n = db.execute("SELECT COUNT(*) FROM versions WHERE session_id=?", (session_id,)).fetchone()[0]
        return SessionInfo(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), n)

    # ---- versions -------------------------------------------------------------------------------
    def version(self, session_id: str, version_id: int | None = None) -> Version:
        with self._tx(write=False) as db:
            info = self._info(db, session_id)
            vid = info.head if version_id is None else version_id
            row = db.execute("SELECT * FROM versions WHERE session_id=? AND id=?", (session_id, vid)).fetchone()
            if row is None:
                raise SessionError(f"session {session_id} has no version {vid}; it has versions "
                                   f"1–{info.versions}")
        return _row_to_version(row)

    def history(self, session_id: str) -> list[Version]:
        with self._tx(write=False) as db:
            self._info(db, session_id)
            rows = db.execute("SELECT * FROM versions WHERE session_id=? ORDER BY id", (session_id,)).fetchall()
        return [_row_to_version(r) for r in rows]

    def commit(self, session_id: str, *, parent: int, mix: Clip | str,
               stems: Mapping[str, Clip | str], state: StateTable, bus: list[dict] | None = None,
               assets: Mapping[str, str] | None = None, step: dict | None = None) -> Version:
        """Record a complete new version as a child of ``parent`` and make it the head.

        ``parent`` must still be the head when the transaction runs; otherwise ``SessionChanged``.
        """
        keys = self._put_all(mix, stems)
        with self._tx() as db:
            info = self._info(db, session_id)
            if db.execute("SELECT 1 FROM versions WHERE session_id=? AND id=?",
                          (session_id, parent)).fetchone() is None:
                raise SessionError(f"parent version {parent} does not exist in session {session_id}")
            if info.head != parent:
                raise SessionChanged(f"the session changed while this ran: it was computed on version "
                                     f"{parent} but the head is now version {info.head} (another client "
                                     "edited, undid or checked out). Nothing was recorded; run the call again "
                                     "on the new head")
            vid = db.execute("SELECT MAX(id) FROM versions WHERE session_id=?", (session_id,)).fetchone()[0] + 1
            self._insert_version(db, session_id, vid, parent, keys, state, bus or [], dict(assets or {}),
                                 step or {})
            db.execute("UPDATE sessions SET head=?, redo='[]' WHERE id=?", (vid, session_id))
        return self.version(session_id, vid)

    def undo(self, session_id: str) -> Version:
        with self._tx() as db:
            info = self._info(db, session_id)
            parent = db.execute("SELECT parent FROM versions WHERE session_id=? AND id=?",
                                (session_id, info.head)).fetchone()[0]
            if parent is None:
                raise ToolInputError("nothing to undo: the session is at its first version")
            db.execute("UPDATE sessions SET head=?, redo=? WHERE id=?",
                       (parent, json.dumps([*info.redo, info.head]), session_id))
        return self.version(session_id)

    def redo(self, session_id: str) -> Version:
        with self._tx() as db:
            info = self._info(db, session_id)
            if not info.redo:
                raise ToolInputError("nothing to redo: no undone version is waiting")
            db.execute("UPDATE sessions SET head=?, redo=? WHERE id=?",
                       (info.redo[-1], json.dumps(info.redo[:-1]), session_id))
        return self.version(session_id)

    def checkout(self, session_id: str, version_id: int) -> Version:
        self.version(session_id, version_id)  # validates
        with self._tx() as db:
            db.execute("UPDATE sessions SET head=?, redo='[]' WHERE id=?", (version_id, session_id))
        return self.version(session_id)

    # ---- turns ----------------------------------------------------------------------------------
    def record_turn(self, session_id: str, turn_id: str, record: dict[str, Any]) -> None:
        """Keep what one conversational turn did (request, reading, steps), keyed by its turn id."""
        with self._tx() as db:
            self._info(db, session_id)
            db.execute("INSERT OR REPLACE INTO turns VALUES (?,?,?,?)",
                       (session_id, turn_id, time.time(), json.dumps(record, default=str)))

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        """Every recorded turn of a session, oldest first."""
        with self._tx(write=False) as db:
            rows = db.execute("SELECT id, created_at, record FROM turns WHERE session_id=? ORDER BY created_at",
                              (session_id,)).fetchall()
        return [{**json.loads(r[2]), "id": r[0], "created_at": r[1]} for r in rows]

    # ---- audio ----------------------------------------------------------------------------------
    def clip(self, key: str, label: str | None = None) -> Clip:
        return self.blobs.get_clip(key, label)

    def _put_all(self, mix: Clip | str, stems: Mapping[str, Clip | str]) -> dict[str, Any]:
        """Keys for the mix and stems; new clips are written (side by side) before this returns."""
        named = {"mix": mix, **{f"stem:{n}": c for n, c in stems.items()}}
        new = [n for n, c in named.items() if not isinstance(c, str)]
        keys = dict(zip(new, self.blobs.put_clips([named[n] for n in new]), strict=True))
        key = {n: keys.get(n, c) for n, c in named.items()}
        return {"mix": key["mix"], "stems": {n: key[f"stem:{n}"] for n in stems}}

    @staticmethod
    def _insert_version(db, sid, vid, parent, keys, state, bus, assets, step) -> None:
        db.execute("INSERT INTO versions VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (sid, vid, parent, time.time(), keys["mix"], json.dumps(keys["stems"]),
                    json.dumps(state.to_json()), json.dumps(bus), json.dumps(assets),
                    json.dumps(step, default=str)))


def _row_to_version(row) -> Version:
    return Version(session_id=row[0], id=row[1], parent=row[2], created_at=row[3], mix=row[4],
                   stems=json.loads(row[5]), state=StateTable.model_validate(json.loads(row[6])),
                   bus=json.loads(row[7]), assets=json.loads(row[8]), step=json.loads(row[9]))
