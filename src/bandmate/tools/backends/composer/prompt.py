"""Reading a free-text music request into a partial ``Controls``.

Only what the text states is set ("funky 100 bpm groove in E minor with drums, bass and keys" sets
genre, tempo, key and instruments); everything else stays ``None`` for ``Controls.resolved()``.
The reader is deliberately literal: it never invents values, and explicit tool arguments override it.
"""

from __future__ import annotations

import re

from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.composer import presets
from bandmate.tools.backends.composer.controls import MOODS, Controls, split_progression
from bandmate.tools.backends.composer.theory import Key, parse_chord, parse_key

_NUM = r"(\d+(?:\.\d+)?)"
_KEY_RE = re.compile(r"\b(?:in|key(?: of)?)\s+(?:the key of\s+)?([A-G][#b♯♭]?)(m\b|\s*(?:major|minor|maj\b|min\b|"
                     r"dorian|mixolydian))?", re.IGNORECASE)
_BARE_KEY_RE = re.compile(r"\b([A-Ga-g][#b♯♭]?)\s+(major|minor|dorian|mixolydian)\b", re.IGNORECASE)
_FEELS = (("four on the floor", "four_on_the_floor"), ("four-on-the-floor", "four_on_the_floor"),
          ("4 on the floor", "four_on_the_floor"), ("half-time", "half_time"), ("half time", "half_time"),
          ("halftime", "half_time"), ("double-time", "double_time"), ("double time", "double_time"),
          ("breakbeat", "breakbeat"), ("shuffle", "shuffle"), ("one drop", "one_drop"), ("boom bap", "boom_bap"),
          ("swung", "swing"), ("swing", "swing"), ("straight", "straight"))  # groove names before swing words
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "twelve": 12,
                 "sixteen": 16, "sixty-four": 64, "thirty-two": 32, "thirty two": 32, "sixty four": 64}


def read_prompt(text: str) -> Controls:
    if len(text) > 2000:
        raise ToolInputError(f"prompt is {len(text)} characters; keep it under 2000")
    t = " " + text.strip() + " "
    found: dict = {}
    found.update(_tempo(t))
    found.update(_length(t))
    meter = re.search(r"\b(\d{1,2})/(2|4|8|16)\b", t)
    if meter:
        found["time_signature"] = f"{meter.group(1)}/{meter.group(2)}"
    chords = _chords(t)
    if chords:
        found["chords"] = chords
    key = _key(t, chords)
    if key:
        found["key"] = key
    found.update(_feel(t))
    genre = _first_phrase(t, presets.GENRE_WORDS)
    if genre:
        found["genre"] = presets.GENRE_WORDS[genre.lower()]
    mood = _first_phrase(t, {m: m for m in MOODS})
    if mood:
        found["mood"] = mood.lower()
    instruments = _instruments(t)
    if instruments:
        found["instruments"] = instruments
    if re.search(r"\b(sparse|minimal|simple|laid[- ]back)\b", t, re.I):
        found["density"] = 0.25
    elif re.search(r"\b(busy|dense|complex|intricate)\b", t, re.I):
        found["density"] = 0.8
    form = _form(t)
    if form:
        found["form"] = form
    seed = re.search(r"\bseed\s*(\d+)", t, re.I)
    if seed:
        found["seed"] = int(seed.group(1))
    melody = re.search(r"\bmelody\s*:?\s*((?:[A-G][#b]?-?\d(?::\d*\.?\d+)?[\s,]*){2,})", t)
    if melody:
        found["melody"] = melody.group(1).replace(",", " ").split()
    return Controls.build(**found)


_SECTION = r"(?:intro|verse|pre-?chorus|chorus|bridge|solo|breakdown|outro)(?::\d{1,2})?"
_FORM_RE = re.compile(rf"\b{_SECTION}(?:(?:\s*[,/>|–-]\s*|\s+(?:and|then)\s+|\s+){_SECTION}\b)+", re.I)


def _form(t: str) -> list[str] | None:
    """A song form written as a run of section names: 'intro verse chorus verse chorus outro',
    'intro, verse:8, chorus:8 and outro'. Three names at least (or two after 'form'/'structure')."""
    for m in _FORM_RE.finditer(t):
        names = re.findall(_SECTION, m.group(0), re.I)
        before = t[max(0, m.start() - 12): m.start()].lower()
        if len(names) >= 3 or ("form" in before or "structure" in before):
            return [n.lower().replace("-", "") for n in names]
    return None


def _tempo(t: str) -> dict:
    m = re.search(_NUM + r"\s*(?:bpm|beats per minute|beats a minute)\b", t, re.I) or \
        re.search(r"\btempo\s*(?:of\s*|=\s*|:\s*)?" + _NUM, t, re.I)
    if not m:
        return {}
    bpm = float(m.group(1))
    if not 40 <= bpm <= 240:
        raise ToolInputError(f"tempo {bpm:g} BPM in the request is outside 40–240 BPM")
    return {"tempo_bpm": bpm}


def _length(t: str) -> dict:
    m = re.search(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")[\s-]*(?:bars?|measures?)\b", t, re.I)
    if m:
        n = m.group(1).lower()
        return {"bars": int(n) if n.isdigit() else _NUMBER_WORDS[n]}
    m = re.search(_NUM + r"[\s-]*(seconds?|secs?|s|minutes?|mins?)\b", t, re.I)
    if m:
        secs = float(m.group(1)) * (60 if m.group(2).lower().startswith("m") else 1)
        return {"duration_s": secs}
    return {}


def _key(t: str, chords: list[str] | None) -> str | None:
    for m in _KEY_RE.finditer(t):
        letter, mode = m.group(1), (m.group(2) or "").strip()
        follow = t[m.end():m.end() + 3]
        if letter.lower() == "a" and letter == "a" and not mode:
            continue  # "in a ..." is the article
        if not mode and chords and re.match(r"\s+[A-G]", follow):
            continue  # "in C G Am F" is a progression, not a key
        return _key_name(letter, mode)
    m = _BARE_KEY_RE.search(t)
    return _key_name(m.group(1), m.group(2)) if m else None


def _key_name(letter: str, mode: str) -> str:
    mode = {"m": "minor", "min": "minor", "maj": "major", "": "major"}.get(mode.lower(), mode.lower())
    return parse_key(f"{letter[0].upper()}{letter[1:]} {mode}").name()


def _chords(t: str) -> list[str] | None:
    m = re.search(r"\b(?:chords?|progression|changes)\s*(?:of|:|=)?\s*([^.;\n]+)", t, re.I)
    candidates = [m.group(1)] if m else []
    candidates.append(t)
    for text in candidates:
        run = _longest_chord_run(text)
        if run:
            return run
    return None


def _longest_chord_run(text: str) -> list[str] | None:
    tokens = re.split(r"[\s,]+", text.replace("|", " | "))
    best: list[str] = []
    run: list[str] = []
    raw: list[str] = []  # the run's tokens as written, bar lines included
    for tok in [*tokens, "."]:
        if tok == "|" and run:
            raw.append(tok)
            continue
        bars = _as_chords(tok)
        if bars and run and _is_letter(bars[0]) != _is_letter(run[0]):
            best = _keep(run, raw, best)
            run, raw = [], []  # letter names and roman numerals never share one progression
        if bars:
            run.extend(bars)
            raw.append(tok)
            continue
        best = _keep(run, raw, best)
        run, raw = [], []
    return best or None


def _keep(run: list[str], raw: list[str], best: list[str]) -> list[str]:
    if not _good_run(run) or len(run) <= len(best):
        return best
    return split_progression(" ".join(raw)) if "|" in raw else run


def _is_letter(symbol: str) -> bool:
    return bool(re.match(r"^[A-G]", symbol))


def _as_chords(tok: str) -> list[str] | None:
    tok = tok.strip("()[]\"'")
    if not tok:
        return None
    try:
        parts = split_progression(tok)
    except ToolInputError:
        return None
    ok = []
    for p in parts:
        if re.match(r"^[A-G]", p):
            try:
                parse_chord(p)
            except ToolInputError:
                return None
            ok.append(p)
        elif re.match(r"^[b#]?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(°|o|ø|\+)?(7|maj7|9|6)?$", p):
            if parse_chord(p, Key(0)) is None:
                return None
            ok.append(p)
        else:
            return None
    return ok


def _good_run(run: list[str]) -> bool:
    letters = [c for c in run if re.match(r"^[A-G]", c)]
    if len(letters) == len(run):
        return len(run) >= 2
    return len(run) >= 3 and not letters  # romans need three ('I' alone is a pronoun)


def _feel(t: str) -> dict:
    """A groove word sets the feel; a swing amount ("swing 60%", "swung") only sets the swing, so a
    swung funk or pop groove stays funk or pop (the word "swing" alone asks for the jazz ride groove)."""
    out: dict = {}
    low = t.lower()
    for phrase, feel in _FEELS:
        if phrase in low:
            out["drum_feel"] = feel
            break
    m = re.search(r"swing\w*\s*(?:of\s*)?(\d{2})\s*%|(\d{2})\s*%\s*swing", low)
    if m:
        pct = float(m.group(1) or m.group(2))
        if not 50 <= pct <= 75:
            raise ToolInputError(f"swing {pct:g}% is outside 50–75% (50% is straight, 66% triplet)")
        out["swing"] = pct / 100
        if out.get("drum_feel") == "swing":
            del out["drum_feel"]
    elif re.search(r"\bswung\b", low):
        if out.get("drum_feel") == "swing":
            del out["drum_feel"]
        out["swing"] = 0.62
    elif out.get("drum_feel") in ("swing", "shuffle"):
        out["swing"] = 0.66
    return out


def _first_phrase(t: str, table: dict) -> str | None:
    best = None
    for phrase in table:
        m = re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", t, re.I)
        if m and (best is None or m.start() < best[0] or (m.start() == best[0] and len(phrase) > len(best[1]))):
            best = (m.start(), phrase)
    return best[1] if best else None


def _instruments(t: str) -> list[str]:
    low = re.sub(r"\bbeats? (per|a) minute\b|\bbpm\b|four on the floor beat", " ", t.lower())
    taken = [False] * len(low)
    hits: list[tuple[int, str]] = []
    for phrase in sorted(presets.INSTRUMENTS, key=len, reverse=True):
        for m in re.finditer(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", low):
            if any(taken[m.start():m.end()]):
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            negated = re.search(r"\b(no|without|minus)\s+(\w+\s+)?$", low[max(0, m.start() - 20):m.start()])
            if not negated:
                hits.append((m.start(), phrase))
    out: list[str] = []
    for _, phrase in sorted(hits):
        if phrase not in out:
            out.append(phrase)
    if all(p in ("beat", "beats") for p in out):
        return []  # "a chill beat" names the whole track, not a drum part
    return out
