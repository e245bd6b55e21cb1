"""``bandmate bench``: every ``benchmarks/bench_*.py`` figure in one report, with the machine described.

Each benchmark module exposes ``run(quick: bool) -> list[dict]``. Every module runs in a fresh Python
process (so one module's imports, caches and peak memory do not colour the next, and a crash stays
contained), and its rows come back as JSON. The report is one Markdown document — the machine, a
headline table (module, rows, seconds, status), then each module's rows — and the same data as JSON,
so two runs (two machines, two commits) can be compared.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bandmate.core.errors import BandmateError

DRIVER = ("import json, sys, importlib\n"
          "m = importlib.import_module(sys.argv[1])\n"
          "rows = m.run(quick=sys.argv[2] == '1')\n"
          "open(sys.argv[3], 'w').write(json.dumps(rows, default=str))\n")


def find_benchmarks(directory: str | Path | None = None) -> Path:
    """The ``benchmarks/`` folder: the one given, else ./benchmarks, else the source checkout's."""
    candidates = [Path(directory)] if directory else [Path.cwd() / "benchmarks",
                                                      Path(__file__).resolve().parents[3] / "benchmarks"]
    for c in candidates:
        if c.is_dir() and any(c.glob("bench_*.py")):
            return c
    raise BandmateError(f"no benchmarks folder with bench_*.py files at {', '.join(map(str, candidates))}; "
                        "run from the source checkout or pass --dir")


def bench_modules(directory: Path, only: Sequence[str] = ()) -> list[str]:
    names = sorted(p.stem for p in directory.glob("bench_*.py"))
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        unknown = sorted(wanted - set(names))
        if unknown:
            raise BandmateError(f"unknown benchmark(s) {unknown}; available: {', '.join(names)}")
        names = [n for n in names if n in wanted]
    return names


def run_module(directory: Path, name: str, quick: bool, timeout_s: float) -> dict[str, Any]:
    """One benchmark module in its own process: {rows, seconds, error}."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", DRIVER, f"{directory.name}.{name}", "1" if quick else "0",
                                   str(out)], cwd=directory.parent, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"rows": [], "seconds": round(time.perf_counter() - t0, 2), "error": f"timed out after {timeout_s:g} s"}
        seconds = round(time.perf_counter() - t0, 2)
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return {"rows": [], "seconds": seconds, "error": f"exit {proc.returncode}: {' | '.join(tail)}"}
        return {"rows": json.loads(out.read_text()), "seconds": seconds, "error": None}


def run_bench(*, quick: bool = False, directory: str | Path | None = None, only: Sequence[str] = (),
              timeout_s: float = 1800.0, on_module=None) -> dict[str, Any]:
    """Run the benchmarks; returns {machine, quick, benchmarks: {name: {rows, seconds, error}}}."""
    from bandmate.eval.machine import describe

    d = find_benchmarks(directory)
    result: dict[str, Any] = {"machine": describe(), "quick": quick, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "benchmarks": {}}
    for name in bench_modules(d, only):
        got = run_module(d, name, quick, timeout_s)
        result["benchmarks"][name] = got
        if on_module is not None:
            on_module(name, got)
    return result


def cell(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        mag = abs(v)
        return "0" if v == 0 else f"{v:.0f}" if mag >= 100 else f"{v:.1f}" if mag >= 10 else f"{v:.3g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)[:60]
    return str(v).replace("|", "/").replace("\n", " ")


def rows_markdown(rows: Sequence[dict[str, Any]]) -> str:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    return "\n".join(lines + ["| " + " | ".join(cell(r.get(c)) for c in cols) + " |" for r in rows])


def markdown(result: dict[str, Any]) -> str:
    from bandmate.eval.machine import describe_text

    m = result["machine"]
    parts = [f"# Bandmate benchmarks{' (quick)' if result['quick'] else ''}", "", f"{result['started']}", "",
             "| machine | |", "|---|---|"]
    parts += [f"| {k} | {cell(v)} |" for k, v in m.items()]
    parts += ["", f"({describe_text(m)})", "", "| benchmark | rows | seconds | status |", "|---|---:|---:|---|"]
    for name, b in result["benchmarks"].items():
        parts.append(f"| {name} | {len(b['rows'])} | {b['seconds']:.1f} | {cell(b['error']) if b['error'] else 'ok'} |")
    for name, b in result["benchmarks"].items():
        if b["rows"]:
            parts += ["", f"## {name}", "", rows_markdown(b["rows"])]
    return "\n".join(parts) + "\n"
