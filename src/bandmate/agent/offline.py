"""The offline planner: exact parsing + retrieval over the lexicon, intent exemplars and corrections.

Per clause: a history move or question is recognised exactly; an action with an exact cue ("remove the
drums") is built by ``intents``; anything else is matched by embedding similarity against lexicon terms,
intent exemplars and this user's corrections. A clause that matches nothing well — or matches the
'ambiguous' exemplars best — becomes a clarifying question with concrete options.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bandmate.agent import corrections, intents, targets
from bandmate.agent.constraints import enforce, read_constraints, refusal_plan
from bandmate.agent.followups import followup_plan
from bandmate.agent.intent_matcher import IntentMatcher, neutral
from bandmate.agent.parser import Clause, coordinated, parse, resolve_stem
from bandmate.agent.plan import (
    AskedRange,
    Clarification,
    Constraint,
    ExpectedChange,
    HistoryMove,
    Plan,
    ToolCall,
)
from bandmate.agent.reading import (
    DONT,
    MIN_TYPO_LEN,
    aim_after_add,
    aim_at_last_part,
    instruction,
    literal_inverts,
    one_slip,
    only_a_reason,
    quality_words,
)
from bandmate.agent.view import SessionView
from bandmate.agent.vocabulary import STEM_ALIASES
from bandmate.agent.wording import describe_call
from bandmate.core.errors import BandmateError
from bandmate.memory.knowledge import Hit, KnowledgeBase
from bandmate.memory.lexicon import LexiconEntry, scaled_recipe
from bandmate.tools.spec import Registry

MIN_SCORE = 0.42          # below this nothing is understood well enough to act on
INTENT_MARGIN = 0.04      # an intent exemplar must beat the best term by this much to win
MIN_INTENT = 0.55         # and be at least this similar to one of its exemplars
CLARIFY_OPTIONS = {
    "default": ["tighter, punchier drums", "warmer, rounder low end", "more space (reverb)", "more energy"],
    "bass": ["warmer bass", "tighter bass", "louder bass", "less boomy bass"],
    "drums": ["punchier drums", "tighter drums", "quieter drums", "busier drums"],
    "vocals": ["more air on the vocals", "less harsh vocals", "louder vocals", "more reverb on the vocals"],
    "keys": ["brighter keys", "warmer keys", "louder keys", "more reverb on the keys"],
    "guitar": ["brighter guitar", "warmer guitar", "louder guitar", "more reverb on the guitar"],
}
# "get rid of the reverb", "take the echo off": reverb printed into a recording cannot be removed
DEREVERB = re.compile(r"\b(?:remove|get rid of|take (?:\w+ )?off|take out|kill|lose|strip(?: out)?|no more|without|"
                      r"cut out|delete)\b.{0,24}\b(?:reverb|room sound|echo|ambience|ambiance)\b|"
                      r"\b(?:reverb|echo)\b.{0,16}\b(?:off|out|gone)\b")
CANT_DEREVERB = ("I can't take out reverb that is part of the recording itself. I can make it sound drier (less room "
                 "sound at the sides) or thin the low-mid boom a room adds. Which would you like?")
# words that say something should change without saying how: a clause of only these is truly open
VAGUE = {"fix", "tweak", "improve", "improved", "better", "best", "good", "great", "nicer", "nice", "cool",
         "something", "somethings", "something's", "wrong", "off", "weird", "strange", "odd", "right", "vibe",
         "vibes", "different", "change", "up", "thing", "things", "stuff", "you", "know", "feel", "feeling",
         "feels", "do", "with", "bit", "middle", "part", "isn't", "not", "reference", "work", "needs", "need",
         "hmm", "i'm", "im", "still", "whatever", "mess", "messed", "other", "we", "talked", "about", "there",
         "here", "can", "idea", "it's", "one", "quite", "what", "ok", "okay", "yeah", "hm", "um", "in", "me",
         "my", "our", "for", "be", "could", "should", "somehow", "again", "mix", "sound", "sounds", "into",
         "was", "has", "have", "got", "get", "any", "anything", "around", "all", "there's", "fixing", "tweaking"}


# a part said to be "too much" and nothing else about it ("the vocals are way too much (in the mix)")
TOO_MUCH = re.compile(r" too much(?= in the mix$|$)")


class OfflinePlanner:
    name = "offline"

    def __init__(self, kb: KnowledgeBase, registry: Registry, intents_matcher: IntentMatcher | None = None):
        self.kb = kb
        self.registry = registry
        self.intents = intents_matcher or IntentMatcher(kb.embedder)

    # ---- public -----------------------------------------------------------------------------------
    def plan(self, request: str, view: SessionView, *, user: str = "default") -> Plan:
        if not request or not request.strip():
            return _clarify("What would you like to change?", "default")
        fix = corrections.correction_plan(request, planner=self.name)
        if fix is not None:  # "no, by warm I mean less harsh highs"
            return fix
        again = followup_plan(request, view, lexicon=self.kb.lexicon, planner=self.name)
        if again is not None:  # "less", "same for the keys", "10 bpm faster": read against the last turn
            return again
        constraints, rest = read_constraints(request, view.stems)
        if not rest:  # "leave it as it is": nothing to do, and nothing done
            return Plan(kind="answer", question="nothing", topics=["nothing"], constraints=constraints,
                        planner=self.name, explanation="Leaving it exactly as it is.")
        clauses = parse(rest, view.stems)
        if view.empty or intents.cue_intent(clauses[0], view) == "generate":
            clauses = parse(rest, view.stems, weak=False)  # a prompt's commas and "and"s are one request
        aim_at_last_part(clauses, view, rest)
        first = clauses[0]
        if first.history and len(clauses) == 1:
            return _history(first)
        moves = [c for c in clauses if c.history]
        if moves and all(c.history or (not c.stems and (len(c.text.split()) <= 3 or c.complaint)) for c in clauses):
            return _history(moves[0])  # "too much, undo that", "nah, that's too busy, put the old drums back"
        if first.question or (any(c.topics for c in clauses) and all(c.topics or _filler(c) for c in clauses)):
            return self._answer(clauses, view, constraints)
        # sections, the stem that carries each named part, and whether it is there (agent/targets.py)
        ready = targets.prepare(clauses, [intents.cue_intent(c, view) for c in clauses], view, request)
        if ready.plan is not None:
            return ready.plan.model_copy(update={"planner": self.name, "constraints": constraints})
        clauses = ready.clauses
        steps: list[ToolCall] = []
        expected: list[ExpectedChange] = []
        texts, terms, notes = [], [], []
        aim_after_add(clauses, view)
        said = [c for c in clauses if not _acknowledgement(c)]
        clauses = said or clauses  # "nice. try another one": the praise is not a request
        unclear: Plan | None = None
        planned: list[tuple] = []
        guards: list[tuple[int, Clause]] = []
        for ci, clause in enumerate(clauses):
            if planned and planned[-1][2] and planned[-1][2][-1].tool == "extract_stem" and \
                    re.search(r"\b(everything|all) else\b", clause.text):
                continue  # "drums and bass only, drop everything else": the solo already did it
            if DONT.match(clause.text) and ci > 0:
                guards.append((ci, clause))  # "…, but don't thin out the kick": a caution, checked below
                continue
            part = self._clause(clause, view, user)
            if isinstance(part, Plan):  # a clarification for this clause: asked only if nothing else is clear
                notes.append(f"did not understand '{clause.text}': {part.clarification.question}")
                unclear = unclear or part
                continue
            s, text, e, used = part
            for other in self._each_part(clause, s, view, user):  # "the bass and drums are too loud"
                s, e, used, text = s + other[0], e + other[2], used + other[3], f"{text} And {other[1]}"
            planned.append((ci, clause, s, text, e, used))
        for ci, clause, s, text, e, used in planned:
            if only_a_reason(clause, used, planned):
                continue
            steps += [c.model_copy(update={"clause": ci}) for c in s]
            expected += [x.model_copy(update={"clause": ci}) for x in e]
            texts.append((ci, text))
            terms += used
        if not steps and unclear is not None:
            return unclear.model_copy(update={"constraints": constraints})
        steps = _synced_delays(steps, clauses, view)
        if any(s.tool == "time_stretch" and "target_bpm" in s.args for s in steps):  # a stated tempo is the
            steps = [s for s in steps if s.tool != "time_stretch" or "target_bpm" in s.args]  # request's own
        steps = _analyzed_first(_separate_first(steps, view), view)
        steps, dropped = self._validate(steps)
        notes += dropped
        if not steps:
            return _clarify("I could not turn that into an edit I can run. What should change?", "default")
        steps, refused = enforce(steps, constraints, view.stems)
        if refused:
            return _refuse(refused, rest, constraints)
        expected = [e for e in expected if e.clause in {s.clause for s in steps}]  # a dropped clause expects nothing
        for _, clause in guards:
            kept, said = self._guard(clause, view, user, steps[0].clause or 0)
            expected += kept
            notes.append(said)
        if any(c.kind == "keep_stem" for c in constraints):
            expected = _aimed_like(expected, steps)
        if any(s.tool == "generate" for s in steps):
            notes += intents.unread_controls(" ".join(s.args.get("prompt", "") for s in steps if s.tool == "generate"))
        return Plan(kind="edit", steps=steps, explanation=" ".join([*ready.said, " Then ".join(
                        t for ci, t in texts if ci in {s.clause for s in steps})]).strip(), expected=expected,
                    planner=self.name, terms=terms, notes=notes, constraints=constraints)

    def _each_part(self, clause: Clause, steps: list[ToolCall], view: SessionView, user: str) -> list[tuple]:
        """A clause that names several parts and was planned on the first alone ("make the drums and bass
        louder"): the same request planned on each other part it named."""
        named = coordinated(clause.text, [x for x in clause.stems if x != "mix" and x in view.stems])
        if len(named) < 2 or not steps:
            return []
        first, said = named[0], set()
        for st in steps:
            for value in st.args.values():
                said |= set(value) if isinstance(value, list) else {value}
        if not all(first in (st.args.get("target"), st.args.get("stem")) for st in steps) or said & set(named[1:]):
            return []  # the plan already reads the parts together (keep only drums and bass, swap …)
        out = []
        for other in named[1:]:
            part = self._clause(replace(clause, stems=[other]), view, user)
            if not isinstance(part, Plan):
                out.append(part)
        return out

    # ---- one clause -------------------------------------------------------------------------------
    def _clause(self, clause: Clause, view: SessionView, user: str):
        if DEREVERB.search(clause.text) and not view.empty:  # reverb in the recording cannot be taken out
            t = next((x for x in clause.stems if x in view.stems), "mix")
            part = "it" if t == "mix" else f"the {t}"
            return Plan(kind="clarify", explanation=CANT_DEREVERB, clarification=Clarification(
                question=CANT_DEREVERB, options=[f"make {part} sound drier", f"less low mids on the {t}"]))
        intent = intents.cue_intent(clause, view)
        if view.empty and intent not in ("generate",):
            intent = "generate"
        if intent in ("undo", "redo", "checkout", "question"):
            return _clarify("Shall I do that as a separate request?", "default")
        if intent:
            try:
                s, text, e = intents.build(intent, clause, view)
            except intents.NeedsStem as need:
                return _which_stem(need)
            return s, text, e, [f"@{intent}"]
        told = instruction(clause)
        if told is not clause and self._literal_term(told) is not None:
            clause = told  # the instruction names its quality: "…, tuck them in"; else the complaint says it
        literal = self._literal_term(clause)
        if literal is not None and not self._may_be_corrected(clause, user):
            # a lexicon word said outright, and no correction of this user's could apply: no embedding needed
            term, start = literal
            return self._from_term(self.kb.lexicon[term], clause, view, invert=literal_inverts(clause, start))
        queries = list(dict.fromkeys(q for q in (clause.text, quality_words(clause)) if q))
        vectors = self.kb.embedder.encode([*queries, neutral(clause.text)])  # one batch for all three
        hits = self._retrieve(queries, vectors[: len(queries)], user)
        if hits and hits[0].source == "correction":
            return self._from_correction(hits[0], clause, view, user)
        if TOO_MUCH.search(clause.text) and any(x != "mix" for x in clause.stems):
            # "the bass is (a bit) too much": said of a whole part, that is its level ("too loud"); the open
            # question offered "louder bass" among its options
            return self._clause(replace(clause, text=TOO_MUCH.sub(" too loud", clause.text)), view, user)
        if _open(clause):
            return _clarify(f"'{clause.text}' could mean several things. Which way?",
                            clause.stems[0] if clause.stems else "default")
        if literal is not None:
            term, start = literal
            return self._from_term(self.kb.lexicon[term], clause, view, invert=literal_inverts(clause, start))
        intent, score, example = self.intents.best(clause.text, vector=vectors[-1])
        # similarity alone never replaces a whole session with a new one
        usable = score >= MIN_INTENT and not (intent == "generate" and not view.empty)
        if usable and (not hits or score > hits[0].score + INTENT_MARGIN):
            hits = [Hit(f"@{intent}", score, "intent", example), *hits]
        best = hits[0] if hits else None
        if best is None or best.score < MIN_SCORE:
            return _clarify(f"I'm not sure what '{clause.text}' should change. Which do you mean?",
                            clause.stems[0] if clause.stems else "default")
        if best.source == "correction":
            return self._from_correction(best, clause, view, user)
        if best.term.startswith("@"):
            intent = best.term[1:]
            if intent == "ambiguous":
                return _clarify(f"'{clause.text}' could mean several things. Which way?",
                                clause.stems[0] if clause.stems else "default")
            if intent in ("undo", "redo", "question"):
                return _clarify("Do you want me to undo, or to change something?", "default")
            try:
                s, text, e = intents.build(intent, clause, view)
            except KeyError:
                return _clarify(f"How should I handle '{clause.text}'?", "default")
            except intents.NeedsStem as need:
                return _which_stem(need)
            return s, text, e, [best.term]
        return self._from_term(self.kb.lexicon[best.term], clause, view)

    def _guard(self, clause: Clause, view: SessionView, user: str, ci: int) -> tuple[list[ExpectedChange], str]:
        """A caution ("don't thin out the kick"): what doing it would move is expected to stay the same, so
        verify measures and reports it; nothing is done for it."""
        said = DONT.sub("", clause.text).strip()
        part = self._clause(replace(clause, text=said, negated=False, less=False, complaint=False), view, user)
        if isinstance(part, Plan) or not part[2]:
            return [], f"kept in mind: '{clause.text}' (I have no measure for it, so it is not checked)"
        kept = [e.model_copy(update={"direction": "same", "clause": ci}) for e in part[2]]
        what = ", ".join(f"{e.measure} on the {e.target}" for e in kept)
        return kept, f"'{clause.text}': not done; measuring that {what} stays the same"

    @staticmethod
    def _fits_session(args: dict, view: SessionView) -> bool:
        """Point a recipe's stem arguments at this session's names; False if a part is missing. A recording
        that is one mix so far has the parts separating will give it (a 'keys' step on a recording is left
        out, not run after the split and failed)."""
        from bandmate.tools.separate import SEPARATED_STEMS

        stems = view.stems or ([] if view.empty else list(SEPARATED_STEMS))
        if not stems:
            return True
        for key in ("stem", "target"):
            value = args.get(key)
            if value and value not in ("mix", "$stem"):
                args[key] = resolve_stem(value, stems)
                if args[key] not in stems:
                    return False
        return True

    def _may_be_corrected(self, clause: Clause, user: str) -> bool:
        """True when one of ``user``'s stored corrections names a word this clause says (then retrieval decides)."""
        stored = getattr(self.kb, "corrections", None)
        if stored is None:
            return False
        return any(corrections.mentions(c.word, clause.text) for c in stored(user))  # 'roomier' says 'roomy' too

    def _literal_term(self, clause: Clause) -> tuple[str, int] | None:
        """A lexicon term or alias said outright ("muddy", "busier") decides the reading.

        Returns the term and where its word starts in ``clause.text``.
        """
        quality = " " + quality_words(clause) + " "
        for pattern, term in self._aliases():
            if pattern.search(quality):
                m = pattern.search(clause.text)
                return term, (m.start() if m else 0)
        return self._misspelt_term(quality, clause.text)

    def _misspelt_term(self, quality: str, text: str) -> tuple[str, int] | None:
        """"the hi-hats are peircing": a long word one slip (a letter dropped, added, changed or two swapped)
        from exactly one term's single-word alias is read as that word."""
        if not hasattr(self, "_typo_index"):
            single = {a.lower(): e.term for e in self.kb.lexicon.values() for a in [e.term, *e.aliases]
                      if " " not in a and len(a) >= MIN_TYPO_LEN}
            # every word the lexicon itself writes is a real word, not a slip ("breathe" is not "breather")
            said = {w for e in self.kb.lexicon.values() for text in [e.definition, *e.examples, *e.correlates]
                    for w in re.findall(r"[a-z]+", text.lower())}
            self._typo_index = (single, said)
        single, said = self._typo_index
        for w in re.findall(rf"[a-z]{{{MIN_TYPO_LEN},}}", quality):
            if w in single or w in said or w in STEM_ALIASES:
                continue
            meant = {single[a] for a in single if one_slip(w, a)}
            if len(meant) == 1:
                return meant.pop(), max(text.find(w), 0)
        return None

    def _aliases(self) -> list[tuple[re.Pattern, str]]:
        """(compiled word pattern, term) for every term and alias, longest first; compiled once per planner
        (hundreds of ad-hoc patterns per request overflowed ``re``'s cache and cost ~1 s a turn)."""
        if not hasattr(self, "_alias_list"):
            pairs = [(a.lower(), e.term) for e in self.kb.lexicon.values() for a in [e.term, *e.aliases]]
            self._alias_list = [(re.compile(rf"(?<![\w-]){re.escape(a)}(?![\w-])"), term)
                                for a, term in sorted(pairs, key=lambda p: -len(p[0]))]
        return self._alias_list

    def _retrieve(self, queries: list[str], vectors, user: str) -> list[Hit]:
        """Hits for the whole clause and for its quality words alone; the better score per term wins."""
        best: dict[tuple[str, str], Hit] = {}
        for q, vec in zip(queries, vectors, strict=True):
            for h in self.kb.retrieve(q, user=user, k=5, vector=vec):
                key = (h.term, h.source == "correction")
                if key not in best or h.score > best[key].score:
                    best[key] = h
        return sorted(best.values(), key=lambda h: -h.score)

    def _from_term(self, entry: LexiconEntry, clause: Clause, view: SessionView, invert: bool | None = None):
        if invert is None:
            invert = clause.less or clause.complaint or (
                clause.negated and not re.search(r"\benough\b", clause.text))
        use, flip = entry, False
        if invert:
            opp = self.kb.lexicon.get(entry.opposite or "")
            if opp is not None:
                use = opp
            elif entry.invertible:
                flip = True
            else:
                use = entry  # no way to do "less" of it: say so below
        target = intents.target_of(clause, view)
        if target == "mix" and "mix" not in use.stems and len(view.stems) and use.stems[0] in view.stems \
                and use.category in ("arrangement", "groove"):
            target = use.stems[0]
        rng = intents.bar_args(clause, view)
        named = [x for x in clause.stems if x != "mix"]
        calls = []
        for tool, args in scaled_recipe(use, clause.intensity, invert=flip):
            args = dict(args)
            if named and "stem" in args:  # the stem the user named beats the recipe's usual one
                args["stem"] = named[0]
            if not self._fits_session(args, view):
                continue  # the recipe's usual part is not in this session
            if rng and tool == "replace_stem" and args.get("style") and "inpaint" in self.registry:
                # "double-time feel on the drums for the last 2 bars": only those bars are rewritten
                tool, args = "inpaint", {**rng, "instruction": args["style"], "stems": [args["stem"]]}
            if "target" in self.registry[tool].Args.model_fields if tool in self.registry else False:
                args.setdefault("target", target)
                if args.get("target") == "$stem":
                    args["target"] = target
            if rng and tool in self.registry and "start_bar" in self.registry[tool].Args.model_fields:
                args.update(rng)
            call = ToolCall(tool=tool, args=args, why=f"{use.term}: {describe_call(tool, args)}")
            if all(c.tool != call.tool or c.args != call.args for c in calls):
                calls.append(call)
        rewritten = {c.args.get("stem") or tuple(c.args.get("stems") or ()) for c in calls}
        if target == "mix" and calls and all(c.tool in ("replace_stem", "inpaint") for c in calls) \
                and len(rewritten) == 1 and isinstance(part := next(iter(rewritten)), str):
            target = part  # "more drive": the bass is rewritten, so the bass proves it (the mix hides it)
        exp = [ExpectedChange(measure=p.measure, target=target,
                              direction=_flip(p.direction) if flip else p.direction) for p in use.proof]
        word = ("less " + entry.term) if invert else entry.term
        how = clause.intensity_word or ""
        said = f"{how + ' ' if how and how not in word else ''}{word}"
        meaning = use.definition[0].lower() + use.definition[1:].rstrip(".")
        reading = use.term if use is not entry else ("the opposite" if flip else entry.term)
        text = (f"Reading \"{said}\" on the {target} as {reading} ({meaning}): "
                f"{'; '.join(describe_call(c.tool, c.args) for c in calls)}.")
        if invert and use is entry and not flip:
            text += f" (There is no clean opposite of '{entry.term}', so I applied it as written.)"
        return calls, text, exp, [use.term]

    def _from_correction(self, hit: Hit, clause: Clause, view: SessionView, user: str):
        """Plan the user's own meaning of the word, keeping the clause's target, range and size.

        The meaning is read exactly (``corrections.read_meaning``: "less harsh highs" is smooth, a cut
        around 2.5–8 kHz); "less X"/"too X" on the corrected word turns the whole meaning the other way.
        """
        number = f" #{hit.correction_id}" if hit.correction_id else ""
        said = f"Using your correction{number}: {hit.term} = {hit.meaning}."
        m = re.search(rf"(?<![\w-]){re.escape(hit.term)}", clause.text)
        flip = literal_inverts(clause, m.start()) if m else (clause.less or clause.complaint)
        parts = corrections.read_meaning(hit.meaning, self.kb.lexicon)
        if not parts:
            return _clarify(f"You told me '{hit.term}' means '{hit.meaning}', but I can't turn that into an "
                            f"edit (forget it with `bandmate kb forget{number}`). What should change?", "default")
        calls, texts, expected, used = [], [], [], [f"correction:{hit.term}"]
        keep_out = [p.keep_out for p in parts if p.keep_out is not None]
        for part in (p for p in parts if p.keep_out is None):
            invert = part.invert != flip
            if part.term is not None:
                s, text, e, terms = self._from_term(self.kb.lexicon[part.term], clause, view, invert=invert)
                if part.freq_hz is not None:
                    s, e, text = _retuned(s, e, text, part.freq_hz)
                used += terms
            else:
                args, measure, direction = corrections.band_call(replace(part, invert=invert), clause.intensity)
                target = intents.target_of(clause, view)
                s = [ToolCall(tool="eq", args={**args, "target": target, **intents.bar_args(clause, view)},
                              why=f"{part.said}: {describe_call('eq', args)}")]
                e = [ExpectedChange(measure=measure, direction=direction, target=target)]
                text = f"Reading \"{part.said}\" on the {target} as {describe_call('eq', args)}."
            calls += s
            expected += e
            texts.append(text)
        for region in keep_out:  # "…, not more bass": the new reading adds nothing there
            calls = [c.model_copy(update={"args": corrections.without_boosts_in(c.args, region)})
                     if c.tool == "eq" else c for c in calls]
            texts.append(f"Nothing boosted between {region[0]:g} and {region[1]:g} Hz, as you said.")
        if not calls:
            return _clarify(f"You told me '{hit.term}' means '{hit.meaning}', but I can't turn that into an "
                            f"edit (forget it with `bandmate kb forget{number}`). What should change?", "default")
        return calls, said + " " + " ".join(texts), expected, used

    def _answer(self, clauses: list[Clause], view: SessionView, constraints: list[Constraint]) -> Plan:
        """Answer every topic asked; analysis (a state-only version, the audio untouched) only when needed."""
        topics = list(dict.fromkeys(t for c in clauses for t in c.topics)) or [clauses[0].question or "general"]
        if "playing" in topics and "stems" in topics:
            topics.remove("stems")  # "what's in bar 3" asks what plays there
        st = view.state
        said = next((c.range for c in clauses if c.range is not None), None)
        need = {"key": st.key is None, "tempo": not st.tempo_bpm, "chords": not st.chords,
                "time_signature": not st.tempo_bpm,
                "length": not st.tempo_bpm and any(re.search(r"\bbars?\b", c.text) for c in clauses)}
        bars_unknown = said is not None and said.unit == "bars" and not st.tempo_bpm
        analyse = (any(need.get(t, False) for t in topics) or bars_unknown) and not view.empty
        steps = [ToolCall(tool="analyze", args={}, why=f"measure the {' and '.join(topics)}")] if analyse else []
        steps, notes = self._validate(steps)
        asked = AskedRange(unit=said.unit, start=said.start, end=said.end, relative=said.relative,
                           count=said.count) if said is not None else None
        where = ""
        if said is not None and said.unit == "bars" and said.relative is None:
            a, b = int(said.start), int(said.end if said.end is not None else said.start)
            where = f" for bar {a}" if a == b else f" for bars {a}–{b}"
        about = list(dict.fromkeys(s for c in clauses for s in c.stems if s != "mix" and s in view.stems))
        return Plan(kind="answer", steps=steps, question=topics[0], topics=topics, asked_range=asked, about=about,
                    planner=self.name, notes=notes, constraints=constraints,
                    explanation=f"Answering from {'analysis of the audio' if steps else 'the session state'}{where}")

    def _validate(self, steps: list[ToolCall]) -> tuple[list[ToolCall], list[str]]:
        """Keep calls whose arguments validate against the registry; say why others were dropped."""
        ok, notes = [], []
        for s in steps:
            try:
                spec = self.registry[s.tool]
                args = spec.parse_args(s.args).model_dump(mode="json", exclude_unset=True)
                ok.append(ToolCall(tool=s.tool, args=args, why=s.why, clause=s.clause))
            except BandmateError as err:  # unknown tool or invalid arguments: dropped, and the user is told
                notes.append(f"skipped {s.tool}: {err}")
        return ok, notes


def _separate_first(steps: list[ToolCall], view: SessionView) -> list[ToolCall]:
    """A mixture-only session gets split into stems before a step that works on a stem (unless the tool
    separates by itself: ``ToolSpec.separates_first``)."""
    if view.stems or view.empty:
        return steps
    from bandmate.tools import default_registry

    registry = default_registry()
    needs = any(not (s.tool in registry and registry[s.tool].separates_first)
                and (s.args.get("stem") or s.target) not in ("mix", None) for s in steps)
    if not needs:
        return steps
    return [ToolCall(tool="separate", args={}, why="split the mix into stems first"), *steps]


def _analyzed_first(steps: list[ToolCall], view: SessionView) -> list[ToolCall]:
    """A session that does not know its tempo yet gets an ``analyze`` step before the first step that fits new
    music to the session (``ToolSpec.needs_tempo``): "add a shaker" on an uploaded recording."""
    if view.state.tempo_bpm or view.empty or any(s.tool == "analyze" for s in steps):
        return steps
    from bandmate.tools import default_registry

    registry = default_registry()
    at = next((i for i, s in enumerate(steps) if s.tool in registry and registry[s.tool].needs_tempo), None)
    if at is None:
        return steps
    return [*steps[:at], ToolCall(tool="analyze", args={}, why="measure tempo, key and chords so the new part "
                                                               "fits"), *steps[at:]]


NOTE_VALUES = {"whole": 4.0, "half": 2.0, "dotted quarter": 1.5, "quarter": 1.0, "dotted eighth": 0.75,
               "eighth": 0.5, "triplet eighth": 1 / 3, "sixteenth": 0.25}


def _synced_delays(steps: list[ToolCall], clauses: list[Clause], view: SessionView) -> list[ToolCall]:
    """'a quarter-note delay': the echo time follows the session's tempo (beats of 60/BPM seconds)."""
    bpm = view.state.tempo_bpm
    out = []
    for s in steps:
        text = clauses[s.clause].text if s.tool == "delay" and s.clause is not None and s.clause < len(clauses) else ""
        said = next((n for n in NOTE_VALUES if re.search(rf"\b{n}[- ]note\b|\b{n}s?\b(?=.*\b(delay|echo))", text)),
                    None) if text and bpm else None
        if said is not None and NOTE_VALUES[said] * 60.0 / bpm <= 2.0:  # the delay's longest echo time
            args = {k: v for k, v in s.args.items() if k != "delay_ms"}
            s = s.model_copy(update={"args": {**args, "delay_beats": round(NOTE_VALUES[said], 4)},
                                     "why": f"{s.why} ({said} note at the session tempo)"})
        out.append(s)
    return out


def _aimed_like(expected: list[ExpectedChange], steps: list[ToolCall]) -> list[ExpectedChange]:
    """A clause whose mix edit a stated constraint re-aimed at the parts the user did not ask to keep: its
    main proof (the first change it expects) is measured on each of those stems, so every edited stem is
    measured; the rest stay on the mix, where the whole move is heard (a stereo image widens as a whole)."""
    out, seen = [], set()
    for e in expected:
        aimed = list(dict.fromkeys(s.target for s in steps if s.clause == e.clause))
        if e.target == "mix" and aimed and "mix" not in aimed and e.clause not in seen:
            out += [e.model_copy(update={"target": t}) for t in aimed]
        else:
            out.append(e)
        seen.add(e.clause)
    return out


def _retuned(calls: list[ToolCall], expected: list[ExpectedChange], text: str, freq_hz: float):
    """The user named a frequency ("presence around 3 kHz"): the EQ works there, and is judged there."""
    out, band = [], None
    for c in calls:
        moved = corrections.retune(c.args, freq_hz) if c.tool == "eq" else None
        if moved is not None:
            args, band = moved
            c = c.model_copy(update={"args": args, "why": f"{c.why.split(':')[0]}: {describe_call('eq', args)}"})
        out.append(c)
    if band is None:
        return calls, expected, text
    lo, hi = band
    exp = [x.model_copy(update={"measure": f"band_db:{lo:.0f}-{hi:.0f}"}) if x.measure.startswith("band_db")
           else x for x in expected]
    head = text.split(": ")[0] if ": " in text else text
    return out, exp, f"{head}, at {freq_hz:g} Hz: {'; '.join(describe_call(c.tool, c.args) for c in out)}."


def _flip(direction: str) -> str:
    return {"up": "down", "down": "up"}.get(direction, direction)


def _clarify(question: str, topic: str) -> Plan:
    opts = CLARIFY_OPTIONS.get(topic, CLARIFY_OPTIONS["default"])
    return Plan(kind="clarify", clarification=Clarification(question=question, options=opts),
                explanation=question)


def _refuse(message: str, rest: str, constraints: list[Constraint]) -> Plan:
    return refusal_plan(message, rest, constraints)


def _open(clause: Clause) -> bool:
    """Whether a clause asks for a change without any word that says which ("fix the bass", "more")."""
    words = set(re.findall(r"[a-z']+", quality_words(clause)))
    return not (words - VAGUE) and not clause.numbers and clause.key is None


def _acknowledgement(clause: Clause) -> bool:
    return not set(re.findall(r"[a-z']+", clause.text)) - ACKNOWLEDGING


ACKNOWLEDGING = {"nice", "ok", "okay", "great", "cool", "thanks", "thank", "you", "good", "yes", "yeah", "perfect",
                 "awesome", "love", "it", "that", "sweet", "lovely", "right", "hmm", "so", "now", "alright", "wow"}
FILLER_WORDS = {"please", "thanks", "ok", "okay", "so", "and", "just", "hey", "quick", "question", "btw"}


def _filler(clause: Clause) -> bool:
    return not set(re.findall(r"[a-z']+", clause.text)) - FILLER_WORDS


def _which_stem(need) -> Plan:
    options = need.stems[:4] if len(need.stems) >= 2 else ["drums", "bass", "vocals", "other"]
    return Plan(kind="clarify", clarification=Clarification(question=f"Which part should I {need.verb}?",
                                                            options=options),
                explanation=f"Which part should I {need.verb}?")


def _history(clause: Clause) -> Plan:
    action, n = clause.history
    move = HistoryMove(action="checkout", version=n) if action == "checkout" else HistoryMove(action=action, steps=n)
    text = {"undo": f"Going back {n} step{'s' if n > 1 else ''}.", "redo": "Re-applying the undone change.",
            "checkout": f"Returning to version {n}."}[action]
    return Plan(kind="history", history=move, explanation=text)
