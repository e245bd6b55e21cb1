"""Section words in requests -> time ranges: "in the chorus", "the second verse", "the last chorus".

Pure functions over a session's sections (``StateTable.sections``: objects or dicts with ``start_s``,
``end_s``, ``name`` such as 'verse', ``label`` such as 'A' or "A'", and ``confidence`` 0–1). Times are
seconds from the start of the mix.

How a planner calls it: after reading the request and before choosing a range, call
``resolve_section(request_text, state.sections)``. ``None`` means the text names no section this
session has: fall back to bars/seconds (or, when ``mentions_section(text)`` is true but nothing
resolved, ask which part is meant, listing ``section_names(state.sections)``). Otherwise use
``(start_s, end_s)`` as the edit's range; when ``confidence`` is below ``ASK_BELOW`` confirm with the
user first ("I think the chorus starts at 0:42 — that one?"). ``resolve_sections`` returns every match
("every chorus", "the choruses").

Rules: a section word counts only as a place, after a determiner or preposition ("the", "in", "during",
"each", an ordinal) or before a number ("verse 2"), so "add chorus to the guitar" names the effect,
not a section. Without an ordinal the first section of that name is meant; its confidence is scaled by
``AMBIGUOUS`` when the name occurs more than once. Labels work too: "section B", "the A' part".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ASK_BELOW = 0.5
AMBIGUOUS = 0.8
NAMES = ("intro", "verse", "prechorus", "chorus", "bridge", "solo", "breakdown", "outro")
SYNONYMS = {"pre-chorus": "prechorus", "pre chorus": "prechorus", "refrain": "chorus", "hook": "chorus",
            "middle eight": "bridge", "middle 8": "bridge", "ending": "outro", "coda": "outro",
            "introduction": "intro", "opening": "intro"}
ORDINALS = {"first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3,
            "three": 3, "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5, "five": 5, "sixth": 6,
            "6th": 6, "six": 6, "last": -1, "final": -1}
_PLACE = r"(?:the|in|during|at|on|over|through|for|each|every|all|that|this|before|after|into|of)"
_WORD = "|".join(sorted([*NAMES, *(re.escape(k) for k in SYNONYMS), "choruses", "verses", "bridges"],
                        key=len, reverse=True))
_ORD = "|".join(sorted(ORDINALS, key=len, reverse=True))
_PATTERN = re.compile(
    rf"(?:\b(?P<place>{_PLACE})\s+)?(?:(?P<ord>{_ORD})\s+)?\b(?P<name>{_WORD})\b(?:\s+(?P<num>\d+|{_ORD})\b)?",
    re.IGNORECASE)
_LABEL = re.compile(r"\b(?:section|part)\s+(?P<a>[A-H]'*)(?=[\s,.!?]|$)|\bthe\s+(?P<b>[A-H]'*)\s+(?:section|part)\b")


def _get(section: Any, key: str, default: Any = None) -> Any:
    return section.get(key, default) if isinstance(section, dict) else getattr(section, key, default)


def _canonical(word: str) -> str:
    w = " ".join(word.lower().split())
    w = SYNONYMS.get(w, w)
    return {"choruses": "chorus", "verses": "verse", "bridges": "bridge"}.get(w, w)


def mentions_section(text: str) -> bool:
    """True when the text names a section as a place (whether or not the session has it)."""
    return any(m.group("place") or m.group("ord") or m.group("num") for m in _PATTERN.finditer(text)) or \
        bool(_LABEL.search(text))


def mention(text: str) -> tuple[int, int] | None:
    """Where the first section named as a place sits in ``text`` (start, end), to rewrite it; else None."""
    for m in _PATTERN.finditer(text):
        if m.group("place") or m.group("ord") or m.group("num"):
            return m.start(), m.end()
    m = _LABEL.search(text)
    return (m.start(), m.end()) if m else None


def section_names(sections: Sequence[Any]) -> list[str]:
    """'verse 1', 'chorus 1', 'verse 2' … (names numbered in order), for a clarifying question."""
    seen: dict[str, int] = {}
    out = []
    for s in sections:
        name = _get(s, "name") or f"section {_get(s, 'label')}"
        seen[name] = seen.get(name, 0) + 1
        out.append(f"{name} {seen[name]}")
    return out


def resolve_sections(text: str, sections: Sequence[Any]) -> list[tuple[float, float, float]]:
    """Every (start_s, end_s, confidence) the text points at, in time order; [] when none."""
    for m in _PATTERN.finditer(text):
        if not (m.group("place") or m.group("ord") or m.group("num")):
            continue  # a bare word ("add chorus") is not a place
        name = _canonical(m.group("name"))
        found = [s for s in sections if (_get(s, "name") or "").lower() == name]
        if not found:
            continue
        plural = m.group("name").lower() in ("choruses", "verses", "bridges") or \
            (m.group("place") or "").lower() in ("each", "every", "all")
        ordinal = m.group("ord") or m.group("num")
        if plural and not ordinal:
            return [_span(s, 1.0) for s in found]
        if ordinal:
            n = ORDINALS.get(ordinal.lower()) if not ordinal.isdigit() else int(ordinal)
            if n is None or n == 0 or abs(n) > len(found) and n != -1:
                continue
            return [_span(found[n - 1] if n > 0 else found[-1], 1.0)]
        return [_span(found[0], AMBIGUOUS if len(found) > 1 else 1.0)]
    m = _LABEL.search(text)
    if m:
        label = m.group("a") or m.group("b")
        found = [s for s in sections if _get(s, "label") == label]
        if found:
            return [_span(found[0], AMBIGUOUS if len(found) > 1 else 1.0)]
    return []


def resolve_section(text: str, sections: Sequence[Any]) -> tuple[float, float, float] | None:
    """(start_s, end_s, confidence) of the section the text names, or None when it names none we have.

    For plurals ("every chorus") this returns the first of them; use ``resolve_sections`` for all.
    """
    found = resolve_sections(text, sections)
    return found[0] if found else None


def _span(section: Any, scale: float) -> tuple[float, float, float]:
    conf = float(_get(section, "confidence", 1.0) or 0.0) * scale
    return float(_get(section, "start_s")), float(_get(section, "end_s")), round(min(1.0, max(0.0, conf)), 3)
