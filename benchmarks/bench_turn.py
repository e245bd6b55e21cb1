"""The turn's own speed targets (issue 8): a warm edit turn and a one-shot `bandmate edit`.

Rows:
- warm edit turn on a 30 s, 4-stem session: plan + EQ on one stem + verify + commit, through ``Agent.turn``
  (the agent built once, as the studio, chat and MCP keep it), p50/p95 over several turns. Target p50 ≤ 300 ms.
- ``bandmate edit FILE "make it brighter" -o OUT`` on a 60 s recording (the first 60 s of
  ``../shared/data/real/vibe_ace.ogg`` when present, else a synthetic 60 s mix), as a whole process:
  in a warm home (≤ 4 s), in a fresh home with the embedding cache filled (≤ 8 s), and in a fresh home with
  an empty cache (the very first run on a machine; lexicon words need no model, so it should match).
Run: ``python -m benchmarks.bench_turn [--quick] [--json PATH]``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_session import band, mix_of
from benchmarks.table import main

COLUMNS = ["what", "n", "p50_s", "p95_s", "target_s", "note"]
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "vibe_ace.ogg"
REQUESTS = ["make the bass warmer", "the keys a bit brighter", "make the bass less boomy", "vocals brighter"]


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _warm_turns(n: int) -> list[dict[str, Any]]:
    """Two rows: the issue's turn (the plan is one EQ on one stem, verified and committed as one version),
    and every turn of the request mix (some plans are EQ + compressor, some verify as too subtle and apply
    a second pass: two versions each)."""
    from bandmate.agent.factory import build_agent
    from bandmate.memory.session import Session
    from bandmate.memory.state import StateTable
    from bandmate.memory.store import Store

    store = Store(Path(tempfile.mkdtemp(prefix="bandmate-bench-turn-")))
    stems = band(30.0)
    sid = store.create_session(mix=mix_of(stems), stems=stems, state=StateTable(tempo_bpm=120))
    session = Session(store, sid)
    agent = build_agent(store)
    agent.turn("make the bass warmer", session)  # warm-up: lazy imports and first-use caches
    times, single, tools = [], [], set()
    for i in range(n):
        versions = len(store.history(sid))
        t0 = time.perf_counter()
        res = agent.turn(REQUESTS[i % len(REQUESTS)], session)
        times.append(time.perf_counter() - t0)
        tools |= set(res.plan.tools())
        if res.plan.tools() == ["eq"] and len(store.history(sid)) == versions + 1:
            single.append(times[-1])
    what = "(30 s, 4 stems)"
    return [{"what": f"warm edit turn: one EQ on one stem, one version {what}", "n": len(single),
             "p50_s": statistics.median(single) if single else None,
             "p95_s": _pct(single, 0.95) if single else None, "target_s": 0.3,
             "note": "Agent.turn: plan + eq + verify + commit (the issue's turn)"},
            {"what": f"warm turn, every request of the mix {what}", "n": n, "p50_s": statistics.median(times),
             "p95_s": _pct(times, 0.95), "target_s": None,
             "note": f"Agent.turn: {', '.join(sorted(tools))} + verify; half commit two versions "
                     "(EQ + compressor, or a second pass after 'too subtle')"}]


def _recording(dest: Path, seconds: float) -> tuple[Path, str]:
    from bandmate.core.audio_io import load, save

    if REAL.is_file():
        clip = load(REAL)
        n = min(clip.frames, int(seconds * clip.sample_rate))
        from bandmate.core.clip import Clip

        save(Clip(clip.samples[:, :n], clip.sample_rate, ("vibe_ace",)), dest)
        return dest, f"vibe_ace.ogg, first {n / clip.sample_rate:.0f} s"
    stems = band(seconds)
    save(mix_of(stems), dest)
    return dest, f"synthetic {seconds:.0f} s mix"


def _edit(audio: Path, home: Path, cache: Path) -> float:
    env = {**os.environ, "BANDMATE_HOME": str(home), "BANDMATE_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "bandmate.surfaces.cli", "edit", str(audio), "make it brighter",
           "-o", str(home.parent / "out.wav")]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    took = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return took


def run(quick: bool = False) -> list[dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="bandmate-bench-edit-"))
    audio, what = _recording(work / "in.wav", 10.0 if quick else 60.0)
    reps = 1 if quick else 3
    cache = work / "cache"
    cold = [_edit(audio, work / f"fresh-empty-{i}", work / f"empty-cache-{i}") for i in range(reps)]
    _edit(audio, work / "warm", cache)  # fills the home and the cache
    warm = [_edit(audio, work / "warm", cache) for _ in range(reps)]
    fresh = [_edit(audio, work / f"fresh-{i}", cache) for i in range(reps)]
    rows = _warm_turns(4 if quick else 16)
    for label, times, target in (("bandmate edit, warm home", warm, 4.0),
                                 ("bandmate edit, fresh home", fresh, 8.0),
                                 ("bandmate edit, fresh home + empty cache", cold, 8.0)):
        rows.append({"what": label, "n": len(times), "p50_s": statistics.median(times), "p95_s": max(times),
                     "target_s": target, "note": f"'make it brighter' on {what}; whole process"})
    return rows


if __name__ == "__main__":
    main(run, "Turn speed", COLUMNS)
