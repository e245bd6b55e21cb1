"""Session save/load times with four 30 s stereo 44.1 kHz stems (the size of a typical song sketch).

Rows: creating a session (mix + 4 stems written), committing a version whose 4 stems all changed,
a real tool call that changes one stem (``run_tool`` gain: 1 stem + re-rendered mix written), loading
the head with every stem from a freshly opened store, undo, redo, and the disk used per version.
Run: ``python -m benchmarks.bench_session [--quick] [--json PATH]``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.testsignals import noise, sine
from bandmate.memory.state import StateTable
from bandmate.memory.store import Store
from benchmarks.table import main, median_time

SR = 44100
STEMS = ("drums", "bass", "keys", "vocals")
COLUMNS = ["operation", "seconds", "per_blob_s", "note"]


def band(duration_s: float, variant: int = 0) -> dict[str, Clip]:
    """Four stereo stems with different spectra (noise drums, sine bass/keys, a vibrato 'voice')."""
    drums = noise(duration_s, amplitude=0.1, channels=2, color="pink", seed=variant).samples
    bass = sine(55 + variant, duration_s, amplitude=0.3, channels=2).samples
    keys = sum(sine(f + variant, duration_s, amplitude=0.08, channels=2).samples for f in (262, 330, 392))
    t = np.arange(int(duration_s * SR)) / SR
    voice = (0.2 * np.sin(2 * np.pi * (440 + variant) * t + 3 * np.sin(2 * np.pi * 5 * t))).astype(np.float32)
    voice += noise(duration_s, amplitude=0.005, seed=variant + 99).samples[0]  # breath, so it is not pure
    parts = [drums, bass, keys, np.stack([voice, voice])]
    return {n: Clip(np.ascontiguousarray(x, np.float32), SR, (n,)) for n, x in zip(STEMS, parts, strict=True)}


def mix_of(stems: dict[str, Clip]) -> Clip:
    return Clip(sum(c.samples for c in stems.values()), SR, ("mix",))


def _du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def run(quick: bool = False) -> list[dict[str, Any]]:
    duration_s, repeats = (5.0, 1) if quick else (30.0, 3)
    fresh = iter(range(10**6))  # every save gets audio never stored before: no free de-duplication
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store = Store(home)
        sids: list[str] = []

        def create(stems: dict[str, Clip]) -> None:
            sids.append(store.create_session(mix=mix_of(stems), stems=stems, state=StateTable(tempo_bpm=96)))

        secs = timed(lambda: band(duration_s, next(fresh)), create, repeats)
        rows.append(_row("create session (mix + 4 stems)", secs, 5))
        sid = sids[0]

        def commit_all(stems: dict[str, Clip]) -> None:
            head = store.version(sid)
            store.commit(sid, parent=head.id, mix=mix_of(stems), stems=stems, state=head.state)

        secs = timed(lambda: band(duration_s, next(fresh)), commit_all, repeats)
        rows.append(_row("commit, all 4 stems changed", secs, 5))
        rows.append(_tool_call_row(store, sid, repeats))
        secs = timed(lambda: None, lambda _: _load_all(home, sid), repeats)
        rows.append(_row("load head + 4 stems (fresh Store)", secs, 5, "decode 5 x FLAC"))
        rows += _undo_redo_rows(store, sid, pairs=5)
        versions = sum(i.versions for i in store.list_sessions())
        rows.append({"operation": f"disk per version ({versions} versions)", "seconds": None,
                     "per_blob_s": None, "note": f"{_du_mb(home) / versions:.1f} MB (24-bit FLAC)"})
    for r in rows:
        r["audio_s"] = duration_s
    return rows


def timed(prepare, op, repeats: int) -> float:
    """Median seconds of ``op(prepare())`` over ``repeats`` runs, timing ``op`` only."""
    times = []
    for _ in range(max(1, repeats)):
        arg = prepare()
        t0 = time.perf_counter()
        op(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _undo_redo_rows(store: Store, sid: str, pairs: int) -> list[dict[str, Any]]:
    undo, redo = [], []
    for _ in range(pairs):
        undo.append(median_time(lambda: store.undo(sid), 1))
        redo.append(median_time(lambda: store.redo(sid), 1))
    return [_row("undo", statistics.median(undo), None, "metadata only (SQLite)"),
            _row("redo", statistics.median(redo), None, "metadata only (SQLite)")]


def _tool_call_row(store: Store, sid: str, repeats: int) -> dict[str, Any]:
    from bandmate.tools import gain
    from bandmate.tools.run import run_tool
    from bandmate.tools.spec import Registry

    registry = Registry([gain.SPEC])
    gains = iter(0.5 + 0.25 * k for k in range(10**6))
    secs = median_time(lambda: run_tool(registry, "gain", {"target": "bass", "gain_db": next(gains)},
                                        store=store, session_id=sid), repeats)
    return _row("run_tool gain on bass (1 stem + mix)", secs, 2, "effect + mix render + 2 blobs + commit")


def _load_all(home: Path, sid: str) -> None:
    from bandmate.memory.session import Session

    s = Session(Store(home), sid)
    s.mix()
    s.stems()


def _row(op: str, secs: float, blobs: int | None, note: str = "") -> dict[str, Any]:
    return {"operation": op, "seconds": secs, "per_blob_s": secs / blobs if blobs else None, "note": note}


if __name__ == "__main__":
    main(run, "Session save/load (4 stereo stems, 44.1 kHz; medians)", COLUMNS)
