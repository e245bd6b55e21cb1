"""``bandmate eval``, ``bandmate compare`` and ``bandmate bench``.

Cheap to import: cases, the agent, matplotlib and the benchmarks load inside the commands.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

PlannerChoice = Literal["offline", "llm", "both"]
ExecutorChoice = Literal["local", "ray"]


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_cmd)
    app.command("compare")(compare_cmd)
    app.command("bench")(bench_cmd)


def _default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def eval_cmd(
    cases: Annotated[list[Path] | None, typer.Option("--cases", help="Case file or folder (repeatable); "
                                                     "default: the built-in set.")] = None,
    planner: Annotated[PlannerChoice, typer.Option("--planner")] = "offline",
    out: Annotated[Path, typer.Option("--out", help="Folder for results.jsonl, summary.json, report.md.")] = Path("eval-out"),
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: cores, "
                                                "at most 8; Ray: one per cluster CPU).")] = None,
    executor: Annotated[ExecutorChoice, typer.Option("--executor", help="local processes or a Ray cluster.")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="Ray address, e.g. auto or ray://head:10001.")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="Only this category (repeatable).")] = None,
    case_id: Annotated[list[str] | None, typer.Option("--id", help="Only this case id, or a prefix ending in * "
                                                      "(repeatable).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many cases.")] = None,
    keep_sessions: Annotated[Path | None, typer.Option("--keep-sessions", help="Keep the case sessions (the "
                                                       "stores of the workers) in this folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per case.")] = False,
) -> None:
    """Run eval cases end to end (plan, execute, measure) and score them; writes a report to --out."""
    from bandmate.core.errors import ToolInputError
    from bandmate.eval.harness import evaluate, select, skipped_text, split_runnable

    if address and executor != "ray":
        raise ToolInputError("--address is for the Ray executor; add --executor ray")
    chosen, files = select(cases, categories=category or (), ids=case_id or (), limit=limit)
    if not chosen:
        raise ToolInputError("no cases left after --category/--id filtering; check the names")
    chosen, skipped = split_runnable(chosen)
    if skipped:
        typer.echo(skipped_text(skipped), err=True)
    if not chosen:
        typer.echo("nothing to run: every selected case needs a recording that is absent", err=True)
        return
    n_workers = workers or (_default_workers() if executor == "local" else 0)  # ray: 0 = one per cluster CPU
    planners = ("offline", "llm") if planner == "both" else (planner,)
    total = len(chosen) * len(planners)
    done = [0]

    def progress(rec: dict) -> None:
        done[0] += 1
        if quiet:
            return
        status = "pass" if rec["passed"] else ("CRASH" if rec.get("crash") else "FAIL")
        why = f" — {rec['failures'][0][:110]}" if rec["failures"] else ""
        typer.echo(f"[{done[0]:>4}/{total}] {status:<5} {rec['planner']:<7} {rec['id']} ({rec['category']})"
                   f"{why}", err=True)

    command = "bandmate " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["eval"] else ""
    summaries = evaluate(chosen, out=out, case_files=files, planners=planners, workers=n_workers,
                         executor=executor, address=address, work_root=str(keep_sessions) if keep_sessions else None,
                         on_result=progress, command=command, skipped=skipped)
    if as_json:
        typer.echo(json.dumps(summaries if len(planners) > 1 else summaries[planners[0]], indent=2, default=str))
        return
    from bandmate.eval.report import overall_rows, table, trust_rows

    for p, s in summaries.items():
        typer.echo(f"\n{p}: {s['meta']['cases']} cases in {s['meta']['wall_s']:.1f} s with "
                   f"{n_workers or 'one per cluster CPU'} worker(s)")
        typer.echo(table(["metric", "value"], overall_rows(s["overall"])))
        typer.echo("\ntrust (each must be 0):")
        typer.echo(table(["check", "count", "of", "verdict", "cases"], trust_rows(s["trust"])))
    where = out if len(planners) == 1 else f"{out}/<planner> and {out}/comparison.md"
    typer.echo(f"\nwrote results.jsonl, summary.json, report.md and plots to {where}", err=True)


def compare_cmd(
    out_a: Annotated[Path, typer.Argument(help="The --out folder of run A (the baseline).")],
    out_b: Annotated[Path, typer.Argument(help="The --out folder of run B.")],
    overall: Annotated[bool, typer.Option("--overall", help="Only the overall metrics, not per category.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the deltas as JSON.")] = False,
) -> None:
    """Per-metric deltas between two eval runs (B minus A), and the cases that flipped."""
    from bandmate.eval.compare import compare_dirs, compare_text

    result = compare_dirs(out_a, out_b)
    typer.echo(json.dumps(result, indent=2, default=str) if as_json else compare_text(result, overall_only=overall))


def bench_cmd(
    quick: Annotated[bool, typer.Option("--quick", help="Short signals, one repeat: a smoke run.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of Markdown.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write bench.md and bench.json here.")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Only this benchmark, e.g. effects "
                                                   "(repeatable).")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="The benchmarks folder (default: "
                                                   "./benchmarks or the source checkout's).")] = None,
    timeout_s: Annotated[float, typer.Option("--timeout-s", min=1, help="Per-benchmark time limit.")] = 1800.0,
) -> None:
    """Run every benchmarks/bench_*.py and print one report with the machine description."""
    from bandmate.eval.bench import markdown, run_bench

    def progress(name: str, got: dict) -> None:
        status = f"error: {got['error']}" if got["error"] else f"{len(got['rows'])} rows"
        typer.echo(f"{name}: {status} ({got['seconds']:.1f} s)", err=True)

    result = run_bench(quick=quick, directory=directory, only=only or (), timeout_s=timeout_s, on_module=progress)
    text = markdown(result)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.md").write_text(text, encoding="utf-8")
        (out / "bench.json").write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    typer.echo(json.dumps(result, indent=2, default=str) if as_json else text)
