"""Stated constraints: what the user asked to keep ("don't change the tempo", "leave the vocals alone").

``read_constraints`` finds them in a request and returns the request without them, so the rest is planned
as usual ("raise the key by 3 semitones, keep the tempo" plans "raise the key by 3 semitones"). ``enforce``
checks a plan's steps against them before anything runs: a step on the whole mix is re-aimed at the other
stems when a stem must stay untouched; any other step that would break a constraint refuses the plan, with
a message that names the constraint and the step.
"""

from __future__ import annotations

import re

from bandmate.agent.parser import find_stems, normalise
from bandmate.agent.plan import Constraint, ToolCall
from bandmate.agent.wording import describe_call

NEG = r"(?:don't|dont|do not|never|without|no need to|not|shouldn't)"
CHANGE = (r"(?:chang\w*|touch\w*|alter\w*|mess\w* (?:with|up)|affect\w*|modify\w*|edit\w*|mov\w*|shift\w*|"
          r"screw\w* (?:with|up)|wreck\w*|ruin\w*)")
KEEP = r"(?:keep|keeping|leave|leaving|hold|maintain)"
AS_IS = r"(?:as (?:it is|they are|is|it was|they were)|alone|untouched|unchanged|the same|intact|dry|where it is)"


def _about(words: str) -> list[str]:
    """Patterns for a quality the user wants kept: 'don't change the X', 'keep the X (the same)', 'same X'."""
    return [rf"\b{NEG}\s+{CHANGE}\s+(?:the\s+|its\s+)?(?:{words})\b",
            rf"\b{KEEP}\s+(?:the\s+|its\s+)?(?:same\s+)?(?:{words})\b(?:\s+{AS_IS})?",
            rf"\b(?:at\s+|in\s+|with\s+)?(?:the\s+)?same\s+(?:{words})\b",
            rf"\b(?:{words})\s+(?:stays?|remains?)\s+(?:the same|as it is|unchanged)\b"]


# kind -> patterns, checked in this order (the whole-request ones first)
PATTERNS: list[tuple[str, list[str]]] = [
    ("no_change", [rf"\b{NEG}\s+{CHANGE}\s+(?:anything|a thing|it|this|the (?:audio|music|song|track|mix|sound))\b"
                   r"(?!\s+(?:but|except|apart|too|much|that much|a lot|drastically))",
                   rf"\b{KEEP}\s+(?:it|everything|this|the (?:song|track|mix))\s+(?:as it is|as is|alone|untouched|"
                   r"unchanged|the same)\b", r"\bno changes?\b"]),
    ("keep_tempo", _about(r"tempo|speed|bpm|timing")),
    ("keep_key", [*_about(r"key|pitch|tuning"), rf"\b{NEG}\s+pitch(?:ing)? (?:it )?(?:up|down)\b"]),
    ("keep_length", _about(r"length|duration")),
    ("keep_dynamics", [rf"\b{NEG}\s+(?:squash\w*|crush\w*|smash\w*|over-?compress\w*|compress\w*|limit\w*|"
                       r"flatten\w*)(?:\s+(?:it|them|the \w+))?\b",
                       r"\bno (?:more )?(?:compression|squashing|limiting)\b",
                       rf"\b{KEEP}\s+(?:the |its |it )?dynamic(?:s)?\b",
                       r"\bwithout (?:losing|killing) (?:the )?(?:dynamics|transients)\b"]),
    ("keep_level", [rf"\b{NEG}\s+(?:make|making|get|getting)\s+(?:it|them|this|the \w+)\s+(?:any\s+)?louder\b",
                    rf"\b{NEG}\s+(?:turn|turning)\s+(?:it|them|this)\s+up\b",
                    r"\bwithout (?:making it |getting )?louder\b",
                    *_about(r"loudness|level|volume")]),
]
STEM_PATTERNS = [rf"\b{KEEP}\s+(?:the\s+)?(?P<what>[a-z0-9' -]+?)\s+{AS_IS}",
                 rf"\b{NEG}\s+{CHANGE}\s+(?:the\s+)?(?P<what>[a-z0-9' -]+?)(?=$|[,.;!]|\s+(?:but|and|just|please|"
                 r"though|at all)\b)"]
LEFTOVER = re.compile(r"^(?:\s|[,.;!]|\b(?:but|and|so|please|though|ok|okay)\b)+|"
                      r"(?:\s|[,;!]|\b(?:but|and|please|though)\b)+$")


def read_constraints(text: str, known_stems: list[str] | None = None) -> tuple[list[Constraint], str]:
    """The constraints stated in ``text`` and the request with their words taken out."""
    t = normalise(text)
    found: list[Constraint] = []
    lead = re.match(r"^(?:keep|leave) (?:everything|the rest)(?: else)?(?: (?:as it is|the same|alone))?,?\s*(?:but |and |just )?", t)
    if lead and lead.end() < len(t):  # "keep everything, just a different bassline": the rest is the request
        return [], t[lead.end():].strip()
    for kind, pats in PATTERNS:
        for pat in pats:
            m = re.search(pat, t)
            if m:
                found.append(Constraint(kind=kind, said=m.group(0).strip()))
                t = _cut(t, m)
                break
    for pat in STEM_PATTERNS:
        for m in list(re.finditer(pat, t))[::-1]:
            stems = [s for s in find_stems(m.group("what"), known_stems) if s != "mix"]
            if not stems or len(m.group("what").split()) > 6:
                continue
            found += [Constraint(kind="keep_stem", stem=s, said=m.group(0).strip()) for s in stems]
            t = _cut(t, m)
    return found, (_tidy(t) if found else normalise(text))


def _cut(t: str, m: re.Match) -> str:
    return (t[:m.start()] + " " + t[m.end():]).strip()


def _tidy(t: str) -> str:
    t = re.sub(r"\s+", " ", t)
    t = re.sub(r"\s+([,.;!?])", r"\1", t)
    t = re.sub(r"([,;])\s*[,;]+", r"\1", t)
    previous = None
    while previous != t:
        previous, t = t, LEFTOVER.sub("", t).strip()
    return t


# ---- enforcing ----------------------------------------------------------------------------------
EDITS_LEVEL = {"gain_db", "makeup_db"}
RETARGETABLE = {"eq", "gain", "compressor", "reverb", "delay", "chorus", "saturation", "stereo_width", "fade"}


def breaks(step: ToolCall, c: Constraint) -> str | None:
    """How ``step`` would break ``c`` (words for the user), or None when it keeps it."""
    tool, a = step.tool, step.args
    if c.kind == "no_change":
        return None if tool == "analyze" else "would change the music"
    if c.kind == "keep_tempo" and (tool in ("time_stretch", "generate")):
        return "would change the tempo"
    if c.kind == "keep_key" and tool in ("pitch_shift", "generate"):
        return "would change the key"
    if c.kind == "keep_length" and tool in ("trim", "continue", "time_stretch", "generate"):
        return "would change the length"
    if c.kind == "keep_dynamics" and tool in ("compressor", "limiter"):
        return "would squash the dynamics"
    if c.kind == "keep_level" and (tool == "limiter" or any(
            isinstance(a.get(k), (int, float)) and a[k] > 0 for k in EDITS_LEVEL)):
        return "would make it louder"
    if c.kind == "keep_stem":
        touched = {a.get("target"), a.get("stem"), *(a.get("stems") or [])}
        if c.stem in touched:
            return f"would change the {c.stem}"
        if tool == "extract_stem" and c.stem not in [a.get("stem"), *(a.get("also_keep") or [])]:
            return f"would remove the {c.stem}"
        if tool in ("generate", "time_stretch", "pitch_shift", "trim"):
            return f"would change the {c.stem} with everything else"
    return None


def enforce(steps: list[ToolCall], constraints: list[Constraint], stems: list[str]
            ) -> tuple[list[ToolCall], str | None]:
    """Steps that keep every constraint, or a refusal message naming the first one a step would break.

    A step on the whole mix (an EQ, a reverb…) is re-aimed at each stem the user did not ask to keep,
    when the session has stems; without stems it would change the kept part, so the plan is refused.
    """
    kept = {c.stem for c in constraints if c.kind == "keep_stem"}
    out: list[ToolCall] = []
    for s in steps:
        if kept and s.tool in RETARGETABLE and s.target == "mix" and "target" in s.args:
            others = [x for x in stems if x not in kept]
            if others:
                out += [s.model_copy(update={"args": {**s.args, "target": x}, "why": f"{s.why} (not the "
                        f"{', '.join(sorted(kept))}, as asked)"}) for x in others]
                continue
            c = next(c for c in constraints if c.kind == "keep_stem")
            return steps, _refusal(c, s, f"would change the {c.stem} with the whole mix")
        out.append(s)
    for s in out:
        for c in constraints:
            why = breaks(s, c)
            if why:
                return steps, _refusal(c, s, why)
    return out, None


def _refusal(c: Constraint, step: ToolCall, why: str) -> str:
    said = f" (\"{c.said}\")" if c.said else ""
    return (f"You asked me {c.text()}{said}, and {step.tool} ({describe_call(step.tool, step.args)}) {why}, "
            "so I haven't changed anything.")


def refusal_plan(message: str, rest: str, constraints: list[Constraint], planner: str = "offline"):
    """A plan that would break a stated constraint is not run: say which, and offer the two ways out."""
    from bandmate.agent.plan import Clarification, Plan

    options = [f"{rest} anyway"[:120], "leave it as it is"]
    return Plan(kind="clarify", clarification=Clarification(question=f"{message} Should I do it anyway?",
                                                            options=options),
                explanation=message, constraints=constraints, planner=planner)
