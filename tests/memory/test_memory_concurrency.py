"""Two processes editing one session at the same moment: every commit lands, none is lost or mixed up."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bandmate.core.testsignals import noise
from bandmate.memory.store import Store

CALLS = 20


def gain_for(tag: str, k: int) -> float:
    """Distinct, small gains so every version's level change is identifiable and bounded."""
    return (0.1 + 0.01 * k) * (1 if (k + (tag == "b")) % 2 else -1)


def writer_main(home: str, sid: str, tag: str, go_file: str) -> None:
    """Wait for the go signal, then run CALLS gain calls through run_tool, printing each version id."""
    from bandmate.tools import gain
    from bandmate.tools.run import run_tool
    from bandmate.tools.spec import Registry

    store, registry = Store(home), Registry([gain.SPEC])
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.001)
    for k in range(CALLS):
        out = run_tool(registry, "gain", {"gain_db": gain_for(tag, k)}, store=store, session_id=sid,
                       note=f"{tag}-{k}")
        print(out.version.id, flush=True)
        # a breath between calls: a commit takes a few ms, and without it the writer that wins the first race
        # can win all twenty before the other's first attempt lands (seen once in CI), so they never interleave
        time.sleep(0.003)


def _spawn(*argv: str) -> subprocess.Popen:
    code = ("import importlib.util, sys; s = importlib.util.spec_from_file_location('conc_writer', "
            "sys.argv[1]); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); "
            "m.writer_main(*sys.argv[2:])")
    return subprocess.Popen([sys.executable, "-u", "-c", code, __file__, *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(120)
def test_two_processes_commit_to_one_session(tmp_path):
    home, go = tmp_path / "home", tmp_path / "go"
    store = Store(home)
    sid = store.create_session(mix=noise(1.0, channels=2, amplitude=0.1, seed=5), stems={})
    procs = {tag: _spawn(str(home), sid, tag, str(go)) for tag in ("a", "b")}
    for p in procs.values():
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    go.touch()  # both start committing at once
    reported = {}
    for tag, p in procs.items():
        out, err = p.communicate(timeout=100)
        assert p.returncode == 0, err[-3000:]
        reported[tag] = [int(x) for x in out.split()]

    assert len(reported["a"]) == len(reported["b"]) == CALLS
    assert sorted(reported["a"] + reported["b"]) == list(range(2, 2 * CALLS + 2))  # unique ids, none lost
    hist = store.history(sid)
    assert [v.id for v in hist] == list(range(1, 2 * CALLS + 2))
    assert store.info(sid).head in reported["a"][-1:] + reported["b"][-1:]
    assert any(v.step.get("replays") for v in hist), "no call was replayed; the writers never raced"
    # conditional commits: one line, each version a child of the one before (no silent branch)
    assert [v.parent for v in hist[1:]] == [v.id - 1 for v in hist[1:]]
    assert store.info(sid).head == 2 * CALLS + 1
    notes = {v.id: v.step["note"] for v in hist[1:]}
    assert sorted(notes.values()) == sorted(f"{t}-{k}" for t in "ab" for k in range(CALLS))
    order = [notes[i][0] for i in range(2, 2 * CALLS + 2)]
    switches = sum(x != y for x, y in zip(order, order[1:], strict=False))
    assert switches >= 2, f"the writers never overlapped ({''.join(order)}); the test lost its point"

    # each version is its parent's audio with its own gain applied: loadable and not mixed up
    mixes = {v.id: store.clip(v.mix).samples for v in hist}
    for v in hist[1:]:
        tag, k = v.step["note"].split("-")
        assert v.step["args"]["gain_db"] == gain_for(tag, int(k))
        want = mixes[v.parent] * np.float32(10 ** (gain_for(tag, int(k)) / 20))
        assert np.abs(mixes[v.id] - want).max() < 1e-6, v.id
    db = sqlite3.connect(home / "bandmate.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_many_processes_open_a_fresh_store_at_once(tmp_path):
    """Creating the database and switching it to WAL must not race between first openers."""
    home = tmp_path / "fresh"
    start = time.time() + 1.0
    code = ("import sys, time; from bandmate.memory.store import Store\n"
            "while time.time() < float(sys.argv[2]): time.sleep(0.001)\n"
            "s = Store(sys.argv[1]); print(len(s.list_sessions()))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(home), str(start)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0 and out.strip() == "0", err[-2000:]


def test_threads_storing_the_same_audio_at_once(tmp_path):
    """Several threads saving identical audio (a common stem) all succeed and leave one file."""
    from concurrent.futures import ThreadPoolExecutor

    store = Store(tmp_path / "home")
    clip = noise(3.0, channels=2, amplitude=0.1, seed=9)
    with ThreadPoolExecutor(4) as pool:
        keys = list(pool.map(lambda _: store.blobs.put_clip(clip), range(8)))
    assert len(set(keys)) == 1
    files = [p.name for p in store.blobs.root.rglob("*") if p.is_file()]
    assert files == [f"{keys[0]}.s0.flac"]  # no leftover temp files either
    assert store.clip(keys[0]).frames == clip.frames
