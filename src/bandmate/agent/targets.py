"""Where a request lands: the stem that carries the part it names, whether that part is really there,
and the time range of the section it names.

Conventions: stems are the session's names ('drums', 'other', 'keys'); a *family* is the parser's
canonical name for what the user said ('keys' for "the piano", 'vibes' for "vibraphone"); times are
seconds from the start of the mix; bands are ``(low_hz, high_hz)``.

``prepare`` settles these before a plan is built, clause by clause:

1. **Is the session ready?** Bars need a tempo and section words need sections (``analyze`` first);
   a stem edit on a mix-only recording needs stems (``separate`` first). Those steps come back with
   ``replan``, so the request is planned again on what they found: whether a part is there is decided
   from the separation, never guessed.
2. **Where is the section?** Section words resolve through ``core.sections`` to a seconds range (a
   section at the start or the end becomes a 'first'/'last' range, so a trim keeps the rest). A
   reading below ``ASK_BELOW`` confidence, or a name the song does not have, becomes a question.
3. **Which stem carries the part?** A family without a stem of its own lives in the stem that carries
   it (after a 4-stem separation, everything but drums, bass and vocals is in 'other'), and the plan
   says so. Removing, muting, soloing or replacing a part that shares its stem would take the rest
   along, so that is a question ("all of 'other', or only the piano's 200–2000 Hz band?"), as is a
   part with neither stem nor carrier.
4. **Is the part really there?** ``separate`` measures each stem's presence; a stem that is only
   bleed is never edited: the turn says what it heard and offers what can be done instead.

Every option of every question here is a request that plans as written (tests check that).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

from bandmate.agent.parser import Clause, Range, find_range, normalise
from bandmate.agent.plan import Clarification, Plan, ToolCall
from bandmate.agent.view import SessionView
from bandmate.agent.vocabulary import STEM_ALIASES
from bandmate.core.sections import ASK_BELOW, resolve_sections, section_names

SEPARATED = ("drums", "bass", "vocals", "other")
SHARED = "everything that is not drums, bass or vocals"
CALLED = {"vocals": "a voice", "drums": "any drums", "bass": "a bass part", "other": f"anything in {SHARED}",
          "keys": "a piano or keyboard", "guitar": "a guitar", "strings": "strings", "vibes": "a vibraphone",
          "sax": "a saxophone", "brass": "brass", "winds": "woodwinds", "lead": "a lead line", "pad": "a pad"}
# where a family's notes and first harmonics sit: the band offered when its stem is shared
BANDS = {"keys": (200.0, 2000.0), "guitar": (100.0, 2500.0), "strings": (200.0, 3000.0),
         "vibes": (170.0, 2000.0), "sax": (100.0, 2500.0), "brass": (150.0, 2500.0), "winds": (250.0, 3000.0),
         "lead": (250.0, 3000.0), "pad": (200.0, 2000.0)}
DEFAULT_BAND = (200.0, 2000.0)
# When is a separated stem only bleed? Its presence confidence measures how often the stem leads the
# music (within 6 dB of the mix). That is evidence from a pretrained model (Spleeter's vocals on the
# instrumental vibe_ace: -39 to -96 dB, confidence 0), but a DSP split hands every stem its band or its
# transients whatever plays: rendered songs with real drums give a DSP 'drums' stem at -9 to -13 dB with
# confidence 0, and the guitar under the voice of lets_go_fishin gives 'other' -11 dB, leading nowhere.
# So a stem is only bleed when it is this far under the mix, or when a pretrained backend says so.
BLEED_DB = -20.0
PRETRAINED = ("spleeter", "demucs")
# actions that take a whole stem away (or replace it): on a shared stem they would take the rest along
TAKES_WHOLE_STEM = {"remove_stem", "extract_stem", "mute", "replace_stem"}
# actions that do not edit a named existing stem (they write, split, answer or move in history)
NO_STEM_EDIT = {"add_stem", "generate", "separate", "question", "undo", "redo", "checkout", "continue", "inpaint",
                "trim", "tempo"}
# the start and the end of any piece: without a section of that name they keep the parser's reading
EDGE_WORDS = re.compile(r"\b(intro|introduction|opening|outro|ending|coda)\b")
PLURAL = {"vocals", "drums", "keys", "strings", "vibes", "horns", "voices", "keyboards", "guitars",
          "violins", "cellos", "pads", "beats", "hats", "cymbals", "vibraphones", "saxes", "woodwinds"}


def _plural(word: str) -> bool:
    """'the hi-hats are', 'the bass is': a plural part name (a plain -s, not -ss or a known singular)."""
    return word in PLURAL or (word.endswith("s") and not word.endswith(("ss", "us")) and word not in ("vox",))


def _has_no_stem(word: str, carrier: str) -> str:
    """'has no stem of its own: it lives in …' / 'have no stem of their own: they live in …'."""
    if _plural(word):
        return f"have no stem of their own: they live in '{carrier}'"
    return f"has no stem of its own: it lives in '{carrier}'"


WHOLE_SONG = re.compile(r"\b(whole|entire|full) (song|track|piece|thing|recording)\b")
BAND_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(khz|k|hz)?\s*(?:to|and)\s*(\d+(?:\.\d+)?)\s*(khz|k|hz)\b")


@dataclass
class Prepared:
    """What ``prepare`` settled: a plan to return as it is (a question, or steps to run and re-plan
    after), else the clauses to plan (ranges and stems resolved) and what the plan must say openly."""

    plan: Plan | None = None
    clauses: list[Clause] = field(default_factory=list)
    said: list[str] = field(default_factory=list)


def target_of(clause: Clause, view: SessionView) -> str:
    """The stem a clause edits, or 'mix' when it names none."""
    stems = [s for s in clause.stems if s != "mix"]
    return stems[0] if stems else "mix"


def prepare(clauses: list[Clause], kinds: list[str | None], view: SessionView, request: str) -> Prepared:
    """Settle sections, carriers and presence for ``clauses`` (``kinds``: each clause's cue intent)."""
    if view.empty:
        return Prepared(clauses=clauses)
    first = _first_steps(clauses, kinds, view)
    if first is not None:
        return Prepared(plan=first)
    said: list[str] = []
    out: list[Clause] = []
    for clause, kind in zip(clauses, kinds, strict=True):
        placed = _place(clause, kind, view, request, said)
        if isinstance(placed, Plan):
            return Prepared(plan=placed)
        for c in placed:
            ask = _part(c, kind, view, request, said)
            if ask is not None:
                return Prepared(plan=ask)
        out += placed
    return Prepared(clauses=out, said=list(dict.fromkeys(said)))


# ---- 1. steps the session needs first --------------------------------------------------------------

def _edits_a_stem(clause: Clause, kind: str | None) -> bool:
    return not clause.history and kind not in NO_STEM_EDIT and any(s != "mix" for s in clause.stems)


def _first_steps(clauses: list[Clause], kinds: list[str | None], view: SessionView) -> Plan | None:
    steps, why = [], []
    bars = not view.state.tempo_bpm and any(c.range is not None and c.range.unit == "bars" for c in clauses)
    # after an analysis (beats known) an empty form stays empty: then the section word is asked about
    sections = not view.state.sections and not view.state.beats_s and any(c.section for c in clauses)
    if bars or sections:
        steps.append(ToolCall(tool="analyze", args={}, why="find the bars" if bars else "find the sections"))
        why.append("Bars need the tempo, so I'm measuring tempo, beats, key and chords first." if bars else
                   "Finding the song's sections first (intro, verse, chorus …), to know where that is.")
    parts = [s for c, k in zip(clauses, kinds, strict=True) if _edits_a_stem(c, k) for s in c.stems if s != "mix"]
    if parts and not view.stems and "separate" not in kinds:
        steps.append(ToolCall(tool="separate", args={}, why="split the recording to find the part"))
        said = {}  # one word per part, as first said ("the vocal …, don't make it dull" is one part)
        for c in clauses:
            for s in parts:
                if s in c.stems and s not in said:
                    said[s] = _word(c.text, s)
        named = list(said.values())
        are = "are" if len(named) > 1 or _plural(named[0]) else "is"
        why.append(f"This recording is one mix, so I'm splitting it into stems first, to check that the "
                   f"{' and '.join(named)} {are} really there before editing it.")
    if not steps:
        return None
    return Plan(kind="edit", steps=steps, replan=True, explanation=" ".join(why))


# ---- 2. sections -------------------------------------------------------------------------------------

def _place(clause: Clause, kind: str | None, view: SessionView, request: str, said: list[str]):
    """The clause with its section resolved to a range (one copy per range for 'every chorus'), or a
    question."""
    word = clause.section
    if not word or WHOLE_SONG.search(clause.text):
        return [clause]
    if find_range(clause.text.replace(word, " ")) is not None:
        return [clause]  # a range said beside the section word (an answer to our question) wins
    sections = view.state.sections
    found = resolve_sections(clause.text, sections) if sections else []
    if not found:
        if EDGE_WORDS.search(word):  # "the ending" of a piece without a named outro: the parser's reading
            if clause.range is not None and clause.range.unit == "bars" and view.total_bars:
                a, b = clause.range.resolve(total_bars=view.total_bars)
                said.append(f"This song has no section named {word.split()[-1]}, so '{word}' is bars {a:g}–{b:g}.")
            return [clause]
        return _ask_section(clause, view, request, sections)
    unsure = [s for s in found if s[2] < ASK_BELOW]
    if unsure:
        return _confirm_section(clause, view, request, unsure[0])
    last_end = max(float(s.end_s) for s in sections)
    if kind == "trim" and all(0.05 < a and b < last_end - 0.05 for a, b, _ in found):
        return _ask_trim(clause, view, request, found[0])
    out = []
    for a, b, conf in found:
        rng = Range("seconds", relative="first", count=round(b, 3)) if a <= 0.05 else \
            Range("seconds", relative="last", count=round(view.duration_s - a, 3)) if b >= last_end - 0.05 else \
            Range("seconds", round(a, 3), round(b, 3))
        out.append(dataclasses.replace(clause, range=rng))
        said.append(f"'{word}' is {a:.1f}–{b:.1f} s ({_how_sure(sections, a, conf, len(found))}).")
    return out


def _how_sure(sections, start_s: float, conf: float, found: int) -> str:
    sec = min(sections, key=lambda s: abs(s.start_s - start_s))
    how = "the written form" if sec.source == "written" else f"measured, confidence {conf:.2f}"
    same = [s for s in sections if s.name and s.name == sec.name]
    if found == 1 and len(same) > 1:
        how += f"; the {_ORDINAL[same.index(sec)]} of {len(same)}, say 'every {sec.name}' for all"
    return how


_ORDINAL = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", *["next"] * 64]


def _secs(request: str, a: float, b: float) -> str:
    return f"{request}, from {a:.1f} to {b:.1f} s"


def _ask_section(clause: Clause, view: SessionView, request: str, sections) -> Plan:
    req = normalise(request).rstrip(" .!?")
    whole = f"{req}, over the whole song"
    if not sections:
        half = round(view.duration_s / 2, 1)
        return _question(f"I couldn't find the song's sections, so I don't know where '{clause.section}' is. "
                         "Which part do you mean?",
                         [whole, _secs(req, 0.0, half), _secs(req, half, view.duration_s)])
    names = section_names(sections)
    listing = ", ".join(f"{n} ({s.start_s:.0f}–{s.end_s:.0f} s)" for n, s in zip(names, sections, strict=True))
    options = [_secs(req, s.start_s, s.end_s) for s in sections[:3]]
    return _question(f"I can't find '{clause.section}' in this song; its sections are {listing}. "
                     "Which part do you mean?", [*options, whole])


def _confirm_section(clause: Clause, view: SessionView, request: str, span) -> Plan:
    a, b, conf = span
    req = normalise(request).rstrip(" .!?")
    others = [s for s in view.state.sections if abs(s.start_s - a) > 0.05 and (s.name or "") in clause.section]
    options = [_secs(req, a, b), *[_secs(req, s.start_s, s.end_s) for s in others[:2]],
               f"{req}, over the whole song"]
    return _question(f"I think '{clause.section}' is {a:.1f}–{b:.1f} s, but I'm not sure (confidence "
                     f"{conf:.2f}). Is that the part?", options)


def _ask_trim(clause: Clause, view: SessionView, request: str, span) -> Plan:
    a, b, _ = span
    return _question(f"Trimming cuts from the start or the end, and '{clause.section}' ({a:.1f}–{b:.1f} s) "
                     "is in the middle. Cut everything before it, or everything after it?",
                     [f"cut the first {a:.1f} seconds", f"cut the last {view.duration_s - b:.1f} seconds"])


# ---- 3 and 4. which stem carries the part, and is it there ------------------------------------------

def _part(clause: Clause, kind: str | None, view: SessionView, request: str, said: list[str]) -> Plan | None:
    """Point the clause's stems at the session's carriers (in place); a question when that can't be done
    honestly."""
    if not view.stems or not _edits_a_stem(clause, kind):
        return None
    named = [s for s in clause.stems if s != "mix"]
    # only the stems the action edits: "replace the guitar with a piano part" edits the guitar alone
    for family in named if kind == "extract_stem" else named[:1]:
        word = _word(clause.text, family)
        carrier = family if family in view.stems else ("other" if "other" in view.stems and
                                                       family not in SEPARATED else None)
        if carrier is None:
            return _ask_which(family, word, view, request)
        if carrier != family:
            if kind in TAKES_WHOLE_STEM:
                return _ask_shared(family, word, carrier, kind, request)
            if _only_part(carrier, view):  # "warmer strings" on a string orchestra: the strings are all of it
                clause.stems = list(dict.fromkeys("mix" if s == family else s for s in clause.stems))
                are = "are" if _plural(word) else "is"
                others = " and ".join(s for s in view.stems if s != carrier)
                said.append(f"The {word} {are} the whole recording here: separating found no part of its own "
                            f"in {others}, so I edited the mix, not the '{carrier}' stem.")
                continue
            clause.stems = list(dict.fromkeys(carrier if s == family else s for s in clause.stems))
            said.append(f"The {word} {_has_no_stem(word, carrier)} with {SHARED}, so I edited that stem.")
        presence = view.state.stem_presence.get(carrier)
        if presence is not None and only_bleed(carrier, presence):
            return _absent(family, word, carrier, presence, kind, view, request)
    return None


def _only_part(carrier: str, view: SessionView) -> bool:
    """Whether separating found a part only in ``carrier``: every other stem was measured as no part of its own
    (a string orchestra's drums and bass stems hold the cellos' low end and bow noise, not drums or a bass)."""
    pres = view.state.stem_presence
    others = [s for s in view.stems if s != carrier]
    return bool(others) and carrier in pres and pres[carrier].present and \
        all(s in pres and not pres[s].present for s in others)


def only_bleed(stem: str, presence) -> bool:
    """Whether a separated stem holds no real part (see ``BLEED_DB``)."""
    return presence.level_db < BLEED_DB or (not presence.present and presence.backend in PRETRAINED)


def _absent(family, word, carrier, presence, kind, view: SessionView, request: str) -> Plan:
    pres = view.state.stem_presence
    alts = sorted((s for s in view.stems if s != carrier and (s not in pres or not only_bleed(s, pres[s]))),
                  key=lambda s: -(pres[s].confidence if s in pres else 1.0))
    # "more drums in the mix" offers no "more mix in the mix"
    names = [*alts[:3], *([] if kind in TAKES_WHOLE_STEM or "mix" in normalise(request) else ["mix"])]
    names += [s for s in view.stems if s != carrier and s not in names][:max(0, 2 - len(names))]
    called = CALLED.get(family, f"a {word}")
    return _question(f"I can't hear {called} in this recording: the separated '{carrier}' stem is only bleed from "
                     f"the other parts ({presence.level_db:+.1f} dB against the mix, confidence "
                     f"{presence.confidence:.2f}), so I changed nothing. What should I do instead?",
                     [_swap(request, family, n) for n in names[:4]])


def _ask_which(family, word, view: SessionView, request: str) -> Plan:
    melodic = [s for s in view.stems if s not in ("drums", "bass")] or list(view.stems)
    options = [_swap(request, family, s) for s in [*melodic[:3], "mix"]]
    if _composable(word):  # "throw a vibraphone melody in" may ask for a new part, not name an old one
        return _question(f"This session has no {word} (its stems: {', '.join(view.stems)}). Add one, or which "
                         "part do you mean?", [f"add a {word}", *options[:3]])
    return _question(f"This session has no {word} (its stems: {', '.join(view.stems)}). Which part do you mean?",
                     options)


def _composable(word: str) -> bool:
    """Whether the composer can write a part for ``word``."""
    from bandmate.core.errors import ToolInputError
    from bandmate.tools.backends.composer.presets import instrument

    try:
        instrument(word)
    except ToolInputError:
        return False
    return True


def _ask_shared(family, word, carrier, kind, request: str) -> Plan:
    lo, hi = BANDS.get(family, DEFAULT_BAND)
    verb = {"remove_stem": "Remove", "mute": "Mute", "extract_stem": "Solo", "replace_stem": "Replace"}[kind]
    band = f"{lo:g} hz to {hi:g} hz on the {carrier}"
    cut = kind in ("remove_stem", "mute")
    option = f"cut {band} by 12 db" if cut else f"boost {band} by 6 db"
    what = f"only cut its {lo:g}–{hi:g} Hz band" if cut else f"only bring its {lo:g}–{hi:g} Hz band forward"
    return _question(f"The {word} {_has_no_stem(word, carrier)} with {SHARED}. "
                     f"{verb} all of '{carrier}', or {what}, where the {word} sits?",
                     [_swap(request, family, carrier), option])


# ---- wording -----------------------------------------------------------------------------------------

def _aliases_of(family: str) -> list[str]:
    return sorted([a for a, f in STEM_ALIASES.items() if f == family] + [family], key=len, reverse=True)


def _word(text: str, family: str) -> str:
    """How the user called ``family`` in ``text`` ("piano" for 'keys'), else the family's name."""
    for alias in _aliases_of(family):
        if re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", text):
            return alias.removeprefix("the ")
    return family


def _swap(request: str, family: str, stem: str) -> str:
    """``request`` with the word for ``family`` replaced by the stem name ``stem`` (an option to offer)."""
    t = normalise(request).rstrip(" .!?")
    for alias in _aliases_of(family):
        m = re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", t)
        if m:
            new = ("the " if alias.startswith("the ") else "") + stem
            return t[:m.start()] + new + t[m.end():]
    return f"{t} on the {stem}"


def as_bars(args: dict, view: SessionView) -> dict:
    """A start_s/end_s range as the whole bars that cover it (for tools that take bars only, e.g. add_stem);
    other arguments, and ranges on a session without a tempo, come back unchanged."""
    st = view.state
    if "start_s" not in args or not st.tempo_bpm:
        return args
    beats = int(st.time_signature.split("/")[0]) if "/" in st.time_signature else 4
    bar_s = 60.0 / st.tempo_bpm * beats
    rest = {k: v for k, v in args.items() if k not in ("start_s", "end_s")}
    first = max(1, int((args["start_s"] - st.offset_s) / bar_s + 1e-6) + 1)
    last = max(first, math.ceil((args.get("end_s", view.duration_s) - st.offset_s) / bar_s - 1e-6))
    return {**rest, "start_bar": first, "end_bar": last}


def said_band(text: str) -> tuple[float, float] | None:
    """A frequency band said as "200 hz to 2 khz" (either unit may be left off the first number)."""
    m = BAND_RE.search(text)
    if not m:
        return None
    hi = float(m.group(3)) * (1000 if m.group(4) in ("khz", "k") else 1)
    unit = m.group(2) or m.group(4)
    lo = float(m.group(1)) * (1000 if unit in ("khz", "k") else 1)
    return (lo, hi) if 20 <= lo < hi <= 20000 else None


def _question(question: str, options: list[str]) -> Plan:
    options = list(dict.fromkeys(options))[:4]
    return Plan(kind="clarify", clarification=Clarification(question=question, options=options),
                explanation=question)
