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


INTERVALS = {"minor second": 1, "major second": 2, "minor third": 3, "major third": 4, "perfect fourth": 5,
             "fourth": 5, "tritone": 6, "perfect fifth": 7, "fifth": 7, "minor sixth": 8, "major sixth": 9,
             "minor seventh": 10, "major seventh": 11}
INTERVAL_RE = r"\b(" + "|".join(sorted(INTERVALS, key=len, reverse=True)) + r")\b"


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
    topics: list[str] = field(default_factory=list)  # every topic a question asks about
    inherited: bool = False        # stems taken from an earlier clause of the same sentence
    section: str | None = None     # a section named as a place ("in the chorus"); agent/targets resolves it


def normalise(text: str) -> str:
    t = text.lower().strip()
    t = t.replace("’", "'").replace("–", "-").replace("—", "-")
    t = re.sub(r"(\d)\s*-\s*(\d)", r"\1 to \2", t)  # 5-8 -> 5 to 8
    t = re.sub(r"\s+", " ", t)
    # "the hats are a bit much" is "a bit too much" (said of a part, 'much' alone is the complaint)
    t = re.sub(r"\b(is|are|'s|'re|sounds?|feels?|gets?|seems?) (a bit|a little|a tad|slightly|just a bit|kind of|"
               r"kinda|a touch|way|a little bit) much(?=$|[,.;!?]| (?:and|but|now|though|for|in|on|there)\b)",
               r"\1 \2 too much", t)
    return t


def split_sentences(text: str, *, weak: bool = True) -> list[list[str]]:
    """The request as sentences (split on 'then', ';', '.'), each a list of its clauses.

    With ``weak`` (the default) a sentence is also split on 'and'/',' before a new verb or amount; a
    generation prompt is read with ``weak=False``, so "strings and piano, slow and sad" stays one request.
    """
    t = normalise(text)
    parts = re.split(r"\s*(?:;|\.\s|\band then\b|\bafter that\b|, then\b|\bthen\b)\s*", t)
    out: list[list[str]] = []
    verbs = "|".join(ACTION_VERBS)
    for p in parts:
        pieces = re.split(rf"\s*(?:,\s*and|\band|,|\bplus|\balso)\s+(?=(?:{verbs})\b|(?:a bit|a little|much|more|less)\b)",
                          p) if weak else [p]
        kept = [x.strip(" ,.!?") for x in pieces if x and x.strip(" ,.!?")]
        if weak:
            kept = [c for x in kept for c in _split_parts(x)]
        if kept:
            out.append(kept)
    return out or [[t]]


# words that say neither which part nor what should happen to it
_FILLER = frozenset("make get turn give let can could you please i want need would like the a an my our its it "
                    "is are be sound sounds this that no not oops sorry meant mean actually just only instead "
                    "rather also both all too so well ok okay yes yeah hey".split())


def _says_what(piece: str) -> bool:
    """The piece names a part and says something about it ('the drums quieter'), not only a part."""
    words = re.findall(r"[a-z][a-z'-]*", piece)
    # 'power chords', 'a new beat': words that name a part only sometimes do not start a new edit
    parts = find_stems(re.sub(r"\b(?:chords?|beats?|song|track|tune|music)\b", " ", piece))
    return bool(parts) and any(w not in _FILLER and w not in STEM_ALIASES for w in words)


def coordinated(text: str, stems: list[str]) -> list[str]:
    """The parts of ``stems`` said together with the first as one list ('the bass and drums', 'drums, bass
    & keys'), in order; a part named elsewhere ('so the piano comes through') is not in it."""
    if not stems:
        return []
    t = normalise(text)
    said = [(m.start(), m.end(), find_stems(m.group(0))) for m in re.finditer(r"[a-z][a-z-]*", t)]
    said = [(a, b, found[0]) for a, b, found in said if found and found[0] in stems]
    together = [stems[0]]
    for (_, end, first), (start, _, second) in zip(said, said[1:], strict=False):
        joined = re.fullmatch(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|plus\s+|as well as\s+)(?:the\s+|my\s+|our\s+)?",
                              t[end:start])
        if joined and first in together and second not in together:
            together.append(second)
    return together


# a side that says its own verb keeps it: "push the guitar back, the voice should be up front" is not
# "push the voice … up front" (the first side's verb is carried only into a side that has none)
OWN_PREDICATE = re.compile(r"\b(?:should|must|needs?|is|are|was|were|sounds?|feels?|seems?|has|have|could|would|"
                           r"can|gets?|stays?|wants?|ought)\b")


# a pitch move by whole tones, said with its direction ("put it up a tone", "transpose down two tones"); the
# direction is required, so "a warmer tone" or "the tone is harsh" never reads as a transposition
TONES_RE = re.compile(rf"\b(?:up|down|higher|lower|raise\w*|drop\w*|transpos\w*|shift\w*|pitch\w*)\b[^,.;]*?"
                      rf"\b(a|one|{'|'.join(NUMBER_WORDS)}|\d+)\s+(?:whole[- ])?tones?\b")


def _split_parts(piece: str) -> list[str]:
    """'make the bass warmer and the drums quieter' is two edits, each with its own part; 'make the bass and
    drums quieter' and 'add reverb to the vocals and the guitar' are one (a side only names parts)."""
    for m in re.finditer(r"\s*(?:,\s*and|\band|,|\bbut)\s+", piece):
        left, right = piece[:m.start()], re.sub(r"^but\s+", "", piece[m.end():])  # ", but …"
        if re.match(r"(?:not|instead of|rather than)\b", right):  # "the keys, not the drums": a contrast
            continue
        if re.match(r"(?:don't|dont|do not|never|try not to)\b", right) and _says_what(left):
            return [left.strip(" ,"), right.strip()]  # "…, but don't thin out the kick": a caution of its own
        if re.match(r"(?:they|they're|theyre|it|it's|its|he|she|so|because|cause|since|as|which|that|while|"
                    r"when|where|until)\b", right):
            continue  # "the keys are muddy, they're fighting the bass": a reason, not a second edit
        if _says_what(left) and _says_what(right.split(" and ")[0].split(",")[0]):
            verb = re.match(rf"(?:{'|'.join(ACTION_VERBS)})\b", left.strip())
            if verb and not re.match(rf"(?:{'|'.join(ACTION_VERBS)})\b", right.strip()) \
                    and not OWN_PREDICATE.search(right):
                right = f"{verb.group(0)} {right.strip()}"  # "turn the bass up and the drums down"
            return [left.strip(" ,"), *_split_parts(right)]
    return [piece]


def split_clauses(text: str, *, weak: bool = True) -> list[str]:
    """Split a request into sequential actions on 'then', ';', '.', and 'and'/',' before a new verb."""
    return [c for sentence in split_sentences(text, weak=weak) for c in sentence]


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
    return bool(re.search(r"(a|new|lo-fi|hip hop|dance|whole|entire)\s+$", before))  # "the whole beat" is the mix


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
    elif (m := _BARE_TEMPO.search(t)) and 40 <= float(m.group(1)) <= 240 and (
            _TEMPO_WORDS.search(t) or not find_stems(t)):
        out["bpm"] = float(m.group(1))  # "drag it down to 72", "push it to 128": a tempo said without 'bpm'
    if m := re.search(rf"([+-]?\d+|{'|'.join(NUMBER_WORDS)})\s*(?:semi-?tones?|half[- ]steps?)", t):
        v = _num(m.group(1).lstrip("+")) if not m.group(1).startswith("-") else float(m.group(1))
        out["semitones"] = -v if re.search(r"\bdown\b", t) and v > 0 else v
    elif re.search(r"\boctave\b", t):
        out["semitones"] = -12.0 if re.search(r"\b(down|lower|drop)\b", t) else 12.0
    elif m := TONES_RE.search(t):  # "up a tone", "down two whole tones": a tone is two semitones
        v = 2.0 * (1.0 if m.group(1) in ("a", "one") else _num(m.group(1)))
        out["semitones"] = -v if re.search(r"\b(down|lower|drop\w*)\b", t) else v
    elif m := re.search(INTERVAL_RE, t):
        v = float(INTERVALS[m.group(1)])
        out["semitones"] = -v if re.search(r"\bdown\b|\blower\b", t) else v
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


# "put the old drums back", "bring back the original bass line", "back to the previous keys"
OLD_BACK = re.compile(r"\b(?:put|bring|give me|get|want|have)\b.{0,12}\b(?:old|original|previous)\s+\w+"
                      r"(?:\s+(?:part|line|pattern|sound|one))?\s+back\b|\b(?:bring|put) back the (?:old|original|previous)\b|"
                      r"\bback to the (?:old|original|previous)\b")


def find_history(text: str) -> tuple[str, int] | None:
    t = normalise(text)
    if m := re.search(r"\b(?:back to|go to|restore|checkout|revert to)\s+(?:version|v)\s*(\d+)", t):
        return ("checkout", int(m.group(1)))
    if m := re.search(rf"\b(?:like|as it was|the way it was|how it was|back to)\b.*?\b{NUM}\s+(?:steps?|edits?|changes?|versions?)\s+ago", t):
        return ("undo", int(_num(m.group(1))))
    if re.search(r"\bredo\b(?!\s+(?:bars?\b|the\s+(?!last\b)\w+|it\s+differently|that\s+(?:bar|part|section)))", t):
        return ("redo", 1)  # not "redo bars 3-4 of the keys" / "redo the chorus": that recomposes them
    if m := re.search(rf"\bundo\s+(?:the\s+)?(?:last\s+)?{NUM}\b", t):
        return ("undo", int(_num(m.group(1))))
    if re.search(r"\b(undo|revert|take that back|go back|scrap that|never ?mind that|cancel that)\b", t) or OLD_BACK.search(t):
        return ("undo", 1)
    return None


QUESTION_START = re.compile(
    r"^(?:(?:so|ok|okay|hey|um|hmm|quick question|btw|and|also)[,!]?\s+)*"
    r"(?:what|whats|what's|wat|wats|waht|which|how|hows|how's|where|when|who|whos|who's|is|are|was|were|"
    r"does|did|do you know|can you tell|could you tell|tell me|just tell me|i wonder|any idea|do we know|"
    r"let me know|describe|compare)\b")
ASKS = re.compile(r"\b(?:just tell me|tell me|let me know|i want to know|i'd like to know|i wonder)\b")
SUGGESTS = re.compile(r"^(?:what about|how about|what if|how do i make|how can we make|is it possible to|"
                      r"is there a way to|are you able to)\b")


def find_question(text: str) -> str | None:
    """The first topic asked about ('key', 'tempo', 'playing'…), 'general', or None for a request."""
    topics = find_topics(text)
    return topics[0] if topics else None


def find_topics(text: str) -> list[str]:
    """Every topic a question asks about, in the order asked; [] when ``text`` is not a question.

    "whats the bpm" and "don't change anything, just tell me the key and tempo" are questions;
    "can you make it brighter?" and "how about more reverb" are requests.
    """
    t = normalise(text)
    verbs = "|".join(ACTION_VERBS)
    if SUGGESTS.match(t) or re.match(rf"^(?:can|could|would|will) you (?:please )?(?:just )?(?:{verbs})\b", t):
        return []
    starts = bool(QUESTION_START.match(t)) or bool(ASKS.search(t))
    hits = sorted((m.start(), topic) for topic, words in QUESTION_TOPICS.items() for w in words
                  if (m := re.search(rf"(?<![\w']){re.escape(w)}(?![\w'])", t)))
    topics = list(dict.fromkeys(topic for _, topic in hits))
    if re.search(r"\b(?:\w+er|more \w+|less \w+)\s+than\b", t):
        topics = ["compare", *[x for x in topics if x != "loudness"]]
    elif re.match(r"^(?:describe|compare)\b", t):
        topics = ["describe", *topics]
    elif not topics and find_key(t):
        topics = ["key"]  # "is it in C minor?"
    asked = t.endswith("?") and not re.match(rf"^(?:{verbs})\b", t) and (
        topics or re.match(r"^(?:is|are|does|do|did|was|has)\b", t))
    if not starts and not asked:
        return []
    return topics or ["general"]


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
    # a verb of being followed by a quality, not a preposition ("a double-time feel on the drums" is no complaint)
    return bool(re.search(r"\b(is|are|sounds?|feels?|seems?|gets?|getting|'s|'re|been)\s+"
                          r"(?!not\b|on\b|in\b|at\b|for\b|of\b|over\b|during\b|with\b|from\b)\w+", t))


# a bare number a tempo is set to: "to 72", not "to 3 dB", "to 8 bars" or "bar 12 to 16"
_BARE_TEMPO = re.compile(r"(?<!bar )(?<!bars )(?<!\d )\b(?:to|at)\s+(\d{2,3}(?:\.\d+)?)\b(?!\s*(?:%|percent|db|hz|khz|k\b|ms|"
                         r"s\b|sec|seconds?|bars?|beats?|semi|half|cents?|st\b|x\b|times))(?!\.\d)")
_TEMPO_WORDS = re.compile(r"\b(tempo|speed|pace|drag|dragging|rush|rushing|push it|pull it|slow|faster|slower)\b")


def find_instrument(text: str) -> str | None:
    t = normalise(text).rstrip(" .!?")
    m = re.search(r"\b(?:add|bring in|layer|put in|give me|throw in|introduce|write)\s+(?:an?\s+|some\s+|the\s+)?"
                  r"([a-z][a-z -]{1,40}?)(?=\s+(?:in|on|at|for|from|over|under|to|during|that|which|with)\b|$)", t) \
        or re.search(r"\b(?:throw|bring|drop)\s+(?:an?|some)\s+([a-z][a-z -]{1,30}?)\s+in\b", t)  # "throw a … in"
    if not m:
        return None
    name = re.sub(r"\s+(instead|too|as well|please)$", "", m.group(1).strip())
    name = re.sub(r"(?<=\w)\s+(part|line|track)$", "", name)  # "a string part" is strings
    name = "strings" if name == "string" else name
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
    stems = find_stems(text, known_stems)
    if not stems and re.search(r"\bkaraoke\b|\binstrumental (version|mix|take)\b", normalise(text)):
        stems = [resolve_stem("vocals", known_stems)]  # a karaoke version is the song without its vocals
    return Clause(text=normalise(text), stems=stems, range=find_range(text),
                  intensity=intensity, intensity_word=word, negated=negated, less=less, numbers=numbers,
                  key=find_key(text), tempo_bpm=tempo, question=find_question(text), topics=find_topics(text),
                  history=find_history(text), instrument=find_instrument(text), complaint=find_complaint(text),
                  section=find_section(text))


def parse(text: str, known_stems: list[str] | None = None, *, weak: bool = True) -> list[Clause]:
    """The request as a sequence of clauses, each with its exact parts parsed.

    A clause that names no part inherits the part named earlier in the same sentence: in "make the vocals
    warmer and a bit louder" both clauses are about the vocals.
    """
    out: list[Clause] = []
    for sentence in split_sentences(text, weak=weak):
        clauses = _merge_bare_ranges([parse_clause(c, known_stems) for c in sentence])
        inherit_stems(clauses)
        out += clauses
    return out


def _merge_bare_ranges(clauses: list[Clause]) -> list[Clause]:
    """'in bars 3-4, drop the piano out': a clause that is only a range gives it to its neighbour."""
    out = list(clauses)
    for c in list(out):
        words = re.sub(r"\b(in|on|at|for|during|over|from|the|bars?|to|and|through|\d+|first|last|final)\b", " ",
                       c.text)
        if c.range is None or words.strip(" ,.") or len(out) < 2:
            continue
        i = out.index(c)
        other = out[i + 1] if i + 1 < len(out) else out[i - 1]
        if other.range is None:
            other.range = c.range
            out.remove(c)
    return out


ARRANGING = re.compile(r"\b(remove|drop|mute|solo|isolate|extract|take .* out|get rid|kill|lose|without|replace|"
                       r"swap|add|bring in|layer|only|just the)\b")
WHOLE = re.compile(r"\b(everything|whole|overall|all of it|the (mix|song|track|master)|tempo|bpm|key|semitones?|"
                   r"octave|faster|slower|speed|transpose|longer|shorter|extend|trim|generate)\b")


def inherit_stems(clauses: list[Clause]) -> None:
    """Give a clause that names no part the part its sentence named before it (quality and level edits only)."""
    named: list[str] = []
    for c in clauses:
        if c.stems:
            named = [] if ARRANGING.search(c.text) or "mix" in c.stems else c.stems
            continue
        if named and not (c.question or c.history or c.key or c.tempo_bpm or WHOLE.search(c.text)
                          or ARRANGING.search(c.text)):
            c.stems, c.inherited = list(named), True
