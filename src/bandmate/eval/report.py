"""Writing a run: ``results.jsonl`` (one line per case), ``summary.json`` and ``report.md`` with plots.

Plots are PNGs drawn with matplotlib's Agg backend (no display needed): accuracy by category, the
measured changes per measure (signed so that right of zero is the intended way), and latency.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bandmate.eval.scoring import RELATIVE_PCT, intended_change, summarize

CATEGORY_COLUMNS = (("pass_rate", "pass"), ("tool_accuracy", "tools"), ("target_accuracy", "target"),
                    ("direction_accuracy", "direction"), ("preservation_rate", "preserve"))


def write_run(out: str | Path, records: Sequence[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """Write every output of one run into ``out``; returns the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    summary = {"meta": meta, **summarize(records)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    figures = plots(out, records, summary)
    (out / "report.md").write_text(markdown(records, summary, figures), encoding="utf-8")
    return summary


def read_run(out: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out = Path(out)
    records = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return records, json.loads((out / "summary.json").read_text(encoding="utf-8"))


# ---- text -----------------------------------------------------------------------------------------
def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def secs(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def overall_rows(o: dict[str, Any]) -> list[list[str]]:
    cc = o["clarify_counts"]
    return [["cases (passed)", f"{o['cases']} ({o['passed']})"], ["pass rate", pct(o["pass_rate"])],
            ["crashed", str(o["crashed"])],
            ["plans made by", ", ".join(f"{k} {v}" for k, v in o.get("planned_by", {}).items()) or "–"],
            ["clarify precision", f"{pct(o['clarify_precision'])} (asked back {cc['tp'] + cc['fp']}, rightly {cc['tp']})"],
            ["clarify recall", f"{pct(o['clarify_recall'])} (of {cc['tp'] + cc['fn']} that should ask)"],
            ["tool choice accuracy", f"{pct(o['tool_accuracy'])} (n={o['tool_accuracy_n']})"],
            ["target accuracy", f"{pct(o['target_accuracy'])} (n={o['target_accuracy_n']})"],
            ["direction accuracy (measured)", f"{pct(o['direction_accuracy'])} (n={o['direction_accuracy_n']})"],
            ["preservation rate", f"{pct(o['preservation_rate'])} (n={o['preservation_rate_n']})"],
            ["plan latency p50 / p95 (s)", f"{secs(o['plan_s']['p50'])} / {secs(o['plan_s']['p95'])}"],
            ["execution latency p50 / p95 (s)", f"{secs(o['exec_s']['p50'])} / {secs(o['exec_s']['p95'])}"],
            ["whole case p50 / p95 (s)", f"{secs(o['case_s']['p50'])} / {secs(o['case_s']['p95'])}"]]


def trust_rows(trust: dict[str, Any]) -> list[list[str]]:
    """One row per trust check: what, count, out of how many cases it applies to, verdict, which cases."""
    from bandmate.eval.trust import TRUST_CHECKS

    rows = []
    for name, label in TRUST_CHECKS.items():
        t = trust[name]
        shown = ", ".join(t["cases"][:6]) + (f" … (+{len(t['cases']) - 6})" if len(t["cases"]) > 6 else "")
        rows.append([label, str(t["count"]), str(t["of"]), "ok" if t["count"] == 0 else "FAIL", shown or "–"])
    return rows


def trust_section(trust: dict[str, Any] | None) -> list[str]:
    """The report's "Trust" section (each count must be 0); empty for a summary written before it existed."""
    if not trust:
        return []
    verdict = "all 0: pass" if trust["passed"] else "not all 0: FAIL"
    return ["## Trust", "", f"Each count must be 0 ({verdict}). \"of\" is how many cases the check applies to.", "",
            table(["check", "count", "of", "verdict", "cases"], trust_rows(trust)), ""]


def category_rows(by_cat: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for cat, m in by_cat.items():
        rows.append([cat, str(m["cases"]), pct(m["pass_rate"]),
                     f"{pct(m['clarify_precision'])} / {pct(m['clarify_recall'])}",
                     pct(m["tool_accuracy"]), pct(m["target_accuracy"]), pct(m["direction_accuracy"]),
                     pct(m["preservation_rate"]), secs(m["plan_s"]["p50"]), secs(m["exec_s"]["p50"])])
    return rows


def markdown(records: Sequence[dict[str, Any]], summary: dict[str, Any], figures: dict[str, str]) -> str:
    meta = summary["meta"]
    parts = [f"# Bandmate eval — planner `{meta.get('planner')}`", "",
             f"{meta.get('cases')} cases from {', '.join(meta.get('case_files', [])) or '?'}; "
             f"{meta.get('workers')} worker(s), executor {meta.get('executor')}; wall time "
             f"{meta.get('wall_s', 0):.1f} s; {meta.get('started', '')}.", "",
             f"Machine: {meta.get('machine_text', '?')}.", "",
             f"Reproduce: `{meta.get('command', 'bandmate eval')}`", "", *_skipped(meta.get("skipped")), "## Overall", "",
             table(["metric", "value"], overall_rows(summary["overall"])), "", *trust_section(summary.get("trust")),
             "## By category", "",
             table(["category", "cases", "pass", "clarify P / R", "tools", "target", "direction", "preserve",
                    "plan p50 s", "exec p50 s"], category_rows(summary["by_category"]))]
    for title, name in (("Accuracy by category", "accuracy"), ("Measured changes", "changes"),
                        ("Latency", "latency")):
        if name in figures:
            parts += ["", f"## {title}", "", f"![{title}]({figures[name]})"]
    bm = summary["by_measure"]
    if bm:
        parts += ["", "Expected changes per measure (median change in the intended direction; relative measures "
                  "in % of before):", "",
                  table(["measure", "checks", "held", "median intended change"],
                        [[k, str(v["checks"]), str(v["held"]), _num(v["median_intended_change"])]
                         for k, v in bm.items()])]
    parts += ["", "## Failed cases", ""] + _failures(records)
    return "\n".join(parts) + "\n"


def _skipped(skipped: Sequence[dict[str, str]] | None) -> list[str]:
    if not skipped:
        return []
    absent = sorted({s["missing"] for s in skipped})
    return [f"Skipped {len(skipped)} case(s) whose recording is absent ({', '.join(absent)}).", ""]


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:+.3g}"


def _failures(records: Sequence[dict[str, Any]]) -> list[str]:
    failed = [r for r in records if not r["passed"]]
    if not failed:
        return ["None."]
    lines = [f"{len(failed)} of {len(records)} cases failed.", "", "<details><summary>every failure</summary>", ""]
    for r in failed:
        did = r.get("kind") or "crash"
        tools = ", ".join(r.get("tools") or []) or "no tools"
        lines.append(f"- **{r['id']}** ({r['category']}) “{r['request']}” → {did}: {tools}")
        lines += [f"  - {' '.join(str(f).split())[:300]}" for f in r["failures"]]
    return lines + ["", "</details>"]


# ---- plots ----------------------------------------------------------------------------------------
def plots(out: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any]) -> dict[str, str]:
    """Draw the PNGs into ``out``; returns {name: file name} of those drawn."""
    import matplotlib

    matplotlib.use("Agg")  # files only: works without a display, in workers and CI
    import matplotlib.pyplot as plt

    drawn = {}
    for name, fn in (("accuracy", _plot_accuracy), ("changes", _plot_changes), ("latency", _plot_latency)):
        fig = fn(plt, records, summary)
        if fig is not None:
            fig.savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")
            plt.close(fig)
            drawn[name] = f"{name}.png"
    return drawn


def _plot_accuracy(plt, records, summary):
    cats = list(summary["by_category"])
    if not cats:
        return None
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(cats) * len(CATEGORY_COLUMNS) / 2 + 1.5))
    h = 0.8 / len(CATEGORY_COLUMNS)
    for j, (key, label) in enumerate(CATEGORY_COLUMNS):
        vals = [summary["by_category"][c][key] for c in cats]
        ys = [i + (j - (len(CATEGORY_COLUMNS) - 1) / 2) * h for i in range(len(cats))]
        ax.barh(ys, [100 * v if v is not None else 0 for v in vals], height=h, label=label)
    ax.set_yticks(range(len(cats)), [f"{c} ({summary['by_category'][c]['cases']})" for c in cats])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the cases that state the expectation")
    ax.set_title("Accuracy by category")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _plot_changes(plt, records, summary):
    rows: dict[str, list[tuple[float, bool]]] = {}
    for r in records:
        obs = r.get("measured") or {}
        for c in [*obs.get("changes", []), *obs.get("changes_any", [])]:
            v = intended_change(c)
            if v is not None:
                rows.setdefault(c["measure"], []).append((v, c["ok"]))
    if not rows:
        return None
    names = sorted(rows, key=lambda k: -len(rows[k]))[:12]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(names) + 1.5))
    for i, name in enumerate(names):
        for held, colour in ((True, "tab:green"), (False, "tab:red")):
            xs = [v for v, ok in rows[name] if ok == held]
            jitter = [i + 0.25 * (((k * 7919) % 13) / 12 - 0.5) for k in range(len(xs))]
            ax.scatter(xs, jitter, s=14, color=colour, alpha=0.7, label=("held" if held else "did not hold")
                       if i == 0 else None)
    ax.axvline(0, color="black", lw=0.8)
    reach = max([2.0] + [abs(v) for n in names for v, _ in rows[n]]) * 1.6
    ax.set_xlim(-reach, reach)
    ax.set_ylim(len(names) - 0.5, -0.5)
    decades = (1000, 100, 10, 1) if reach > 30 else (10, 3, 1)
    ticks = [s * t for t in decades for s in (-1, 1) if t <= reach] + [0]
    unit = {n: "%" if n in RELATIVE_PCT else ("dB" if "db" in n or "lufs" in n else "") for n in names}
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xticks(ticks, [f"{t:+g}" if t else "0" for t in ticks])
    ax.set_yticks(range(len(names)), [f"{n} ({unit[n]})" if unit[n] else n for n in names])
    ax.set_xlabel("measured change in the intended direction (right of 0: the intended way)")
    ax.set_title("Measured changes per expected measure")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _plot_latency(plt, records, summary):
    plan = [r["plan_s"] for r in records if r.get("plan_s") is not None]
    ex = [r["exec_s"] for r in records if r.get("exec_s") is not None]
    if not plan:
        return None
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, xs, title, key in ((a, plan, "planning", "plan_s"), (b, ex, "execution", "exec_s")):
        ax.hist(xs, bins=30, color="tab:blue", alpha=0.8)
        for q, style in (("p50", "--"), ("p95", ":")):
            v = summary["overall"][key][q]
            if v is not None:
                ax.axvline(v, color="black", ls=style, label=f"{q} {v:.2f} s")
        ax.set_title(f"{title} latency per case")
        ax.set_xlabel("seconds")
        ax.legend(fontsize=8)
    a.set_ylabel("cases")
    return fig
