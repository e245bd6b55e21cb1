"""Frequency regions said by name: "too much low end on the keys", "more mids in the guitar", "less highs".

A request that names a region of the spectrum and a direction needs no lexicon word: the region says
where, the direction word says which way. Each region is one EQ move (a shelf for the ends, a broad
bell in between) proved by the level of the band it names.

Conventions: frequencies in Hz, gains in dB; the default move is 4 dB, scaled by the request's intensity
("a bit" halves it), or the amount said ("cut 3 dB of low end").
"""

from __future__ import annotations

import re

# name pattern -> (EQ arguments for a move of +1 dB's sign, proof band low Hz, high Hz, words for the reply)
REGIONS: list[tuple[str, dict, float, float, str]] = [
    (r"sub(?:s|[- ]bass)?|very (?:low|bottom) end", {"low_shelf_hz": 80.0}, 20.0, 80.0, "the sub below 80 Hz"),
    (r"low[- ]mids|lower mids|mud", {"peak1_hz": 350.0, "peak1_q": 1.0}, 200.0, 500.0, "the low mids around 350 Hz"),
    (r"upper[- ]mids|presence", {"peak1_hz": 3000.0, "peak1_q": 1.0}, 2000.0, 5000.0,
     "the upper mids around 3 kHz"),
    (r"low[- ]end|lows|bottom(?: end)?|low frequencies", {"low_shelf_hz": 200.0}, 60.0, 250.0,
     "the low end below 200 Hz"),
    (r"mids|midrange|middle", {"peak1_hz": 1000.0, "peak1_q": 0.7}, 500.0, 2000.0, "the mids around 1 kHz"),
    (r"highs|high[- ]end|top[- ]end|treble|high frequencies", {"high_shelf_hz": 6000.0}, 6000.0, 16000.0,
     "the highs above 6 kHz"),
    # the metal of a kit: "tame the cymbals", "less hi-hat" (the kick and snare bodies sit far below)
    (r"cymbals?|hi-?hats?|hats|ride", {"high_shelf_hz": 5000.0}, 5000.0, 14000.0, "the cymbals above 5 kHz"),
]
NAMES = "|".join(f"(?:{p})" for p, *_ in REGIONS)
CUT = r"too much|too many|less|cut|reduce|tame|lower|pull (?:back|down)|fewer|roll off|take (?:some|out)|scoop"
BOOST = r"more|boost|add|not enough|needs? more|lacks?|lacking|bring out|raise|lift"
# a direction word, then (within a few words) a region: "too much low end", "boost the mids a bit"
CUE = rf"\b(?:{CUT}|{BOOST})\b(?:\s+[\w'-]+){{0,3}}?\s+(?:{NAMES})\b|\b(?:{NAMES})\b.{{0,30}}\b(?:{CUT}|{BOOST})\b"
DEFAULT_DB = 4.0
MAX_DB = 6.0  # unless an amount is said: "way too much low end" is still one clear move


def region_of(text: str) -> tuple[dict, float, float, str] | None:
    for pattern, args, lo, hi, words in REGIONS:
        if re.search(rf"\b(?:{pattern})\b", text):
            return args, lo, hi, words
    return None


def build(clause, view, target: str, bars: dict, expected) -> tuple[list, str, list]:
    """One EQ move on ``target`` for the region the clause names, with the band that proves it."""
    from bandmate.agent.plan import ToolCall

    found = region_of(clause.text)
    if found is None:
        raise ValueError(f"no frequency region named in {clause.text!r}")
    args, lo, hi, words = found
    cut = bool(re.search(rf"\b(?:{CUT})\b", clause.text)) and not re.search(r"\b(?:not enough|needs? more|lack)", clause.text)
    said = clause.numbers.get("gain_db")
    amount = abs(said) if said is not None else min(MAX_DB, DEFAULT_DB * clause.intensity)
    db = round(-amount if cut else amount, 2)
    gain_key = next(k.replace("_hz", "_db") for k in args if k.endswith("_hz"))
    call = ToolCall(tool="eq", args={"target": target, **args, gain_key: db, **bars},
                    why=f"{db:+.1f} dB on {words}")
    return [call], f"{'Cutting' if cut else 'Lifting'} {words} on the {target} by {abs(db):g} dB.", \
        [expected(f"band_db:{lo:g}-{hi:g}", "down" if cut else "up", target)]
