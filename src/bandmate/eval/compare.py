"""Comparing two eval runs (``bandmate compare OUT_A OUT_B``): per-metric deltas and flipped cases.

Rates are compared in percentage points, latencies in seconds; metrics are compared overall and per
category (categories present in either run). Cases are matched by id: those that passed in A and fail
in B (regressions) and the reverse (fixes) are listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bandmate.core.errors import BandmateError

RATES = (("pass_rate", "pass rate"), ("clarify_precision", "clarify precision"),
         ("clarify_recall", "clarify recall"), ("tool_accuracy", "tool choice accuracy"),
         ("target_accuracy", "target accuracy"), ("direction_accuracy", "direction accuracy"),
         ("preservation_rate", "preservation rate"))
LATENCIES = (("plan_s", "p50", "plan latency p50 (s)"), ("plan_s", "p95", "plan latency p95 (s)"),
             ("exec_s", "p50", "execution latency p50 (s)"), ("exec_s", "p95", "execution latency p95 (s)"))


def run_dir(path: str | Path) -> Path:
    """The directory holding ``summary.json`` (a ``--planner both`` run must name its planner folder)."""
    p = Path(path)
    if (p / "summary.json").is_file():
        return p
    subs = sorted(d.name for d in p.glob("*") if (d / "summary.json").is_file()) if p.is_dir() else []
    hint = f"; it holds runs {subs}: pass e.g. {p / subs[0]}" if subs else "; pass the --out folder of a run"
    raise BandmateError(f"{str(p)!r} is not an eval output folder (no summary.json){hint}")


def load(path: str | Path) -> tuple[dict[str, Any], dict[str, bool]]:
    d = run_dir(path)
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    passed = {}
    results = d / "results.jsonl"
    if results.is_file():
        for line in results.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                passed[r["id"]] = bool(r["passed"])
    return summary, passed


def metric_rows(a: dict[str, Any], b: dict[str, Any], scope: str) -> list[dict[str, Any]]:
    rows = []
    for key, label in RATES:
        rows.append(_row(scope, label, a.get(key), b.get(key), "rate"))
    for key, q, label in LATENCIES:
        rows.append(_row(scope, label, (a.get(key) or {}).get(q), (b.get(key) or {}).get(q), "seconds"))
    rows.append(_row(scope, "cases", a.get("cases"), b.get("cases"), "count"))
    return rows


def _row(scope: str, metric: str, va: float | None, vb: float | None, kind: str) -> dict[str, Any]:
    delta = None if va is None or vb is None else vb - va
    return {"scope": scope, "metric": metric, "a": va, "b": vb, "delta": delta, "kind": kind}


def compare_summaries(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of (scope, metric, a, b, delta): overall first, then each category."""
    rows = metric_rows(a["overall"], b["overall"], "overall")
    cats = sorted(set(a.get("by_category", {})) | set(b.get("by_category", {})))
    for c in cats:
        rows += metric_rows(a["by_category"].get(c, {}), b["by_category"].get(c, {}), c)
    return rows


def flipped(pa: dict[str, bool], pb: dict[str, bool]) -> dict[str, list[str]]:
    both = [i for i in pa if i in pb]
    return {"regressions": [i for i in both if pa[i] and not pb[i]],
            "fixes": [i for i in both if pb[i] and not pa[i]],
            "only_a": [i for i in pa if i not in pb], "only_b": [i for i in pb if i not in pa]}


def fmt(v: float | None, kind: str, signed: bool = False) -> str:
    if v is None:
        return "–"
    if kind == "rate":
        return f"{100 * v:+.1f} pp" if signed else f"{100 * v:.1f}%"
    if kind == "seconds":
        return f"{v:+.3f}" if signed else f"{v:.3f}"
    return f"{v:+g}" if signed else f"{v:g}"


def delta_markdown(rows: list[dict[str, Any]], name_a: str = "A", name_b: str = "B") -> str:
    lines = [f"| scope | metric | {name_a} | {name_b} | delta |", "|---|---|---:|---:|---:|"]
    for r in rows:
        if r["a"] is None and r["b"] is None:
            continue
        lines.append(f"| {r['scope']} | {r['metric']} | {fmt(r['a'], r['kind'])} | {fmt(r['b'], r['kind'])} | "
                     f"{fmt(r['delta'], r['kind'], signed=True)} |")
    return "\n".join(lines)


def compare_dirs(a: str | Path, b: str | Path) -> dict[str, Any]:
    """Everything ``bandmate compare`` prints, as data."""
    sa, pa = load(a)
    sb, pb = load(b)
    return {"a": str(run_dir(a)), "b": str(run_dir(b)), "rows": compare_summaries(sa, sb), **flipped(pa, pb)}


def compare_text(result: dict[str, Any], overall_only: bool = False) -> str:
    rows = [r for r in result["rows"] if r["scope"] == "overall"] if overall_only else result["rows"]
    parts = [f"A = {result['a']}", f"B = {result['b']}", "", delta_markdown(rows), ""]
    for key, label in (("regressions", "passed in A, fail in B"), ("fixes", "failed in A, pass in B"),
                       ("only_a", "only in A"), ("only_b", "only in B")):
        ids = result[key]
        if ids:
            shown = ", ".join(ids[:15]) + (f", … (+{len(ids) - 15})" if len(ids) > 15 else "")
            parts.append(f"{label}: {len(ids)} — {shown}")
    return "\n".join(parts)
