"""Conditional commits: a call whose head moved is replayed (replayable tools) or fails, never branches."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bandmate.core.errors import SessionChanged
from bandmate.core.testsignals import noise, sine
from bandmate.memory.state import StateTable
from bandmate.memory.store import Store
from bandmate.tools import gain
from bandmate.tools.run import run_tool
from bandmate.tools.spec import Registry

SRC = str(Path(__file__).resolve().parents[2] / "src")


def racing_gain(store: Store, sid: str, moves: int, replayable: bool = True) -> Registry:
    """gain, but the first ``moves`` runs let another client commit before they return."""
    left = [moves]

    def fn(args, ctx):
        if left[0] > 0:
            left[0] -= 1
            head = store.version(sid)
            store.commit(sid, parent=head.id, mix=head.mix, stems={}, state=StateTable(tempo_bpm=100),
                         step={"tool": "other client"})
        return gain.gain(args, ctx)

    fn.__doc__ = gain.gain.__doc__
    return Registry([dataclasses.replace(gain.SPEC, fn=fn, replayable=replayable)])


def test_stale_commit_is_refused_and_records_nothing(store):
    sid = store.create_session(mix=sine(220, 0.2), stems={})
    key = store.version(sid).mix
    store.commit(sid, parent=1, mix=key, stems={}, state=StateTable())
    with pytest.raises(SessionChanged, match="the session changed while this ran.*version 1.*now version 2"):
        store.commit(sid, parent=1, mix=key, stems={}, state=StateTable())
    assert [v.id for v in store.history(sid)] == [1, 2] and store.info(sid).head == 2


def test_replayable_call_is_rerun_on_the_new_head(store):
    sid = store.create_session(mix=sine(220, 0.5, amplitude=0.2), stems={})
    out = run_tool(racing_gain(store, sid, moves=2), "gain", {"gain_db": -6.0}, store=store, session_id=sid)
    hist = store.history(sid)
    assert [(v.id, v.parent) for v in hist] == [(1, None), (2, 1), (3, 2), (4, 3)]
    assert out.version.id == 4 and out.version.step["replays"] == 2
    assert out.version.state.tempo_bpm == 100  # computed on the other client's head, not on v1
    want = store.clip(hist[0].mix).samples * np.float32(10 ** (-6 / 20))
    assert np.abs(store.clip(out.version.mix).samples - want).max() < 1e-6


def test_non_replayable_call_fails_with_session_changed(store):
    sid = store.create_session(mix=sine(220, 0.5, amplitude=0.2), stems={})
    with pytest.raises(SessionChanged, match="changed while this ran.*not replayed"):
        run_tool(racing_gain(store, sid, moves=1, replayable=False), "gain", {"gain_db": 3.0}, store=store,
                 session_id=sid)
    assert [v.step["tool"] for v in store.history(sid)] == ["create", "other client"]


def test_model_tools_are_declared_not_replayable():
    from bandmate.tools import default_registry

    fixed = {s.name for s in default_registry() if not s.replayable}
    assert {"generate", "continue", "inpaint", "separate"} <= fixed
    assert default_registry()["gain"].replayable and default_registry()["eq"].replayable


LOOP = """
for k in $(seq 1 {n}); do
  if {py} -m bandmate.cli tool run gain --session {sid} --args "{{\\"gain_db\\": 0.$k}}" >/dev/null 2>>"$1"; then
    echo ok >> "$2"; else echo failed >> "$2"; fi
done
"""


@pytest.mark.timeout(300)
def test_cli_loops_on_one_session_keep_one_line(tmp_path):
    """Three shells looping `bandmate tool run gain` at once: every success is on the head's line."""
    home = tmp_path / "home"
    sid = Store(home).create_session(mix=noise(0.5, channels=2, amplitude=0.1, seed=3), stems={})
    env = {**os.environ, "BANDMATE_HOME": str(home), "PYTHONPATH": SRC}
    script = LOOP.format(n=4, py=sys.executable, sid=sid)
    procs = [subprocess.Popen(["bash", "-c", script, "loop", str(tmp_path / f"err{i}"), str(tmp_path / f"st{i}")],
                              env=env) for i in range(3)]
    for p in procs:
        assert p.wait(timeout=280) == 0
    statuses = [line for i in range(3) for line in (tmp_path / f"st{i}").read_text().split()]
    store = Store(home)
    hist = store.history(sid)
    line, v = [], store.version(sid)
    while v.parent is not None:
        line.append(v.id)
        v = store.version(sid, v.parent)
    assert len(hist) - 1 == statuses.count("ok")  # every version is a reported success ...
    assert sorted(line) == [v.id for v in hist[1:]]  # ... and every one is in the head's line
    assert statuses.count("ok") + statuses.count("failed") == 12
    assert statuses.count("ok") >= 10, [(tmp_path / f"err{i}").read_text()[-500:] for i in range(3)]


def test_orphan_temp_files_are_removed_at_next_open(tmp_path):
    home = tmp_path / "home"
    store = Store(home)
    key = store.blobs.put_clip(sine(220, 0.1))
    folder = store.blobs.root / key[:2]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    orphan = folder / f".{key}.s0.flac.{dead}.ab12cd34.tmp"
    live = folder / f".{key}.s0.flac.{os.getpid()}.ef56ab78.tmp"
    for p in (orphan, live):
        p.write_bytes(b"\0" * 1000)
    reopened = Store(home)
    assert not orphan.exists() and live.exists()  # a live writer's temp file is left alone
    assert reopened.blobs.removed_orphans == 1
    assert reopened.clip(key).frames == sine(220, 0.1).frames
