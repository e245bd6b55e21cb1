"""One eval run: load the cases, run them with each planner asked for, write every output.

With one planner the outputs go straight into ``out``; with ``both``, into ``out/offline`` and
``out/llm``, plus ``out/comparison.md`` with the per-metric deltas between the two.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bandmate.eval.runner import EvalConfig, OnResult, run_cases
from bandmate.eval.schema import Case, builtin_case_files, load_cases


def select(case_paths: Sequence[str | Path] | None, *, categories: Sequence[str] = (), ids: Sequence[str] = (),
           limit: int | None = None) -> tuple[list[Case], list[str]]:
    """The cases to run (loaded, then filtered by category and id) and a description of their files."""
    cases = load_cases(case_paths)
    if categories:
        cases = [c for c in cases if c.category in categories]
    if ids:
        cases = [c for c in cases if c.id in ids or any(c.id.startswith(i.rstrip("*")) for i in ids if i.endswith("*"))]
    files = [str(p) for p in case_paths] if case_paths else [f"built-in ({len(builtin_case_files())} files)"]
    return cases[:limit] if limit else cases, files


def split_runnable(cases: Sequence[Case]) -> tuple[list[Case], list[dict[str, str]]]:
    """The cases whose recordings are on disk, and ``{id, missing}`` for each one skipped because not."""
    ready, skipped = [], []
    for c in cases:
        missing = c.context.missing_files() if c.context is not None else []
        if missing:
            skipped.append({"id": c.id, "missing": missing[0]})
        else:
            ready.append(c)
    return ready, skipped


def skipped_text(skipped: Sequence[dict[str, str]]) -> str:
    """One line naming how many cases were skipped and which recordings were absent."""
    absent = sorted({s["missing"] for s in skipped})
    return (f"skipped {len(skipped)} case(s) whose recording is absent: {', '.join(absent[:4])}"
            + (f" and {len(absent) - 4} more" if len(absent) > 4 else ""))


def check_planner(planner: str) -> None:
    """Fail before any worker starts when the LLM planner has no model or endpoint configured."""
    if planner != "llm":
        return
    from bandmate.agent.llm_planner import LLMPlanner
    from bandmate.core.settings import Settings
    from bandmate.tools import default_registry

    LLMPlanner.from_settings(Settings.from_env(), registry=default_registry(), kb=None, fallback=None)


def evaluate(cases: Sequence[Case], *, out: str | Path, case_files: Sequence[str] = (), planners: Sequence[str] = ("offline",),
             workers: int = 1, executor: str = "local", address: str | None = None, work_root: str | None = None,
             on_result: OnResult | None = None, command: str = "",
             skipped: Sequence[dict[str, str]] = ()) -> dict[str, dict[str, Any]]:
    """Run every case with every planner; returns {planner: summary}. ``skipped`` (cases left out because
    their recording is absent) is kept in each summary's meta."""
    from bandmate.eval.machine import describe, describe_text
    from bandmate.eval.report import write_run

    for p in planners:
        check_planner(p)
    machine = describe()
    summaries = {}
    for planner in planners:
        target = Path(out) if len(planners) == 1 else Path(out) / planner
        config = EvalConfig(planner=planner, workers=workers if executor == "ray" else max(1, workers), executor=executor, address=address,
                            work_root=str(Path(work_root) / planner) if work_root else None)
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        t0 = time.perf_counter()
        records = run_cases(cases, config, on_result=on_result)
        meta = {"planner": planner, "cases": len(cases), "case_files": list(case_files), "workers": config.workers,
                "executor": executor, "address": address, "started": started,
                "wall_s": round(time.perf_counter() - t0, 2), "machine": machine,
                "machine_text": describe_text(machine), "command": command or "bandmate eval",
                "skipped": list(skipped)}
        summaries[planner] = write_run(target, records, meta)
    if len(planners) > 1:
        from bandmate.eval.compare import compare_summaries, delta_markdown

        a, b = planners[0], planners[1]
        rows = compare_summaries(summaries[a], summaries[b])
        (Path(out) / "comparison.md").write_text(f"# {a} → {b}\n\n{delta_markdown(rows, a, b)}\n", encoding="utf-8")
    return summaries
