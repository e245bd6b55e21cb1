"""Rows as plain dicts (for JSON) and the same rows printed as an aligned Markdown table.

Every benchmark returns ``list[dict]``; ``main`` gives each one the same command line:
``python -m benchmarks.bench_x [--quick] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def fmt(value: Any) -> str:
    """Short, readable cells: floats to 3 significant-ish digits, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        mag = abs(value)
        return f"{value:.0f}" if mag >= 100 else f"{value:.1f}" if mag >= 10 else f"{value:.3g}"
    return str(value)


def markdown(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """An aligned Markdown table; columns default to the keys of all rows, in first-seen order."""
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    numeric = [all(_is_number(r.get(c)) for r in rows if r.get(c) is not None) for c in columns]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2))
                          for w, num in zip(widths, numeric, strict=True)) + "|"
    return "\n".join([line(list(columns)), rule, *(line(r) for r in cells)])


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine_note() -> str:
    """Cores and load average: timings on a shared, busy machine are only comparable with this."""
    import os
    import platform

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"machine: {os.cpu_count()} cores, load average {load}, Python {platform.python_version()}"


def main(run: Callable[..., list[dict[str, Any]]], title: str, columns: Sequence[str] | None = None,
         argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Command-line entry shared by the benchmarks: run, print the table, optionally save JSON."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--quick", action="store_true", help="short signals and one repeat (smoke run)")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    ns = parser.parse_args(argv)
    rows = run(quick=ns.quick)
    print(f"### {title}\n")
    print(markdown(rows, columns))
    print(f"\n{machine_note()}")
    if ns.json:
        ns.json.parent.mkdir(parents=True, exist_ok=True)
        ns.json.write_text(json.dumps(rows, indent=2))
    return rows
