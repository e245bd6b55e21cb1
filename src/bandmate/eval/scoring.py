"""Scoring: one case's outcome against its expectations, and the aggregate figures over many cases.

Per case, each expectation the case states becomes one check (True/False; None when the case does not
state it): ``clarify`` (asked back exactly when it should), ``kind``, ``tools`` (``tools_any`` and
``tools_none``), ``target``, ``direction`` (every ``changes`` entry and at least one ``changes_any``
entry held on the measured audio), ``preserve`` (stems and ``preserve_measures``), ``answer`` and
``executed`` (the plan ran without a failing step). A case passes when it did not crash and every
check holds. A crashed case fails every check it states.

Aggregates (overall and per category): pass rate, clarify precision and recall (a clarifying question is
the positive class), tool choice / target / direction accuracy and preservation rate (each over the cases
that state that expectation), and plan / execution latency percentiles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bandmate.agent.plan import Plan
from bandmate.eval.schema import Case

ACCURACY_CHECKS = {"tool_accuracy": "tools", "target_accuracy": "target", "direction_accuracy": "direction",
                   "preservation_rate": "preserve", "kind_accuracy": "kind", "answer_accuracy": "answer",
                   "execution_rate": "executed"}
ACTING_CHECKS = ("tools", "target", "direction")  # whose messages follow from "it asked back instead"
RELATIVE_PCT = ("centroid_hz", "rolloff_hz", "stereo_width", "decay_s", "onset_rate")  # compared in % of before


@dataclass
class Score:
    passed: bool
    failures: list[str] = field(default_factory=list)
    checks: dict[str, bool | None] = field(default_factory=dict)


def score_case(case: Case, *, plan: Plan | None, observation: dict[str, Any] | None = None, message: str = "",
               exec_error: str | None = None, crash: str | None = None) -> Score:
    """Check one case's plan, reply and measurements against what the case expects."""
    ex = case.expect
    if crash is not None or plan is None:
        checks = {name: (False if stated else None) for name, stated in _stated(case).items()}
        checks["clarify"] = False if ex.clarify else True
        return Score(False, [f"crashed: {crash or 'no plan'}"], checks)
    obs = observation or {"changes": [], "changes_any": [], "preserve": [], "preserve_measures": []}
    found: dict[str, tuple[bool | None, list[str]]] = {
        "clarify": _clarify(case, plan),
        "kind": _kind(case, plan),
        "executed": (False, [f"execution stopped: {exec_error}"]) if exec_error else (True, []),
        "tools": _tools(case, plan),
        "target": _target(case, plan),
        "direction": _direction(obs),
        "preserve": _preserve(obs),
        "answer": _answer(case, message),
    }
    checks = {name: ok for name, (ok, _) in found.items()}
    stated = _stated(case)
    checks = {n: (ok if stated.get(n, True) else None) for n, ok in checks.items()}
    asked_back = plan.kind == "clarify" and not ex.clarify
    failures = []
    for name, (_ok, why) in found.items():
        if checks[name] is False and not (asked_back and name in ACTING_CHECKS):
            failures += why
    return Score(not failures, failures, checks)


def _stated(case: Case) -> dict[str, bool]:
    ex = case.expect
    return {"clarify": True, "kind": ex.kind is not None, "tools": bool(ex.tools_any or ex.tools_none),
            "target": ex.target is not None, "direction": bool(ex.changes or ex.changes_any),
            "preserve": bool(ex.preserve or ex.preserve_measures), "answer": bool(ex.answer_contains),
            "executed": True}


def _clarify(case: Case, plan: Plan) -> tuple[bool, list[str]]:
    asked = plan.kind == "clarify"
    if asked == case.expect.clarify:
        return True, []
    if asked:
        q = plan.clarification.question if plan.clarification else ""
        return False, [f"asked back ({q!r}) instead of acting"]
    return False, [f"acted ({plan.kind}: {', '.join(plan.tools()) or 'no tools'}) where a clarifying question "
                   "was expected"]


def _kind(case: Case, plan: Plan) -> tuple[bool, list[str]]:
    want = case.expect.kind
    if want is None or plan.kind == want:
        return True, []
    return False, [f"plan kind {plan.kind!r}, expected {want!r}"]


def _tools(case: Case, plan: Plan) -> tuple[bool, list[str]]:
    used = plan.tools()
    why = []
    if case.expect.tools_any and not set(case.expect.tools_any) & set(used):
        why.append(f"used {used or 'no tools'}, expected any of {case.expect.tools_any}")
    banned = [t for t in dict.fromkeys(used) if t in case.expect.tools_none]
    if banned:
        why.append(f"used {banned}, which the case rules out")
    return not why, why


# Tools that add, remove, solo, mute/pan or rewrite a whole part: the change lands on that part AND on the
# mix, whose make-up they change, so either target in a case is met by them.
ARRANGING_TOOLS = frozenset({"remove_stem", "extract_stem", "add_stem", "replace_stem", "mix"})


def step_targets(tool: str, args: dict[str, Any]) -> list[str]:
    """Where one step lands: its ``target``, or the stem a stem tool names (``stem``, ``name``,
    ``instrument``, ``stems``), plus the mix for arranging tools; ``separate`` only prepares stems."""
    if tool == "separate":
        return []
    extra = ["mix"] if tool in ARRANGING_TOOLS else []
    for key in ("target", "stem", "name", "instrument"):
        if isinstance(args.get(key), str) and args[key]:
            return list(dict.fromkeys([args[key], *extra]))
    if isinstance(args.get("stems"), list) and args["stems"]:
        return list(dict.fromkeys([*(str(s) for s in args["stems"]), *extra]))
    return ["mix"]


def plan_targets(plan: Plan) -> list[str]:
    return list(dict.fromkeys(t for s in plan.steps for t in step_targets(s.tool, s.args)))


def _target(case: Case, plan: Plan) -> tuple[bool, list[str]]:
    want = case.expect.target
    got = plan_targets(plan)
    if want is None or want in got:
        return True, []
    return False, [f"worked on {got or 'nothing'}, expected {want}"]


def _direction(obs: dict[str, Any]) -> tuple[bool, list[str]]:
    why = [change_text(c) for c in obs["changes"] if not c["ok"]]
    if obs["changes_any"] and not any(c["ok"] for c in obs["changes_any"]):
        why.append("none of: " + "; ".join(change_text(c) for c in obs["changes_any"]))
    return not why, why


def _preserve(obs: dict[str, Any]) -> tuple[bool, list[str]]:
    why = []
    for p in obs["preserve"]:
        if p["ok"]:
            continue
        if p["error"]:
            why.append(f"{p['stem']} not checked: {p['error']}")
        else:
            what = (f"SI-SDR {p['si_sdr_db']:.1f} dB < 30 dB" if p["si_sdr_db"] < 30 else "its mixer strip moved"
                    if p["mixer_changed"] else f"level {p['level_change_db']:+.1f} dB")
            why.append(f"{p['stem']} should be untouched but changed ({what})")
    for m in obs["preserve_measures"]:
        if not m["ok"]:
            why.append(f"{m['measure']} should be unchanged: {m['error'] or _pair(m['before'], m['after'])}")
    return not why, why


def _answer(case: Case, message: str) -> tuple[bool, list[str]]:
    words = case.expect.answer_contains
    if not words or any(w.lower() in (message or "").lower() for w in words):
        return True, []
    return False, [f"the reply mentions none of {words}: {(message or '')[:120]!r}"]


def change_text(c: dict[str, Any]) -> str:
    """A failed or passed change check, readable: 'centroid_hz on bass: expected down, 180 -> 185 (+5)'."""
    head = f"{c['measure']} on {c['target']}: expected {c['direction']}"
    if c["error"]:
        return f"{head}, not measured ({c['error']})"
    d = c["delta"]
    thr = f", needs {c['threshold']:.3g}" if c.get("threshold") and c["direction"] != "same" else ""
    return f"{head}{thr}, measured {_pair(c['before'], c['after'])} ({d:+.3g})"


def _pair(b: Any, a: Any) -> str:
    def f(x: Any) -> str:
        return f"{x:.4g}" if isinstance(x, float) else str(x)

    return f"{f(b)} -> {f(a)}"


# ---- aggregates ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _rate(values: Iterable[bool | None]) -> float | None:
    xs = [bool(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def _latency(values: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}


def metrics(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate figures over result records (each as written to ``results.jsonl``)."""
    n = len(records)
    tp = sum(1 for r in records if r["clarify_expected"] and r["clarified"])
    fp = sum(1 for r in records if not r["clarify_expected"] and r["clarified"])
    fn = sum(1 for r in records if r["clarify_expected"] and not r["clarified"])
    out: dict[str, Any] = {
        "cases": n, "passed": sum(1 for r in records if r["passed"]),
        "pass_rate": (sum(1 for r in records if r["passed"]) / n) if n else None,
        "crashed": sum(1 for r in records if r.get("crash")),
        "clarify_precision": tp / (tp + fp) if tp + fp else None,
        "clarify_recall": tp / (tp + fn) if tp + fn else None,
        "clarify_counts": {"tp": tp, "fp": fp, "fn": fn, "tn": n - tp - fp - fn},
    }
    for name, check in ACCURACY_CHECKS.items():
        out[name] = _rate(r["checks"].get(check) for r in records)
        out[f"{name}_n"] = sum(1 for r in records if r["checks"].get(check) is not None)
    by = [((r.get("plan") or {}).get("planner")) for r in records if r.get("plan")]
    out["planned_by"] = {p: by.count(p) for p in sorted(set(by), key=str)}  # an LLM run's offline fallbacks show here
    ran = [r for r in records if not r.get("crash")]
    out["plan_s"] = _latency([r["plan_s"] for r in ran if r.get("plan_s") is not None])
    out["exec_s"] = _latency([r["exec_s"] for r in ran if r.get("exec_s") is not None])
    out["case_s"] = _latency([r["case_s"] for r in records if r.get("case_s") is not None])
    return out


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Overall metrics, the same per category, how each measure's expected changes fared, and the trust
    counts (``eval.trust``)."""
    from bandmate.eval.trust import trust_summary

    cats = sorted({r["category"] for r in records})
    return {"overall": metrics(records),
            "by_category": {c: metrics([r for r in records if r["category"] == c]) for c in cats},
            "by_measure": by_measure(records), "trust": trust_summary(records)}


def by_measure(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per measure: how many change checks, how many held, and the median change in the intended direction."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        obs = r.get("measured") or {}
        for c in [*obs.get("changes", []), *obs.get("changes_any", [])]:
            rows.setdefault(c["measure"], []).append(c)
    out = {}
    for name, cs in sorted(rows.items()):
        signed = [intended_change(c) for c in cs]
        signed = [s for s in signed if s is not None]
        out[name] = {"checks": len(cs), "held": sum(1 for c in cs if c["ok"]),
                     "median_intended_change": percentile(signed, 50)}
    return out


def intended_change(c: dict[str, Any]) -> float | None:
    """A change check's delta signed so that positive is the intended way (for 'same': minus its size).

    Relative measures (``RELATIVE_PCT``: centroid, rolloff, width, decay, onset rate) are in % of before.
    """
    d = c.get("delta")
    if d is None:
        return None
    if c["measure"] in RELATIVE_PCT:
        if not isinstance(c.get("before"), (int, float)) or not c["before"]:
            return None
        d = 100.0 * d / abs(c["before"])
    return d if c["direction"] == "up" else -d if c["direction"] == "down" else -abs(d)
