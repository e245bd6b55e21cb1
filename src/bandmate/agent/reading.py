"""How the words of a clause relate to each other and to the last turn, before any lexicon reading.

- An instruction after a stated problem is the request ("the horns poke out too much, tuck them in"); a
  statement beside an instruction on the same part is its reason; "too"/"not"/a complaint turn only the word
  they are about (``segment``, ``literal_inverts``, ``instruction``, ``only_a_reason``).
- A caution ("…, but don't thin out the kick") is checked, not done (``DONT``; the planner's ``_guard``).
- A pronoun with no part named is the part the last turn worked on (``aim_at_last_part``), or the part the
  sentence just added (``aim_after_add``).
- A long word one slip from a lexicon word is that word (``one_slip``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from bandmate.agent import intents
from bandmate.agent.parser import Clause, find_complaint, find_intensity, find_negation, find_stems
from bandmate.agent.view import SessionView
from bandmate.agent.vocabulary import STEM_ALIASES

MIN_TYPO_LEN = 7  # shorter words are too often other real words one letter away ("cold"/"bold")


def one_slip(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one dropped, added or changed letter, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def quality_words(clause: Clause) -> str:
    """The clause without stems, ranges, intensity and filler, leaving the quality words to retrieve on."""
    t = clause.text
    t = re.sub(r"\b(in|on|at|for|during|over)?\s*(the\s+)?(last|first|final)?\s*\d*\s*bars?\s*\d*(\s*to\s*\d+)?", " ", t)
    t = re.sub(r"\b(please|can you|could you|would you|i want|i'd like|let's|lets|just|the|a|an|it|its|"
               r"it's|is|are|this|that|make|sound|sounds|on|of|to|some|bit|little|touch|way|much|more|less|"
               r"too|so|very|really|not|don't|kinda|kind|sort|like)\b", " ", t)
    words = sorted((a for a in STEM_ALIASES if len(a) > 2), key=len, reverse=True)
    t = re.sub(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", " ", t)
    return re.sub(r"\s+", " ", t).strip()


LESS_BEFORE = re.compile(r"\b(less|too|not|no|fewer|reduce|tame|lower|cut|way less|not as|not so|"
                         r"over-?|overly|excessive(ly)?|turn down|pull back|kill)\W+(\w+\W+){0,3}$")


# where one part of a sentence ends and the next begins: "the drums are too busy, simplify them"
SEGMENT = re.compile(r"[,;:]|\s(?:but|and|then)\s")  # not "so": "not so bright"


def segment(text: str, start: int) -> tuple[int, int]:
    """Where the stretch of ``text`` around ``start`` (between punctuation or a conjunction) begins and ends."""
    cuts = [m.end() for m in SEGMENT.finditer(text[:start])]
    end = SEGMENT.search(text, start)
    return (cuts[-1] if cuts else 0), (end.start() if end else len(text))


STATES = re.compile(r"\b(?:can't|cannot|can not|hard to|barely|hardly|i don't hear|lost|buried)\b")
DONT = re.compile(r"^(?:but\s+|and\s+|just\s+)?(?:don't|dont|do not|never|try not to)\s+")
IMPERATIVE = re.compile(r"^(?:(?:please|just|now|then|so|and|but|maybe|can you|could you)\s+)*(?:make|give|bring|push|pull|"
                        r"tuck|hold|calm|soften|smooth|tame|cut|add|take|turn|put|keep|let|warm|brighten|darken|"
                        r"thin|fatten|widen|narrow|scoop|roll|clean|tighten|loosen|open|fix|raise|lower|boost|drop|"
                        r"simplify|move|play|sit|set|dial|back|lift|thicken|dirty|rough|spread|glue|even|level)\b")


def instruction(clause: Clause) -> Clause:
    """A clause that states a problem and then says what to do ("the horns poke out too much, tuck them in"):
    the instruction is the request; the problem only explains it, so its "too" does not turn the instruction
    around. Parts, bars and numbers stay those of the whole clause."""
    text = clause.text
    cuts = [0, *(m.end() for m in SEGMENT.finditer(text))]
    segments = [text[a:b].strip(" ,;:") for a, b in zip(cuts, [*(m.start() for m in SEGMENT.finditer(text)),
                                                                 len(text)], strict=True)]
    said = [x for x in segments if x]
    if len(said) < 2:
        return clause
    told = [x for x in said if IMPERATIVE.match(x)]
    if not told or len(told) == len(said):
        return clause
    if not all(find_complaint(x) or re.search(r"\btoo\b", x) or STATES.search(x) for x in said if x not in told):
        return clause  # "fewer notes from the keys, give the groove room": both halves ask for something
    text = " ".join(told)
    negated, less = find_negation(text)
    intensity, word = find_intensity(text)
    return replace(clause, text=text, negated=negated, less=less, complaint=False, intensity=intensity,
                   intensity_word=word)


def only_a_reason(clause: Clause, used: list[str], planned: list[tuple]) -> bool:
    """A statement of a problem beside an instruction about the same part is the instruction's reason, not a
    second edit: "I can't make out the bass notes, give it more definition" is one edit (the instruction's);
    "it's too static, give the keys some movement" is one edit on the keys (the part-less complaint reads as
    the quality the instruction asks for). A problem about another part stays an edit of its own."""
    if IMPERATIVE.match(clause.text) or not (clause.complaint or re.search(r"\btoo\b", clause.text) or
                                              STATES.search(clause.text)):
        return False  # "fewer notes from the keys, give the groove room": a request, not a statement
    for _, other, _, _, _, u in planned:
        if other is clause or not other.stems or not IMPERATIVE.match(other.text):
            continue
        if clause.stems and set(other.stems) == set(clause.stems):
            return True  # "I can't make out the bass notes, give it more definition": the instruction says how
        if not clause.stems and set(used) & set(u):
            return True
    return False


def literal_inverts(clause: Clause, start: int) -> bool:
    """For a word said outright, "less/too/not" count only just before it, and a complaint only when the word is
    what is complained about: in "the drums are too busy, simplify them" and "warm it up, it's a bit cold" the
    instruction ("simplify", "warm") is taken as said; "it's a bit cold" alone asks for the opposite of cold."""
    seg_start, seg_end = segment(clause.text, start)
    seg, before = clause.text[seg_start:seg_end], clause.text[seg_start:start]
    if re.search(r"\b(not|n't)\b.*\benough\b", seg):
        return False
    return bool(LESS_BEFORE.search(before)) or (find_complaint(seg) and not re.search(r"\bmore\b", before))


PLURAL_REF = re.compile(r"\b(?:they|them|they're|theyre|those|these|their)\b")
SINGULAR_REF = re.compile(r"\b(?:it|it's|its)\b")
# a part named only to compare with or place against: "tuck them under the keys", "louder than the bass"
REFERENCE = re.compile(r"\b(?:under|below|beneath|behind|than|against|above|over|next to|around|with|like)\s+"
                       r"(?:the\s+|that\s+|those\s+)?[a-z0-9-]+(?:\s+(?:part|line|track))?")


def last_part(view: SessionView) -> str | None:
    """The one part the last turn worked on, or the new part it wrote; None if several or none."""
    parts = []
    for s in view.last_turn:
        a = s.get("args") or {}
        parts += [s.get("made") or a.get("target") or a.get("stem")]
    named = {p for p in parts if p and p != "mix" and p in view.stems}
    return named.pop() if len(named) == 1 else None


GOES_ON = re.compile(r"(?:oh,? )?(?:and|also|plus)\b(?! then\b)")


def aim_at_last_part(clauses: list[Clause], view: SessionView, request: str = "") -> None:
    """"hmm, now they're harsh", "they're too loud, tuck them under the keys", after "add a flute melody":
    "love it, can it be a bit louder": a pronoun with no part named (or one named only as a reference) is
    the part the last turn worked on. "It" counts only after a turn that wrote a new part (otherwise "it" is
    usually the song). A request that goes on from the last one ("and a little more presence", "also some
    air") is about its part too."""
    part = last_part(view)
    if part is None:
        return
    made = any(s.get("made") == part for s in view.last_turn)
    goes_on = bool(GOES_ON.match(request.lower().strip()))
    for i, c in enumerate(clauses):
        if c.history or c.question:
            continue
        refers = PLURAL_REF.search(c.text) or (made and SINGULAR_REF.search(c.text)) or (i == 0 and goes_on)
        if not refers:
            continue
        own = [x for x in find_stems(REFERENCE.sub(" ", c.text), view.stems) if x != "mix"]
        if not own:
            c.stems, c.inherited = [part], True


def aim_after_add(clauses: list[Clause], view: SessionView) -> None:
    """'add a string pad and push it a little to the right': the clause after an addition is about the new part."""
    for before, after in zip(clauses, clauses[1:], strict=False):
        if not after.stems and re.search(r"\b(it|them|that)\b", after.text) and \
                intents.cue_intent(before, view) == "add_stem":
            after.stems = [intents.added_stem_name(before.instrument, view.stems)]
