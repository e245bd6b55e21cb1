"""Checks an LLM's validated calls must also pass against the session, and the expected changes of its plan.

Pydantic has already checked each call's own arguments; these checks look across calls and at the
session: stems that exist, bar ranges that need a tempo, which planning functions may be combined,
measure names in ``explain_plan``. Every problem is a message the model can act on.
"""

from __future__ import annotations

import math
import re
from typing import Any

from bandmate.agent.plan import ExpectedChange, ToolCall
from bandmate.agent.view import SessionView
from bandmate.tools.separate import SEPARATED_STEMS
from bandmate.tools.spec import Registry

STEM_FIELDS = ("target", "stem", "also_keep")            # arguments that name existing stems
EXCLUSIVE = ("history", "ask_clarification", "answer_question")
BAND_RE = re.compile(r"^band_db:\s*(\d+(?:\.\d*)?)\s*-\s*(\d+(?:\.\d*)?)$")


def err(call, message: str) -> dict[str, Any]:
    """An error entry for the model: which call (if any) and what is wrong with it."""
    return {"call_id": getattr(call, "id", None), "function": getattr(call, "name", None), "error": message}


# ---- calls against the session ----------------------------------------------------------------------
def session_errors(tools: list, registry: Registry, view: SessionView) -> list[dict]:
    """Stems that do not exist and ranges the session cannot resolve, call by call in plan order."""
    allowed: set[str] | None = None if view.empty else {"mix", *view.stems}
    if allowed is not None and not view.stems:
        allowed |= set(SEPARATED_STEMS)  # a mix-only session is separated before stem edits
    errors = []
    for c in tools:
        spec = registry[c.name]
        args = c.parsed.model_dump()
        if spec.creates_session:
            allowed = None  # the new session's stems are not known before it exists
        if spec.makes_stem:
            named = [str(args[k]) for k in ("stem", "name") if args.get(k)]
            # without an explicit name the new stem is named by the tool (e.g. after its role): unknown here
            allowed = allowed | set(named) if allowed is not None and named else None
            continue
        if c.name == "separate" and allowed is not None:
            allowed |= {*(args.get("stems") or SEPARATED_STEMS), "other"}
        if allowed is not None:
            errors += [err(c, m) for m in _stem_problems(args, allowed)]
            errors += [err(c, m) for m in _bleed_problems(args, view)]
        if not view.empty:
            errors += [err(c, m) for m in _range_problems(args, view)]
    return errors


def _stem_problems(args: dict[str, Any], allowed: set[str]) -> list[str]:
    out = []
    for name in STEM_FIELDS:
        value = args.get(name)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v not in allowed:
                out.append(f"{name}={v!r} is not in this session; use 'mix' or one of: "
                           f"{', '.join(sorted(allowed - {'mix'})) or '(no stems)'}")
    return out


def _bleed_problems(args: dict[str, Any], view: SessionView) -> list[str]:
    """Stems the separation measured as only bleed: never edited (agent/targets.py decides what is)."""
    from bandmate.agent.targets import only_bleed

    out = []
    for name in STEM_FIELDS:
        value = args.get(name)
        for v in value if isinstance(value, list) else [value]:
            p = view.state.stem_presence.get(v) if isinstance(v, str) else None
            if p is not None and only_bleed(v, p):
                out.append(f"{name}={v!r} holds no real part: the separated stem is only bleed ({p.level_db:+.1f} dB "
                           f"against the mix, confidence {p.confidence:.2f}); do not edit it: tell the user you "
                           "can't hear that part in this recording and offer another part or the mix")
    return out


def _range_problems(args: dict[str, Any], view: SessionView) -> list[str]:
    out = []
    bars = [args.get("start_bar"), args.get("end_bar")]
    if any(b is not None for b in bars):
        total = view.total_bars
        if total is None:
            out.append("start_bar/end_bar need a known tempo and this session has none; use start_s/end_s "
                       "in seconds instead")
        elif any(b is not None and b > math.ceil(total - 1e-6) for b in bars):
            out.append(f"the session has only {total:.4g} bars (bars 1–{math.ceil(total - 1e-6)}); "
                       f"got start_bar={bars[0]}, end_bar={bars[1]}")
    start = args.get("start_s")
    if isinstance(start, (int, float)) and start >= view.duration_s:
        out.append(f"start_s={start:g} is past the end of the session ({view.duration_s:.2f} s)")
    return out


# ---- which functions go together --------------------------------------------------------------------
def shape_errors(tools: list, metas: dict, registry: Registry, view: SessionView) -> list[dict]:
    chosen = [m for m in EXCLUSIVE if m in metas]
    if len(chosen) > 1:
        return [err(metas[chosen[1]], f"call only one of {', '.join(chosen)} in a reply")]
    kind = chosen[0] if chosen else "edit"
    first = tools[0] if tools else None
    if kind in ("history", "ask_clarification") and tools:
        return [err(first, f"{kind} must be called alone; drop the tool calls "
                           f"({', '.join(c.name for c in tools)}) or drop {kind}")]
    if kind == "history":
        return _history_problems(metas["history"], view)
    if kind == "answer_question":
        writers = [c.name for c in tools if not _read_only(registry[c.name])]
        return [err(first, f"answer_question may only go with analysis tools, not {', '.join(writers)}; "
                           "answer first, or make the edit without answer_question")] if writers else []
    if kind == "ask_clarification":
        return []
    if not tools:
        return [err(metas.get("explain_plan"), "no tool was called: an edit needs at least one tool call; "
                    "to ask back use ask_clarification, to answer a question use answer_question")]
    makers = [s.name for s in registry if s.creates_session]
    if view.empty and makers and not registry[first.name].creates_session:
        return [err(first, f"there is no audio yet: start with one of {', '.join(makers)}")]
    explain = metas.get("explain_plan")
    return _expected_problems(explain, view) if explain else []


def _read_only(spec) -> bool:
    return spec.read_only or spec.category == "analysis"


def _history_problems(call, view: SessionView) -> list[dict]:
    move = call.parsed
    if move.action == "checkout" and move.version is None:
        return [err(call, "history with action='checkout' needs version (the version number to go back to)")]
    if move.action == "checkout" and view.version and move.version > view.version:
        return [err(call, f"version {move.version} does not exist; this session is at version {view.version}")]
    return []


def _expected_problems(call, view: SessionView) -> list[dict]:
    from bandmate.agent.verify import SESSION_MEASURES
    from bandmate.core.measures import MEASURE_NAMES

    out = []
    for e in call.parsed.expected:
        band = BAND_RE.match(e.measure.strip())
        ok = e.measure in MEASURE_NAMES or e.measure in SESSION_MEASURES or (
            band is not None and 0 <= float(band[1]) < float(band[2]))
        if not ok:
            out.append(err(call, f"unknown measure {e.measure!r}; valid: {', '.join(MEASURE_NAMES)}, "
                                 f"{', '.join(SESSION_MEASURES)}, or band_db:LO-HI in Hz (e.g. band_db:60-150)"))
        if view.stems and e.target not in ("mix", *view.stems):
            out.append(err(call, f"expected target {e.target!r} is not in this session; use 'mix' or one of: "
                                 f"{', '.join(view.stems)}"))
    return out


# ---- what the plan should change --------------------------------------------------------------------
def answer_steps(topic: str, steps: list[ToolCall], view: SessionView, registry: Registry) -> list[ToolCall]:
    """Add an ``analyze`` step when the state cannot answer the question yet (as the offline planner does)."""
    st = view.state
    need = {"key": st.key is None, "tempo": not st.tempo_bpm, "chords": not st.chords,
            "time_signature": not st.tempo_bpm}.get(topic, False)
    if need and not view.empty and "analyze" in registry and "analyze" not in [s.tool for s in steps]:
        return [ToolCall(tool="analyze", args={}, why=f"measure the {topic}"), *steps]
    return steps


def expected_changes(explain, steps: list[ToolCall], hits, lexicon) -> tuple[list[ExpectedChange], list[str]]:
    """The model's own expected changes, else the proof of the best retrieved term the plan follows."""
    from bandmate.agent.offline import MIN_SCORE

    terms = [f"correction:{h.term}" for h in hits if h.source == "correction" and h.score >= MIN_SCORE]
    entry = _followed_entry(steps, hits, lexicon, MIN_SCORE)
    if entry is not None:
        terms.insert(0, entry.term)
    if explain is not None and explain.expected:
        return [ExpectedChange(measure=e.measure.strip(), direction=e.direction, target=e.target)
                for e in explain.expected], terms
    if entry is None:
        return [], terms
    sign = _recipe_sign(entry, steps)
    if sign == 0:
        return [], terms
    recipe_tools = {r.tool for r in entry.recipe}
    target = next(s.target for s in steps if s.tool in recipe_tools)
    flip = {"up": "down", "down": "up", "same": "same"}
    return [ExpectedChange(measure=p.measure, target=target,
                           direction=p.direction if sign > 0 else flip[p.direction]) for p in entry.proof], terms


def _followed_entry(steps: list[ToolCall], hits, lexicon, min_score: float):
    """The best-scoring retrieved lexicon entry whose recipe tools all appear in the plan."""
    used = {s.tool for s in steps}
    for h in hits:
        entry = lexicon.get(h.term) if h.source != "correction" else None
        if entry is not None and h.score >= min_score and {r.tool for r in entry.recipe} <= used:
            return entry
    return None


def _recipe_sign(entry, steps: list[ToolCall]) -> int:
    """+1 if the plan's scaled arguments go the recipe's way, -1 if all the opposite way, 0 if mixed."""
    signs = set()
    for r in entry.recipe:
        for s in (s for s in steps if s.tool == r.tool):
            for name in r.scale:
                got, want = s.args.get(name), r.args.get(name)
                if isinstance(got, (int, float)) and isinstance(want, (int, float)) and got and want:
                    signs.add(1 if (got > 0) == (want > 0) else -1)
    if len(signs) > 1:
        return 0
    return signs.pop() if signs else 1
