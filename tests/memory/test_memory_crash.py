"""Crash safety: a writer process is SIGKILLed in the middle of saving versions, again and again.

The writer (``writer_main`` below, run in a subprocess that loads this file) commits versions of two
20 s stereo noise stems plus their mix. Every version's audio is a known function of its id, so after
each kill the test checks that every stored version is complete and holds exactly its own audio.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.testsignals import noise
from bandmate.memory.blobs import quantize
from bandmate.memory.state import StateTable
from bandmate.memory.store import Store

SR = 44100
SECONDS = 20.0
STEMS = ("drums", "bass")


def clips_for(n: int, base: np.ndarray) -> tuple[Clip, dict[str, Clip]]:
    """Version n's stems and mix: shifted, scaled copies of one noise, so each version differs."""
    stems = {name: Clip(np.roll(base, n * 997 + 13 * j, axis=1) * (0.5 + 0.1 * j), SR)
             for j, name in enumerate(STEMS)}
    mix = Clip(sum(c.samples for c in stems.values()), SR)
    return mix, stems


def base_noise() -> np.ndarray:
    return noise(SECONDS, channels=2, amplitude=0.2, seed=7).samples


def writer_main(home: str, sid: str, mode: str) -> None:
    """Commit forever, printing 'saving N' before and 'saved N' after each commit."""
    store = Store(home)
    base = base_noise()
    v1 = store.version(sid, 1)
    print("ready", flush=True)
    while True:
        head = store.version(sid)
        n = head.id + 1
        if mode == "audio":
            mix, stems = clips_for(n, base)
        else:  # metadata only: re-use version 1's blobs, so the time goes to SQLite
            mix, stems = v1.mix, dict(v1.stems)
        print(f"saving {n}", flush=True)
        v = store.commit(sid, parent=head.id, mix=mix, stems=stems, state=StateTable(tempo_bpm=60 + n),
                         step={"tool": "writer", "args": {"n": n, "mode": mode}})
        print(f"saved {v.id}", flush=True)


def _spawn(home: Path, sid: str, mode: str) -> subprocess.Popen:
    code = ("import importlib.util, sys; s = importlib.util.spec_from_file_location('crash_writer', "
            "sys.argv[1]); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); "
            "m.writer_main(*sys.argv[2:])")
    return subprocess.Popen([sys.executable, "-u", "-c", code, __file__, str(home), sid, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_during_save(home: Path, sid: str, mode: str, rng: np.random.Generator) -> list[str]:
    """Start a writer, let it reach its k-th save (or run a while), SIGKILL it; return its output lines."""
    proc = _spawn(home, sid, mode)
    lines: list[str] = []
    saves_to_wait = int(rng.integers(1, 3)) if mode == "audio" else 1
    while sum(ln.startswith("saving") for ln in lines) < saves_to_wait:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"writer died on its own: {proc.stderr.read()[-2000:]}")
        lines.append(line.strip())
    # an audio save takes a few hundred ms (3 x 20 s FLAC with fsync), so this lands inside it;
    # metadata saves take ~2 ms each, so a longer random delay lands somewhere in a stream of them
    time.sleep(rng.uniform(0.0, 0.12) if mode == "audio" else rng.uniform(0.05, 0.4))
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    return lines + out.split("\n")


def _check_after_kill(home: Path, sid: str, lines: list[str], before: int) -> tuple[int, bool]:
    """The session opens at a complete head; the version count matches what the writer reported."""
    lines = [ln for ln in lines if ln.startswith(("saving", "saved"))]
    saved = [int(ln.split()[1]) for ln in lines if ln.startswith("saved")]
    mid_save = bool(lines) and lines[-1].startswith("saving")
    last_saved = max(saved, default=before)
    store = Store(home)  # reopening recovers the WAL left by the killed writer
    info = store.info(sid)
    allowed = {last_saved, int(lines[-1].split()[1])} if mid_save else {last_saved}
    assert info.versions in allowed, (info, lines[-3:])
    assert info.head == info.versions
    assert [v.id for v in store.history(sid)] == list(range(1, info.versions + 1))
    head = store.version(sid)
    assert head.parent == (head.id - 1 or None) and head.state.tempo_bpm == 60 + head.id
    mix = store.clip(head.mix)
    stems = [store.clip(k) for k in head.stems.values()]
    assert all(c.frames == SR * SECONDS for c in [mix, *stems])
    db = sqlite3.connect(home / "bandmate.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    return info.versions, mid_save


def _check_every_version_holds_its_own_audio(store: Store, sid: str) -> None:
    """Each version's blobs are exactly the audio the writer made for it (each blob decoded once)."""
    base = base_noise()
    expected: dict[str, Clip] = {}  # blob key -> the quantised audio it must hold
    for v in store.history(sid):
        n = 1 if v.step["args"]["mode"] == "keys" else v.id
        if v.mix in expected:
            continue
        mix, stems = clips_for(n, base)
        assert set(v.stems) == set(STEMS)
        expected[v.mix] = quantize(mix)
        expected.update({v.stems[name]: quantize(clip) for name, clip in stems.items()})
    for key, want in expected.items():
        assert np.array_equal(store.clip(key).samples, want.samples), key
    # no torn blob is ever visible under its final name: the rest (audio of a save that was killed
    # before its commit) decode in full too
    for key in {p.name.split(".")[0] for p in store.blobs.root.rglob("*.flac")} - set(expected):
        assert store.clip(key).frames == SR * SECONDS


@pytest.mark.timeout(120)
def test_sigkill_during_saves_never_loses_a_version(tmp_path):
    home = tmp_path / "home"
    store = Store(home)
    mix, stems = clips_for(1, base_noise())
    sid = store.create_session(mix=mix, stems=stems, state=StateTable(tempo_bpm=61),
                               step={"tool": "writer", "args": {"n": 1, "mode": "audio"}})
    rng = np.random.default_rng(2024)
    count, mid_saves, after_audio = 1, 0, 0
    for mode in ["audio"] * 4 + ["keys"] * 3:
        lines = _kill_during_save(home, sid, mode, rng)
        count, mid = _check_after_kill(home, sid, lines, count)
        mid_saves += mid and mode == "audio"
        after_audio = count if mode == "audio" else after_audio
    assert mid_saves >= 3, "the kills did not land inside audio saves; the test lost its point"
    assert count > after_audio, "the metadata writers never committed, so no kill hit SQLite at work"
    store = Store(home)
    _check_every_version_holds_its_own_audio(store, sid)
    # and the session keeps working: a real tool call commits a new version on top
    from bandmate.tools import default_registry
    from bandmate.tools.run import run_tool

    out = run_tool(default_registry(), "gain", {"target": "bass", "gain_db": -6.0}, store=store, session_id=sid)
    assert (out.version.id, out.version.parent) == (count + 1, count)
    assert store.clip(out.version.stems["bass"]).peak() == pytest.approx(
        store.clip(store.version(sid, count).stems["bass"]).peak() * 10 ** (-6 / 20), rel=1e-5)
