"""Interpreter latency: offline planning (p50/p95, warm) and knowledge-base retrieval.

Plans the 130 requests of ``tests/agent/requests_offline.py`` against an 8-bar, 120 BPM view with
seven stems, after one warm-up pass; retrieval is timed on the same requests. The knowledge base's
cold start (embedding model load + indexing the lexicon) is reported separately.
Run: ``python -m benchmarks.bench_planner [--quick] [--json PATH]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.table import main

COLUMNS = ["what", "n", "p50_ms", "p95_ms", "mean_ms", "note"]


def _requests() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "agent"))
    from requests_offline import REQUESTS

    return [r[0] for r in REQUESTS]


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _row(what: str, times_s: list[float], note: str = "") -> dict[str, Any]:
    ms = [t * 1000 for t in times_s]
    return {"what": what, "n": len(ms), "p50_ms": _pct(ms, 0.5), "p95_ms": _pct(ms, 0.95),
            "mean_ms": statistics.fmean(ms), "note": note}


def run(quick: bool = False) -> list[dict[str, Any]]:
    from bandmate.agent.offline import OfflinePlanner
    from bandmate.agent.view import SessionView
    from bandmate.memory.knowledge import KnowledgeBase
    from bandmate.memory.state import StateTable
    from bandmate.tools import default_registry

    requests = _requests()[: 30 if quick else None]
    home = Path(tempfile.mkdtemp(prefix="bandmate-bench-"))
    t0 = time.perf_counter()
    kb = KnowledgeBase(home)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    planner = OfflinePlanner(kb, default_registry())
    matcher_s = time.perf_counter() - t0
    view = SessionView(stems=["drums", "bass", "keys", "vocals", "guitar", "pad", "lead"], duration_s=16.0,
                       state=StateTable(tempo_bpm=120, key="A minor"), version=3)
    for r in requests:  # warm-up pass: first queries pay for lazy initialisation
        planner.plan(r, view)
    plan_t, retr_t = [], []
    for r in requests:
        t = time.perf_counter()
        planner.plan(r, view)
        plan_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        kb.retrieve(r, k=5)
        retr_t.append(time.perf_counter() - t)
    return [
        _row("offline plan (warm)", plan_t, "parse + retrieval + intent match + validation"),
        _row("lexicon retrieval (warm)", retr_t, f"chromadb top-5 over {len(kb.lexicon)} terms"),
        {"what": "knowledge base cold start", "n": 1, "p50_ms": cold * 1000, "p95_ms": None,
         "mean_ms": None, "note": "model load + index (first run in a new home)"},
        {"what": "intent exemplars embed", "n": 1, "p50_ms": matcher_s * 1000, "p95_ms": None,
         "mean_ms": None, "note": "once per planner"},
    ]


if __name__ == "__main__":
    main(run, "Interpreter latency", COLUMNS)
