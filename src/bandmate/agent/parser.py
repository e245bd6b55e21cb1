"""Parsing the parts of a request that must be exact.

Meaning (what "warmer" asks for) comes from retrieval; this module pins down what retrieval cannot:
stems, instruments, numbers with units, bar and time ranges, keys, tempi, intensity words, negation,
"and"/"then" sequences and references to earlier versions. Everything here is deterministic.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from bandmate.agent.vocabulary import (
    ACTION_VERBS,
    NUMBER_WORDS,
    ORDINALS,
    QUESTION_TOPICS,
    STEM_ALIASES,
)
from bandmate.core.sections import mention
from bandmate.memory.lexicon import INTENSITY_WORDS

NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
KEY_RE = re.compile(r"\b(?:in|to|into|key of)\s+([a-g](?:#|b(?![a-z])|\s?sharp|\s?flat)?)(?![a-ln-z'#])\s*"
                    r"(major|minor|maj\b|min\b|m\b)?", re.I)
EFFECT_NOUNS = {"reverb", "delay", "echo", "compression", "compressor", "eq", "distortion", "saturation",
                "chorus", "air", "warmth", "punch", "space", "sparkle", "presence", "body", "width", "depth",
                "energy", "drive", "grit", "room", "glue", "fade", "fade in", "fade out", "swing", "groove"}
NOTE_RE = re.compile(r"^[a-g](#|b)?$", re.I)


@dataclass
class Range:
    """A time range as said: bars (1-based inclusive) or seconds; 'last'/'first' counts are relative."""

    unit: str                      # 'bars' | 'seconds'
    start: float | None = None
    end: float | None = None
    relative: str | None = None    # 'last' | 'first' | None
    count: float | None = None     # for relative ranges: how many bars/seconds

    def resolve(self, total_bars: float | None = None, total_s: float | None = None) -> tuple[float, float]:
        if self.relative is None:
            return float(self.start), float(self.end if self.end is not None else self.start)
        total = total_bars if self.unit == "bars" else total_s
        if total is None:
            raise ValueError(f"need the length in {self.unit} to resolve '{self.relative} {self.count}'")
        n = float(self.count or 1)
        if self.unit == "bars":
            tb = whole_bars(total)
            return (max(1.0, tb - n + 1), float(tb)) if self.relative == "last" else (1.0, min(n, tb))
        return (max(0.0, total - n), total) if self.relative == "last" else (0.0, min(n, total))


@dataclass
class Clause:
    text: str
    stems: list[str] = field(default_factory=list)
    range: Range | None = None
    intensity: float = 1.0
    intensity_word: str | None = None
    negated: bool = False          # "not", "don't", "no" in front of a quality
    less: bool = False             # asks for less of a quality ("less", "too", "tame", "reduce")
    numbers: dict[str, float] = field(default_factory=dict)  # gain_db, freq_hz, time_ms, bpm, semitones, pct
    key: str | None = None
    tempo_bpm: float | None = None
    question: str | None = None    # topic for questions
    history: tuple[str, int] | None = None  # ('undo', n) | ('redo', n) | ('checkout', version) | ('back', n)
    instrument: str | None = None  # for "add a walking bass": 'walking bass'
    complaint: bool = False        # "the vocals sound muddy": a statement of a problem asks for less of it
    section: str | None = None     # a section named as a place ("in the chorus"); agent/targets resolves it


def normalise(text: str) -> str:
    t = text.lower().strip()
    t = t.replace("’", "'").replace("–", "-").replace("—", "-")
    t = re.sub(r"(\d)\s*-\s*(\d)", r"\1 to \2", t)  # 5-8 -> 5 to 8
    t = re.sub(r"\s+", " ", t)
    return t


def split_clauses(text: str) -> list[str]:
    """Split a request into sequential actions on 'then', ';', '.', and 'and'/',' before a new verb."""
    t = normalise(text)
    parts = re.split(r"\s*(?:;|\.\s|\band then\b|\bafter that\b|, then\b|\bthen\b)\s*", t)
    out: list[str] = []
    verbs = "|".join(ACTION_VERBS)
    for p in parts:
        pieces = re.split(rf"\s*(?:,\s*and|\band|,|\bplus|\balso)\s+(?=(?:{verbs})\b|(?:a bit|a little|much|more|less)\b)",
                          p)
        out += [x.strip(" ,.!?") for x in pieces if x and x.strip(" ,.!?")]
    return out or [t]


def find_stems(text: str, known: list[str] | None = None) -> list[str]:
    """Stems named in ``text`` (nicknames and typos resolved), in order of mention."""
    t = " " + normalise(text) + " "
    asking = find_question(text) is not None
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for alias in sorted(STEM_ALIASES, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", t):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if alias in ("beat", "beats", "song", "track") and _is_generic(t, m.start(), alias):
                continue
            if alias == "chords" and (asking or "progression" in t):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), resolve_stem(alias, known)))
    for extra in known or []:  # session-specific stem names such as "synth2"
        for m in re.finditer(rf"\b{re.escape(extra.lower())}\b", t):
            if not any(a <= m.start() < b for a, b in taken):
                found.append((m.start(), extra))
    if not found:
        for w in re.findall(r"[a-z]{4,}", t):
            if w in STEM_ALIASES or w in EFFECT_NOUNS:
                continue  # exact words were handled above; only typos are fuzzy-matched
            close = difflib.get_close_matches(w, [a for a in STEM_ALIASES if len(a) >= 4], n=1, cutoff=0.84)
            if close and STEM_ALIASES[close[0]] != "mix":
                found.append((t.find(w), resolve_stem(close[0], known)))
    return list(dict.fromkeys(s for _, s in sorted(found)))


def resolve_stem(word: str, known: list[str] | None) -> str:
    """The session's own name for a stem the user called ``word`` ("piano" -> 'piano' or 'keys')."""
    canonical = STEM_ALIASES.get(word, word)
    if not known:
        return canonical
    if word in known:
        return word
    if canonical in known:
        return canonical
    same_family = [k for k in known if STEM_ALIASES.get(k.rstrip("0123456789"), k) == canonical]
    return same_family[0] if same_family else canonical


def _is_generic(t: str, pos: int, alias: str) -> bool:
    """'beat'/'chords'/'song' are only stems in phrases like 'the beat' used as a part of the mix."""
    before = t[max(0, pos - 12):pos]
    if alias in ("song", "track"):
        return True  # treated as the whole mix only via 'whole song'/'whole track'
    return bool(re.search(r"(a|new|lo-fi|hip hop|dance)\s+$", before))


def find_range(text: str) -> Range | None:
    t = normalise(text)
    n = NUM
    pats = [
        (rf"\bbars?\s+{n}\s*(?:to|through|thru|until|and)\s*(?:bar\s*)?{n}", "bars_ab"),
        (rf"\bfrom bar\s+{n}\s+(?:to|until|through)\s+(?:bar\s+)?{n}", "bars_ab"),
        (rf"\b(last|final|first|opening|closing)\s+{n}\s+bars?\b", "bars_rel"),
        (r"\b(last|final|first|opening|closing)\s+bar\b", "bar_rel1"),
        (rf"\b(?:end|middle|start|beginning) of bar\s+{n}", "bar_one"),
        (rf"\b(?:in|at|on|during|for)?\s*bar\s+{n}\b", "bar_one"),
        (r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth)\s+bar\b", "bar_ord"),
        (rf"\b(?:from|between)\s+{n}\s*(?:s|sec|secs|seconds)?\s*(?:to|and|until|-)\s*{n}\s*(?:s|sec|secs|seconds)\b",
         "secs_ab"),
        (r"\b(?:from|between)\s+(\d+):(\d\d)\s*(?:to|and|until|-)\s*(\d+):(\d\d)", "mmss_ab"),
        (rf"\b(last|final|first)\s+{n}\s*(?:s|sec|secs|seconds)\b", "secs_rel"),
        (r"\b(intro|outro|ending|end|beginning|start)\b", "section"),
    ]
    for pat, kind in pats:
        m = re.search(pat, t)
        if not m:
            continue
        g = m.groups()
        if kind == "bars_ab":
            return Range("bars", _num(g[0]), _num(g[1]))
        if kind == "bars_rel":
            return Range("bars", relative=_rel(g[0]), count=_num(g[1]))
        if kind == "bar_rel1":
            return Range("bars", relative=_rel(g[0]), count=1)
        if kind == "bar_one":
            b = _num(g[0])
            return Range("bars", b, b)
        if kind == "bar_ord":
            b = ORDINALS[g[0]]
            return Range("bars", b, b)
        if kind == "secs_ab":
            return Range("seconds", _num(g[0]), _num(g[1]))
        if kind == "mmss_ab":
            a = int(g[0]) * 60 + int(g[1])
            b = int(g[2]) * 60 + int(g[3])
            return Range("seconds", float(a), float(b))
        if kind == "secs_rel":
            return Range("seconds", relative=_rel(g[0]), count=_num(g[1]))
        if kind == "section" and re.search(r"\b(at|in|during|toward|towards|for)\s+the\s+" + g[0], t):
            word = g[0]
            rel = "first" if word in ("intro", "beginning", "start") else "last"
            return Range("bars", relative=rel, count=2 if word in ("end", "ending") else 4)
    return None


def whole_bars(total_bars: float) -> int:
    """Complete bars in a length: a render's release tail (a fraction of a bar) is not another bar."""
    return max(1, int(total_bars + 0.1))


def _rel(word: str) -> str:
    return "first" if word in ("first", "opening") else "last"


def _num(s: str) -> float:
    return float(NUMBER_WORDS[s]) if s in NUMBER_WORDS else float(s)


def find_numbers(text: str) -> dict[str, float]:
    t = normalise(text)
    out: dict[str, float] = {}
    if m := re.search(r"([+-]?\d+(?:\.\d+)?)\s*db\b", t):
        v = float(m.group(1))
        # an unsigned amount takes its sign from the verb: "down 3 dB", "cut 4 dB" are negative
        if not m.group(1).startswith(("+", "-")) and re.search(
                r"\b(down|cut|lower|reduce|drop|dip|less|quieter|softer|scoop|tame|pull)\b", t):
            v = -v
        out["gain_db"] = v
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(khz|k\b|hz)", t):
        v = float(m.group(1))
        out["freq_hz"] = v * 1000 if m.group(2) in ("khz", "k") else v
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?)\b", t):
        out["time_ms"] = float(m.group(1))
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:bpm|beats per minute)", t):
        out["bpm"] = float(m.group(1))
    if m := re.search(rf"([+-]?\d+|{'|'.join(NUMBER_WORDS)})\s*(?:semi-?tones?|half[- ]steps?)", t):
        v = _num(m.group(1).lstrip("+")) if not m.group(1).startswith("-") else float(m.group(1))
        out["semitones"] = -v if re.search(r"\bdown\b", t) and v > 0 else v
    elif re.search(r"\boctave\b", t):
        out["semitones"] = -12.0 if re.search(r"\bdown\b|\blower\b", t) else 12.0
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:%|percent)", t):
        out["pct"] = float(m.group(1))
    if m := re.search(rf"\b{NUM}\s+(?:more\s+|extra\s+)?bars?\b", t):
        out["bars"] = _num(m.group(1))
    if m := re.search(rf"\b{NUM}\s*(?:s|sec|secs|seconds)\b", t):
        out["seconds"] = _num(m.group(1))
    return out


def find_intensity(text: str) -> tuple[float, str | None]:
    t = " " + normalise(text) + " "
    for word in sorted(INTENSITY_WORDS, key=len, reverse=True):
        if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", t):
            return INTENSITY_WORDS[word], word
    return 1.0, None


def find_key(text: str) -> str | None:
    t = normalise(text)
    m = KEY_RE.search(t)
    if not m or not NOTE_RE.match(m.group(1).replace(" sharp", "#").replace(" flat", "b").replace(" ", "")):
        return None
    # "in a bit" is not A major: a bare note needs a mode word, an accidental or the word "key"
    if m.group(2) is None and len(m.group(1)) == 1 and not re.search(r"\bkey\b", t) \
            and not t[m.end():].strip() == "":
        return None
    if m.group(1) == "a" and m.group(2) is None:
        return None
    note = m.group(1).replace(" sharp", "#").replace(" flat", "b").replace(" ", "")
    mode = (m.group(2) or "major").lower()
    mode = "minor" if mode in ("minor", "min", "m") else "major"
    return f"{note[0].upper()}{note[1:]} {mode}"


def find_history(text: str) -> tuple[str, int] | None:
    t = normalise(text)
    if m := re.search(r"\b(?:back to|go to|restore|checkout|revert to)\s+(?:version|v)\s*(\d+)", t):
        return ("checkout", int(m.group(1)))
    if m := re.search(rf"\b(?:like|as it was|the way it was|how it was|back to)\b.*?\b{NUM}\s+(?:steps?|edits?|changes?|versions?)\s+ago", t):
        return ("undo", int(_num(m.group(1))))
    if re.search(r"\bredo\b", t):
        return ("redo", 1)
    if m := re.search(rf"\bundo\s+(?:the\s+)?(?:last\s+)?{NUM}\b", t):
        return ("undo", int(_num(m.group(1))))
    if re.search(r"\b(undo|revert|take that back|go back|scrap that|never ?mind that|cancel that)\b", t):
        return ("undo", 1)
    return None


def find_question(text: str) -> str | None:
    t = text.lower().strip()
    is_q = t.endswith("?") or re.match(r"^(what|which|how|is it|is this|does|do you|can you tell|tell me|"
                                       r"where|when|who)\b", t)
    if not is_q or re.match(r"^(can you|could you|would you)\s+(make|add|remove|turn|give|put|bring)", t):
        return None
    for topic, words in QUESTION_TOPICS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", t) for w in words):
            return topic
    return "general"


def find_negation(text: str) -> tuple[bool, bool]:
    """(negated, less): 'not so bright' -> negated; 'less bright'/'too bright'/'tame the highs' -> less."""
    t = " " + normalise(text) + " "
    negated = bool(re.search(r"\b(not|don't|dont|doesn't|isn't|no longer|never|without)\b", t))
    less = bool(re.search(r"\b(less|too|fewer|reduce|tame|lower|cut down|turn down|pull back|"
                          r"way less|not as|not so|over-?|overly|excessive)\b", t))
    wants_more = bool(re.search(r"\b(not enough|lacks?|lacking|needs? more|missing|more)\b", t))
    if wants_more and not re.search(r"\b(less|too|reduce|tame)\b", t):
        return False, False
    return negated, less


def find_complaint(text: str) -> bool:
    """'X is/sounds/feels Y' without asking for more: the speaker dislikes Y."""
    t = normalise(text)
    if re.search(r"\b(make|more|needs?|want|could use|should be|add|give|not enough|lacks?|missing)\b", t):
        return False
    return bool(re.search(r"\b(is|are|sounds?|feels?|seems?|gets?|getting|'s|'re|been)\s+(?!not\b)\w+", t))


def find_instrument(text: str) -> str | None:
    m = re.search(r"\b(?:add|bring in|layer|put in|give me|throw in|introduce)\s+(?:an?\s+|some\s+|the\s+)?"
                  r"([a-z][a-z -]{1,40}?)(?=\s+(?:in|on|at|for|from|over|under|to|during|that|which|with)\b|$)",
                  normalise(text).rstrip(" .!?"))
    if not m:
        return None
    name = re.sub(r"\s+(instead|too|as well|please)$", "", m.group(1).strip())
    if name in EFFECT_NOUNS or name.split()[-1] in EFFECT_NOUNS:
        return None
    return name


def find_section(text: str) -> str | None:
    """The section named as a place ("in the chorus", "the second verse"), as said; None if none."""
    t = normalise(text)
    span = mention(t)
    return t[span[0]:span[1]] if span else None


def parse_clause(text: str, known_stems: list[str] | None = None) -> Clause:
    intensity, word = find_intensity(text)
    negated, less = find_negation(text)
    numbers = find_numbers(text)
    tempo = numbers.get("bpm")
    return Clause(text=normalise(text), stems=find_stems(text, known_stems), range=find_range(text),
                  intensity=intensity, intensity_word=word, negated=negated, less=less, numbers=numbers,
                  key=find_key(text), tempo_bpm=tempo, question=find_question(text),
                  history=find_history(text), instrument=find_instrument(text), complaint=find_complaint(text),
                  section=find_section(text))


def parse(text: str, known_stems: list[str] | None = None) -> list[Clause]:
    """The request as a sequence of clauses, each with its exact parts parsed."""
    return [parse_clause(c, known_stems) for c in split_clauses(text)]
