"""The LLM planner's messages: a versioned system prompt filled with the session, tools and retrievals.

The template lives in ``prompts/<version>.md`` (``$session``, ``$tools``, ``$meta``, ``$explanations``,
``$corrections`` are filled here). Tool signatures are derived from the same OpenAI schemas that are
bound to the model, so nothing about a tool is restated by hand. ``bandmate plan --show-prompt`` prints
exactly what ``build_messages`` returns.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any

from bandmate.agent.view import SessionView
from bandmate.memory.knowledge import Hit
from bandmate.memory.lexicon import LexiconEntry
from bandmate.tools.spec import Registry

PROMPT_VERSION = "planner_v1"
PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


def load_template(version: str = PROMPT_VERSION) -> str:
    path = PROMPTS_DIR / f"{version}.md"
    if not path.is_file():
        known = sorted(p.stem for p in PROMPTS_DIR.glob("planner_*.md"))
        raise FileNotFoundError(f"no planner prompt {version!r} in {PROMPTS_DIR}; known: {', '.join(known)}")
    return path.read_text(encoding="utf-8")


def build_messages(request: str, view: SessionView, hits: list[Hit], registry: Registry,
                   lexicon: dict[str, LexiconEntry], *, version: str = PROMPT_VERSION) -> list[dict[str, str]]:
    """System prompt (rules, session, tools, retrieved explanations, corrections) + the request."""
    from bandmate.agent.llm_meta import meta_tools
    from bandmate.tools.openai_schema import openai_tools

    system = Template(load_template(version)).safe_substitute(
        session=json.dumps(session_brief(view), indent=1, ensure_ascii=False, default=str),
        tools="\n".join(signature(t) for t in openai_tools(registry)),
        meta="\n".join(signature(t) for t in meta_tools()),
        explanations=explanations(hits, lexicon) or "(none retrieved)",
        corrections=corrections(hits) or "(none)",
    )
    return [{"role": "system", "content": system.strip() + "\n"}, {"role": "user", "content": request}]


def session_brief(view: SessionView) -> dict[str, Any]:
    brief = view.brief()
    if view.empty:
        brief["note"] = "no audio yet: start with a tool that creates a session"
    if view.history:
        brief["recent_steps"] = view.history
    return brief


# ---- tool signatures ------------------------------------------------------------------------------
def signature(tool: dict[str, Any]) -> str:
    """``- name(arg: type=default [lo..hi], ...) — first docstring line`` from an OpenAI function schema."""
    fn = tool["function"]
    params = fn.get("parameters", {})
    required = set(params.get("required", []))
    args = ", ".join(_param(name, p, name in required) for name, p in params.get("properties", {}).items())
    summary = (fn.get("description") or "").strip().splitlines()[0] if fn.get("description") else ""
    return f"- {fn['name']}({args}) — {summary}"


def _param(name: str, p: dict[str, Any], required: bool) -> str:
    text = f"{name}: {_type(p)}"
    if not required and "default" in p and p["default"] is not None:
        text += f"={json.dumps(p['default'], ensure_ascii=False)}"
    lo = p.get("minimum", p.get("exclusiveMinimum"))
    hi = p.get("maximum", p.get("exclusiveMaximum"))
    if lo is not None or hi is not None:
        text += f" [{_num(lo)}..{_num(hi)}]"
    return text + ("" if required or "default" in p else "?")


def _num(v: float | int | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _type(p: dict[str, Any]) -> str:
    if "enum" in p:
        return "|".join("null" if v is None else str(v) for v in p["enum"])
    kind = p.get("type")
    if kind == "array":
        item = p.get("items", {})
        if item.get("type") == "object" and item.get("properties"):
            return "list[{" + ", ".join(item["properties"]) + "}]"
        return f"list[{_type(item)}]"
    if isinstance(kind, list):
        return "|".join(kind)
    if kind:
        return str(kind)
    if "anyOf" in p:
        return "|".join(_type(o) for o in p["anyOf"])
    return "any"


# ---- retrieved explanations -------------------------------------------------------------------------
def explanations(hits: list[Hit], lexicon: dict[str, LexiconEntry]) -> str:
    """Lexicon entries and action exemplars that the request resembles, best first."""
    out, seen = [], set()
    for h in hits:
        if h.source == "correction" or h.term in seen:
            continue
        seen.add(h.term)
        if h.term.startswith("@"):
            out.append(f"- action '{h.term[1:]}' (similarity {h.score:.2f}): the request resembles "
                       f"\"{h.text}\"")
        elif h.term in lexicon:
            out.append(entry_text(lexicon[h.term], h.score))
    return "\n".join(out)


def entry_text(e: LexiconEntry, score: float) -> str:
    recipe = "; ".join(_recipe_step(s) for s in e.recipe)
    proof = ", ".join(f"{p.measure} {p.direction}" for p in e.proof)
    lines = [f"- \"{e.term}\" ({e.category}, similarity {score:.2f}): {e.definition}",
             f"  correlates: {', '.join(e.correlates)}; usual stems: {', '.join(e.stems)}",
             f"  recipe: {recipe}",
             f"  intensity: {e.intensity}",
             f"  proof: {proof}"]
    if e.opposite:
        lines.append(f"  opposite: {e.opposite}")
    return "\n".join(lines)


def _recipe_step(step) -> str:
    parts = []
    for k, v in step.args.items():
        rng = step.limits.get(k)
        parts.append(f"{k}={v}" + (f" [{rng[0]:g}..{rng[1]:g}]" if rng else ""))
    return f"{step.tool}({', '.join(parts)})"


def corrections(hits: list[Hit]) -> str:
    """What this user said their words mean (retrieved corrections), best first."""
    seen: dict[str, Hit] = {}
    for h in hits:
        if h.source == "correction" and h.term not in seen:
            seen[h.term] = h
    return "\n".join(f"- by \"{w}\" this user means: {h.meaning}" for w, h in seen.items())
