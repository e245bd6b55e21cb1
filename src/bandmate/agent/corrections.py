"""Corrections: "no, by warm I mean less harsh highs" — what the user said, and what their meaning asks for.

Conventions: a correction names a ``word`` the user used and a ``meaning`` in their own words. The
meaning is read exactly, never by similarity alone: each part ("less harsh highs", "more presence
around 3 kHz") is a lexicon term or alias said outright, taken the other way when a negation or
"less"-comparative stands just before it ("less harsh" = smooth: cut around 2.5–8 kHz), else a named
frequency region ("the low mids", "the highs"), with an optional frequency ("around 3 kHz") that moves
the bell or shelf there. A meaning with none of these is left to retrieval and says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bandmate.agent.plan import CorrectionRead, Plan
from bandmate.memory.knowledge import mentions
from bandmate.memory.lexicon import LexiconEntry

__all__ = ["CORRECTION_RE", "match_correction", "mentions", "read_meaning", "band_call", "retune"]

CORRECTION_RE = re.compile(
    r"^(?:no|nope|not that|nah|wrong)\b[,.! ]*(?:by|when i say|with)\s+[\"']?(?P<word>[a-z][a-z -]{0,30}?)[\"']?"
    r",?\s+i (?:mean|meant)\s+(?P<meaning>.+?)(?:,?\s+(?P<rejected>(?:not|rather than|instead of)\s+.+?))?[.!]?$",
    re.I)
LESS_BEFORE = re.compile(r"\b(less|fewer|not|no|without|reduce|reduced|cut|cutting|tame|lower|remove|softer|"
                         r"take out|pull back|turn down|not as|not so|minus)\W+(?:\w+\W+){0,2}$")
MORE_BEFORE = re.compile(r"\b(more|boost|add|extra|lift|raise|plus)\W+(?:\w+\W+){0,2}$")
FREQ = re.compile(r"(\d+(?:\.\d+)?)\s*(khz|k\b|hz)")
# Regions people name in words, (low, high) Hz; the longest name is tried first.
BANDS: dict[str, tuple[float, float]] = {
    "sub": (20, 60), "sub bass": (20, 60), "lows": (60, 250), "low end": (60, 250), "bottom end": (60, 250),
    "low mids": (200, 500), "lower mids": (200, 500), "low-mids": (200, 500), "mids": (500, 2000),
    "midrange": (500, 2000), "high mids": (2000, 5000), "upper mids": (2000, 5000), "high-mids": (2000, 5000),
    "highs": (5000, 16000), "high end": (5000, 16000), "top end": (5000, 16000), "high frequencies": (5000, 16000),
}
REJECTED = re.compile(r"^(?:not\s+(?:more|extra|added|any more)|no\s+(?:more|extra)|rather than|instead of)\s+"
                      r"(?P<what>.+)$")
REJECTED_REGIONS = ((r"\b(bass|low|lows|low end|bottom|boom\w*|weight)\b", (20.0, 250.0)),
                    (r"\b(treble|highs?|top|top end|air|fizz|sizzle)\b", (5000.0, 20000.0)))
PART_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bbut\b|\bplus\b|\bwith\b)\s*")


@dataclass(frozen=True)
class MeaningPart:
    """One reading of part of a meaning: a lexicon term (maybe the other way) or a frequency region."""

    said: str
    term: str | None = None
    invert: bool = False
    band: tuple[float, float] | None = None
    freq_hz: float | None = None
    keep_out: tuple[float, float] | None = None  # "not more bass": a region the reading must not boost


def match_correction(request: str) -> tuple[str, str] | None:
    """(word, meaning) when ``request`` corrects a word ("no, by bright I mean more presence").

    What the user rejects is kept in the meaning ("less bright, not more bass"): ``read_meaning`` reads it
    as a region the new reading must not boost.
    """
    m = CORRECTION_RE.match(request.strip())
    if not m:
        return None
    meaning = m.group("meaning").strip()
    if m.group("rejected"):
        meaning = f"{meaning}, {m.group('rejected').strip()}"
    return m.group("word").strip().lower(), meaning


def correction_plan(request: str, *, planner: str) -> Plan | None:
    """The plan for a request that corrects a word, read the same way by every planner; None otherwise."""
    fix = match_correction(request)
    if fix is None:
        return None
    word, meaning = fix
    return Plan(kind="correction", correction=CorrectionRead(word=word, meaning=meaning), planner=planner,
                explanation=f"Correction: by '{word}' you mean {meaning}.")


def read_meaning(meaning: str, lexicon: dict[str, LexiconEntry]) -> list[MeaningPart]:
    """Each part of ``meaning`` read exactly; an empty list when no part names a term or a region."""
    aliases = sorted(((a.lower(), e.term) for e in lexicon.values() for a in [e.term, *e.aliases]),
                     key=lambda p: -len(p[0]))
    parts = []
    for said in (p for p in PART_SPLIT.split(meaning.lower().strip(" .!")) if p):
        rejected = REJECTED.match(said)
        if rejected:
            region = next((r for names, r in REJECTED_REGIONS if re.search(names, rejected.group("what"))), None)
            if region is not None:
                parts.append(MeaningPart(said, keep_out=region))
            continue  # a rejection names what the user did not mean, never an edit of its own
        freq = _freq(said)
        found = _first(said, [(a, t) for a, t in aliases])
        if found is not None:
            alias, term, start = found
            parts.append(MeaningPart(said, term=term, invert=_inverts(said[:start]), freq_hz=freq))
            continue
        region = _first(said, [(b, b) for b in sorted(BANDS, key=len, reverse=True)])
        if region is not None or freq is not None:
            band = BANDS[region[0]] if region is not None else (freq / math.sqrt(2), freq * math.sqrt(2))
            start = region[2] if region is not None else FREQ.search(said).start()
            parts.append(MeaningPart(said, band=band, invert=_inverts(said[:start]), freq_hz=freq))
    return parts


def without_boosts_in(args: dict, region: tuple[float, float]) -> dict:
    """EQ arguments with every boost that lies in ``region`` (Hz) taken out; cuts are kept."""
    lo, hi = region
    out = dict(args)
    if out.get("low_shelf_db", 0) > 0 and out.get("low_shelf_hz", 200) > lo and lo < 250:
        out.pop("low_shelf_db")
        out.pop("low_shelf_hz", None)
    if out.get("high_shelf_db", 0) > 0 and hi > 5000:
        out.pop("high_shelf_db")
        out.pop("high_shelf_hz", None)
    for i in (1, 2, 3):
        if out.get(f"peak{i}_db", 0) > 0 and lo <= out.get(f"peak{i}_hz", 1000) <= hi:
            for k in (f"peak{i}_db", f"peak{i}_hz", f"peak{i}_q"):
                out.pop(k, None)
    return out


def band_call(part: MeaningPart, intensity: float) -> tuple[dict, str, str]:
    """An EQ for a named region: (eq args, the region's band_db measure, direction)."""
    lo, hi = part.band
    centre = part.freq_hz or math.sqrt(lo * hi)
    gain = round(min(8.0, max(1.0, 3.0 * intensity)) * (-1 if part.invert else 1), 2)
    if hi >= 12000 and part.freq_hz is None:
        args = {"high_shelf_hz": lo, "high_shelf_db": gain}
    elif lo <= 60 and part.freq_hz is None:
        args = {"low_shelf_hz": hi, "low_shelf_db": gain}
    else:
        q = round(max(0.4, min(4.0, centre / max(hi - lo, 1.0))), 2)
        args = {"peak1_hz": round(centre, 1), "peak1_db": gain, "peak1_q": q}
    return args, f"band_db:{lo:.0f}-{hi:.0f}", "down" if part.invert else "up"


def retune(args: dict, freq_hz: float) -> tuple[dict, tuple[float, float]] | None:
    """Move an EQ call's active bell (else its shelf) to ``freq_hz``; the band it now works on."""
    out = dict(args)
    for i in (1, 2, 3):
        if out.get(f"peak{i}_db"):
            out[f"peak{i}_hz"] = freq_hz
            return out, (freq_hz / math.sqrt(2), freq_hz * math.sqrt(2))
    if out.get("high_shelf_db") and freq_hz >= 1000:
        out["high_shelf_hz"] = freq_hz
        return out, (freq_hz, 16000.0)
    if out.get("low_shelf_db") and freq_hz <= 1000:
        out["low_shelf_hz"] = freq_hz
        return out, (20.0, freq_hz)
    return None


def _first(text: str, names: list[tuple[str, str]]) -> tuple[str, str, int] | None:
    """The name (with its value) that occurs earliest in ``text``; longer names win at the same place."""
    best = None
    for name, value in names:
        m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
        if m and (best is None or m.start() < best[2]):
            best = (name, value, m.start())
    return best


def _inverts(before: str) -> bool:
    return bool(LESS_BEFORE.search(before)) and not MORE_BEFORE.search(before[-12:])


def _freq(text: str) -> float | None:
    m = FREQ.search(text)
    if not m:
        return None
    v = float(m.group(1))
    return v * 1000 if m.group(2) in ("khz", "k") else v
