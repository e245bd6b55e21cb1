"""Follow-ups that lean on the previous turn: "less", "a bit more", "again", "same for the keys",
"10 bpm faster", "back to how it was".

The previous turn is the session's ``TurnRecord`` for the head (``SessionView.previous``: its steps,
targets, lexicon terms and expected changes), else the head's steps alone. How each resolves:

- "more" / "again" / "less" when every step's amount is a level in dB (gain, EQ gains): one more step
  of the same kind at the asked size, the other way for "less" (levels in dB add up).
- otherwise (reverb, width, drive…): the previous turn is undone and redone with its intensity
  arguments (the recipe's ``scale`` arguments of the terms it used) scaled up or down. A reverb cannot
  be partly taken back, only redone smaller. Such a plan is an edit with ``history`` = undo: the turn
  undoes the previous turn first and judges the change against the audio the user last heard.
- "same for X": the previous steps re-aimed at X, with the same expected changes on X.
- "N bpm faster/slower", "N% faster": ``time_stretch`` to the session tempo ± N (analysis first when
  the tempo is not known yet).
- "back to how it was", "put it back": undo the whole previous turn.
- "oops, I meant the piano, not the drums": the previous turn undone and redone on the piano.
"""

from __future__ import annotations

import re

from bandmate.agent.parser import (
    NUM,
    Clause,
    _num,
    find_complaint,
    find_intensity,
    find_stems,
    normalise,
    parse,
)
from bandmate.agent.plan import Clarification, ExpectedChange, HistoryMove, Plan, ToolCall
from bandmate.agent.view import SessionView
from bandmate.agent.wording import describe_call
from bandmate.memory.lexicon import LexiconEntry

REDO_LESS = "@followup:smaller"  # marks a turn redone smaller: its expected changes point the other way
# multipliers do nothing at 1, so they scale around 1 (a reverb's own `width` is a 0..1 amount: not here)
NEUTRAL_AT = {("stereo_width", "width"): 1.0, ("compressor", "ratio"): 1.0, ("compressor", "makeup_db"): 0.0,
              ("time_stretch", "rate"): 1.0}  # less compression needs less make-up gain
STACKABLE = {"time_stretch": {"rate"}}  # like dB levels, speed factors add up when applied again
FILLER = r"(?:and |now |ok(?:ay)? |nice[,.]? |yes[,.]? |good[,.]? |hmm[,.]? |great[,.]? |cool[,.]? )*"
MORE_LESS = re.compile(rf"^{FILLER}(?:(?:a (?:bit|little|touch|tiny bit|hair)|much|way|even|slightly|just|"
                       r"still|some|a lot|tons) )*(more|less)(?: (?:of (?:that|it|this)|please|again|than that))*$")
AGAIN = re.compile(r"\b(again|once more|same again|do it again|one more time)\b")
SAME_FOR = re.compile(r"\bsame\b|\b(too|as well)$|\blikewise\b|\bthat too\b")
BACK = re.compile(r"\b(?:back to|return to|restore)\s+(?:how|the way|what)\s+it\s+(?:was|sounded)\b|"
                  r"^(?:(?:actually|ok|okay|no|nah|hmm|oh|please|just|so)[,]?\s+)*(?:put it|change it|set it) back\b|"
                  r"\b(?:put|set|change) it back (?:how|the way|to how|like|as) it was\b|^(?:like|as) it was(?: before)?$|\bundo (?:the|your|that) "
                  r"last (?:change|edit|request)\b")
TEMPO_BY = re.compile(rf"\b{NUM}\s*(bpm|beats per minute|%|percent)\s*(?:(faster|quicker|slower|up|down)\b)?")
RETARGET = re.compile(r"\b(?:i )?meant (?:the |on the |for the )?\w|^(?:no|oops|sorry|nope)\b.*\bnot (?:on )?the\b")
NOT_STEM = re.compile(r"\b(?:not|instead of) (?:on |for )?(?:the )?((?:\w+ ?){1,2})")
MORE_CUE = re.compile(r"\b(even|still|further|extra)\b|\bmore\b")
LESS_CUE = re.compile(r"\b(too|less|not so|(?:pull|dial|back|tone) (?:it |that )?(?:back|off|down))\b")
SPEED_WORDS = re.compile(r"\b(faster|quicker|slower|speed|slow|tempo|bpm)\b")
FASTER = re.compile(r"\b(faster|quicker|speed(?:s)? (?:it |this )?up|up)\b")
SLOWER = re.compile(r"\b(slower|slow(?:s)? (?:it |this )?down|down)\b")


def followup_plan(request: str, view: SessionView, *, lexicon: dict[str, LexiconEntry],
                  planner: str = "offline") -> Plan | None:
    """A plan when ``request`` only makes sense against the previous turn (or the tempo); else None."""
    if view.empty:
        return None
    said = _said_of_last(normalise(request), view, lexicon)
    if said is not None and not [x for x in find_stems(request, view.stems) if x != "mix"]:
        steps = _previous_steps(view)  # "way too wet, pull it back" right after the reverb on the keys
        if steps:
            return _resize(steps, view, lexicon, less=said == "less", size=find_intensity(request)[0],
                           again=False, planner=planner)
    if _only_backing_off(normalise(request)) and (steps := _previous_steps(view)):
        # "too much, back off a little": less of the last turn, whatever its parts were
        return _resize(steps, view, lexicon, less=True, size=find_intensity(request)[0], again=False, planner=planner)
    if (back := _part_back(normalise(request), view, planner)) is not None:
        return back  # "actually bring the vocals back" right after a karaoke version
    if (take := _another_take(normalise(request), view, planner)) is not None:
        return take  # "try another one" after a new fill or a rewritten part: the same step, another seed
    if (tuned := _one_setting(normalise(request), view, planner)) is not None:
        return tuned  # "ok, but fewer repeats": the last echo redone with less feedback
    clauses = parse(request, view.stems)
    if len(clauses) != 1:
        return None
    clause = clauses[0]
    if BACK.search(clause.text):
        return Plan(kind="history", history=HistoryMove(action="undo", steps=1), planner=planner,
                    explanation="Going back to how it was before your last request.")
    tempo = _tempo_change(clause, view, planner)
    if tempo is not None:
        return tempo
    named = [s for s in find_stems(request, view.stems) if s != "mix"]
    if RETARGET.search(normalise(request)) and named:
        return _retarget(request, named, view, planner)
    more_less = MORE_LESS.match(clause.text)
    again = AGAIN.search(clause.text) is not None and not clause.stems
    same = bool(named) and SAME_FOR.search(clause.text) is not None
    if not (more_less or again or same):
        return None
    steps = _previous_steps(view)
    if not steps:
        return _clarify(f"I haven't made a change yet that '{clause.text}' could refer to. What should change?",
                        ["warmer", "brighter", "more space (reverb)", "louder"])
    if same:
        steps = [s for s in steps if _replayable(s["tool"])]
        if not steps:
            return _clarify("The last change can't be moved to another part. What should change there?",
                            ["warmer", "brighter", "louder", "more space (reverb)"])
        return _same_for(named, steps, view, planner)
    less = more_less is not None and more_less.group(1) == "less"
    size = 1.0 if again and not more_less else clause.intensity
    return _resize(steps, view, lexicon, less=less, size=size, again=again and not more_less, planner=planner)


# ---- kinds of follow-up -----------------------------------------------------------------------------
def _same_for(named: list[str], steps: list[dict], view: SessionView, planner: str) -> Plan:
    missing = [s for s in named if s not in view.stems]
    if missing:
        return _clarify(f"There is no {' or '.join(missing)} part in this session. Which part do you mean?",
                        view.stems[:4] if len(view.stems) >= 2 else ["drums", "bass", "vocals", "other"])
    calls = [ToolCall(tool=s["tool"], args={**_clean(s["args"]), _aim(s["args"]): stem}, why=f"same move on the {stem}")
             for stem in named for s in steps]
    before = {s["args"].get(_aim(s["args"])) or "mix" for s in steps}
    expected = [ExpectedChange(**{**e, "target": stem, "clause": 0}) for stem in named for e in _expected(view)
                if e.get("target", "mix") in before]
    text = f"The same move on the {' and '.join(named)}: " + "; ".join(
        describe_call(c.tool, c.args) for c in calls[: len(steps)]) + "."
    return Plan(kind="edit", steps=calls, explanation=text, expected=expected, planner=planner,
                terms=[*_terms(view), "@followup"])


def _retarget(request: str, named: list[str], view: SessionView, planner: str) -> Plan:
    """"I meant the piano, not the drums": the previous turn undone and redone on the part meant."""
    text = normalise(request)
    wrong = {x for m in NOT_STEM.finditer(text) for x in find_stems(m.group(1), view.stems)}
    meant = [x for x in named if x not in wrong]
    steps = [s for s in _previous_steps(view) if _replayable(s["tool"])]
    if not meant or not steps:
        return _clarify("Which part did you mean, and what should change there?",
                        view.stems[:4] if len(view.stems) >= 2 else ["drums", "bass", "vocals", "other"])
    missing = [x for x in meant if x not in view.stems]
    if missing:
        return _same_for(missing, steps, view, planner)  # asks which part, naming the missing one
    plan = _same_for(meant, steps, view, planner)
    text = f"Sorry — moving your last change to the {' and '.join(meant)}" + (
        f" and taking it off the {' and '.join(sorted(wrong))}" if wrong else "") + ": " + \
        "; ".join(describe_call(c.tool, c.args) for c in plan.steps[: len(steps)]) + "."
    return plan.model_copy(update={"history": HistoryMove(action="undo", steps=1), "explanation": text})


def _resize(steps: list[dict], view: SessionView, lexicon: dict[str, LexiconEntry], *, less: bool, size: float,
            again: bool, planner: str) -> Plan:
    """More, less or again of the previous turn: added levels in dB, else the turn redone at a new size."""
    if all(_stacks(s, view, lexicon) for s in steps):
        # less: a share of the last move taken back, growing with the size said ("a little" 3/8, plain "less"
        # half, "a lot less" 3/4 at most); a quarter for "a little" was under what anyone hears on a 1.5 dB move
        factor = -min(0.75, 0.25 + size / 4) if less else size
        calls = [ToolCall(tool=s["tool"], args=_level_scaled(s["tool"], _clean(s["args"]), factor),
                          why="part of the last move back" if less else "more of the last move") for s in steps]
        word = "Taking back part of" if less else ("Again:" if again else "More of")
        # the size is the user's ("back it off a little"): any move the asked way is the move asked for, never
        # "too subtle" and applied once more (which took back the whole last move instead of a little)
        expected = [_expected_change(e, flip=less).model_copy(update={"min_change": 0.0}) for e in _expected(view)]
        return Plan(kind="edit", steps=calls, expected=expected, planner=planner, terms=[*_terms(view), "@followup"],
                    explanation=f"{word} the last move: " + "; ".join(describe_call(c.tool, c.args) for c in calls)
                                + ".")
    ratio = max(0.2, min(0.85, 1 - 0.5 * size)) if less else (2.0 if again else 1 + 0.5 * size)
    if not any(_scaled_args(s["tool"], view, lexicon) for s in steps):
        return _clarify("I can't make that partly bigger or smaller. Shall I undo it instead?",
                        ["undo that", "keep it as it is"])
    calls, stuck = [], []
    for s in steps:  # a step with nothing to scale (punchy's slow-attack compressor) is redone as it was
        names = _scaled_args(s["tool"], view, lexicon)
        if less:  # less of a multiplier (ratio 8:1, width ×1.5) also moves it towards 1, where it does nothing
            names = names | {k for t, k in NEUTRAL_AT if t == s["tool"] and isinstance(s["args"].get(k), (int, float))}
        args, limited = _ratio_scaled(s["tool"], _clean(s["args"]), names, ratio, _limits(s["tool"], view, lexicon))
        stuck += limited
        calls.append(ToolCall(tool=s["tool"], args=args, why="the last move, smaller" if less else
                              "the last move, bigger"))
    word = "less" if less else "more"
    text = (f"Redoing your last change with {word} of it (×{ratio:g}): "
            + "; ".join(describe_call(c.tool, c.args) for c in calls) + ".")
    notes = [f"{n} is already at the end of its range" for n in dict.fromkeys(stuck)]
    expected = [_expected_change(e, flip=less) for e in _expected(view)]
    return Plan(kind="edit", steps=calls, expected=expected, planner=planner, notes=notes,
                history=HistoryMove(action="undo", steps=1), explanation=text,
                terms=[*_terms(view), "@followup", *([REDO_LESS] if less else [])])


# a setting of the last effect said by what it does: (words, tool, argument, lowest, highest)
SETTINGS = [(r"repeats?|feedback|echoes", "delay", "feedback", 0.0, 0.95),
            (r"(?:reverb )?tail|decay|reverb time", "reverb", "room_size", 0.05, 1.0)]
FEWER = re.compile(r"\b(?:fewer|less|shorter|smaller|lower|not so many|not as many|too many|too long)\b")
MORE = re.compile(r"\b(?:more|longer|bigger|higher|extra)\b")


def _one_setting(text: str, view: SessionView, planner: str) -> Plan | None:
    """"ok, but fewer repeats" after an echo, "a shorter tail" after a reverb: the last turn redone with that
    one setting halved (or half as much again), everything else as it was."""
    steps = _previous_steps(view)
    for words, tool, arg, lo, hi in SETTINGS:
        if not re.search(rf"\b(?:{words})\b", text) or not any(s["tool"] == tool for s in steps):
            continue
        if find_stems(text, view.stems) or len(re.findall(r"[a-z']+", text)) > 8:
            return None  # names a part or says more: the full reading decides
        fewer, more = FEWER.search(text) is not None, MORE.search(text) is not None
        if fewer == more:
            return None
        calls = []
        for s in steps:
            args = _clean(s["args"])
            if s["tool"] == tool and isinstance(args.get(arg), (int, float)):
                args[arg] = round(min(hi, max(lo, args[arg] * (0.5 if fewer else 1.5))), 3)
            calls.append(ToolCall(tool=s["tool"], args=args, why=f"the last move with {'less' if fewer else 'more'} {arg}"))
        said = "; ".join(describe_call(c.tool, c.args) for c in calls)
        expected = [_expected_change(e, flip=fewer) for e in _expected(view)]
        return Plan(kind="edit", steps=calls, expected=expected, planner=planner,
                    history=HistoryMove(action="undo", steps=1),
                    explanation=f"Redoing your last change with {'less' if fewer else 'more'} {arg.replace('_', ' ')}: {said}.",
                    terms=[*_terms(view), "@followup", *([REDO_LESS] if fewer else [])])
    return None


def _tempo_change(clause: Clause, view: SessionView, planner: str) -> Plan | None:
    m = TEMPO_BY.search(clause.text)
    if m is None or (m.group(2) in ("%", "percent") and not SPEED_WORDS.search(clause.text)):
        return None  # "turn the drums up 10%" is a level, not a tempo
    share = m.group(2) in ("%", "percent") and re.match(
        r"\s*(?:of (?:the |its )?(?:original |current )?)?(?:speed|tempo|pace)\b", clause.text[m.end():])
    if share and view.state.tempo_bpm:  # "like 90% speed", "at 110% speed": a share of it, not a change by it
        return _percent_of_speed(_num(m.group(1)), float(view.state.tempo_bpm), planner)
    if re.search(r"\b(to|at|of|around|about)\s*$", clause.text[:m.start()]):
        return None  # "slow it down to 90 bpm" names the tempo itself
    rest = clause.text[m.end():] + " " + clause.text[:m.start()]
    up = m.group(3) in ("faster", "quicker", "up") if m.group(3) else bool(FASTER.search(rest))
    down = m.group(3) in ("slower", "down") if m.group(3) else bool(SLOWER.search(rest))
    if up == down:
        return None  # "at 90 bpm" is a tempo, not a change of it
    amount = _num(m.group(1))
    if not view.state.tempo_bpm:
        return Plan(kind="edit", steps=[ToolCall(tool="analyze", args={}, why="find the tempo")], replan=True,
                    planner=planner, explanation="A change by BPM needs the tempo, so I'm measuring it first.")
    bpm = float(view.state.tempo_bpm)
    percent = m.group(2) in ("%", "percent")
    delta = bpm * amount / 100 if percent else amount
    target = round(bpm + delta if up else bpm - delta, 2)
    if not 20 <= target <= 400:
        return _clarify(f"{bpm:g} BPM {'+' if up else '−'} {delta:g} would be {target:g} BPM, outside 20–400. "
                        "How much faster or slower?", ["5 bpm faster", "5 bpm slower"])
    call = ToolCall(tool="time_stretch", args={"target_bpm": target}, why=f"{bpm:g} → {target:g} BPM")
    said = f"{amount:g}{'%' if percent else ' BPM'} {'faster' if up else 'slower'}"
    return Plan(kind="edit", steps=[call], planner=planner,
                expected=[ExpectedChange(measure="tempo_bpm", direction="up" if up else "down")],
                explanation=f"{said}: tempo from {bpm:g} to {target:g} BPM, pitch kept.")


BRING_BACK = re.compile(r"\b(?:bring|put|get|add|want|have)\b(?:\s+\w+){0,3}?\s+back\b|\bunmute\b|\brestore\b")


ANOTHER = re.compile(r"^(?:(?:nice|ok|okay|hmm|cool|good|great|yeah|yes|no|nah|love it|not bad)[,.!]?\s+)*"
                     r"(?:try |give me |let's hear |do |make |play )?(?:another|a different|a new|one more)\s+"
                     r"(?:one|take|version|go|variation|idea|attempt)\b[\s.!]*(?:please)?[\s.!]*$|"
                     r"^(?:try (?:it |that )?again|again but different|reroll)[\s.!]*$")
TAKES = ("inpaint", "replace_stem", "add_stem")  # steps whose seed picks the take


def _another_take(text: str, view: SessionView, planner: str) -> Plan | None:
    """"nice. try another one" after a new fill, a rewritten or an added part: that turn undone and its
    music steps run again with the next seed, everything else as it was."""
    if not ANOTHER.search(text.strip()):
        return None
    steps = [s for s in view.last_turn if s["tool"] in TAKES]
    if not steps:
        return None
    calls = []
    for s in steps:
        args = _clean(s["args"])
        used = s.get("seed") if s.get("seed") is not None else args.get("seed")
        args["seed"] = ((used if used is not None else 0) + 1) % (2**31 - 1)
        calls.append(ToolCall(tool=s["tool"], args=args, why="another take of the last part"))
    kept = [_expected_change(e, flip=False) for e in _expected(view) if e.get("at_least") is not None]
    return Plan(kind="edit", steps=calls, expected=kept, planner=planner, history=HistoryMove(action="undo", steps=1),
                explanation="Another take: " + "; ".join(describe_call(c.tool, c.args) for c in calls) + ".",
                terms=[*_terms(view), "@followup"])


def _part_back(text: str, view: SessionView, planner: str) -> Plan | None:
    """A part the last turn took out ("karaoke version" removed the vocals; "only the drums" left the rest out)
    asked back: that turn is undone, since the part is no longer in the session to unmute."""
    if not BRING_BACK.search(text):
        return None
    asked = [x for x in find_stems(text) if x != "mix"]
    took_out = [s for s in view.last_turn if s["tool"] in ("remove_stem", "extract_stem")]
    if not asked or not took_out or any(x in view.stems for x in asked):
        return None
    return Plan(kind="history", history=HistoryMove(action="undo", steps=1), planner=planner,
                explanation=f"Bringing the {' and '.join(asked)} back: undoing your last request, which took "
                            f"{'it' if len(asked) == 1 else 'them'} out.")


def _percent_of_speed(amount: float, bpm: float, planner: str) -> Plan:
    target = round(bpm * amount / 100, 2)
    up = target > bpm
    if not 20 <= target <= 400 or target == bpm:
        return _clarify(f"{amount:g}% of {bpm:g} BPM is {target:g} BPM: no change, or outside 20–400 BPM. "
                        "How much faster or slower?", ["5 bpm faster", "5 bpm slower"])
    call = ToolCall(tool="time_stretch", args={"target_bpm": target}, why=f"{bpm:g} → {target:g} BPM")
    return Plan(kind="edit", steps=[call], planner=planner,
                expected=[ExpectedChange(measure="tempo_bpm", direction="up" if up else "down")],
                explanation=f"{amount:g}% speed: tempo from {bpm:g} to {target:g} BPM, pitch kept.")


BACK_OFF = re.compile(r"\b(?:too much|overdone|overdid it|over the top|back (?:it |that )?off|dial (?:it |that )?back|"
                      r"tone (?:it |that )?down|pull (?:it |that )?back|not so much|ease (?:it )?(?:off|up))\b")
_BACK_OFF_REST = frozenset("a bit little touch hair tad way just slightly much that's thats it's its it that this "
                           "please now ok okay hmm nah no yeah bit halfway".split())


def _only_backing_off(text: str) -> bool:
    """The request only says the last change went too far ("too much, back off a little"), perhaps with a
    remark on why ("hmm, now they're harsh. back it off halfway")."""
    pieces = [p for p in re.split(r"[.,;!?]+|\s-\s", text) if p.strip()]
    backs = [p for p in pieces if _backs_off(p)]
    return bool(backs) and all(p in backs or (find_complaint(p) and not find_stems(p)) or
                               all(w in _BACK_OFF_REST for w in re.findall(r"[a-z']+", p)) for p in pieces)


def _backs_off(text: str) -> bool:
    if not BACK_OFF.search(text):
        return False
    rest = re.findall(r"[a-z']+", BACK_OFF.sub(" ", text))
    return all(w in _BACK_OFF_REST for w in rest)


def _said_of_last(text: str, view: SessionView, lexicon: dict[str, LexiconEntry]) -> str | None:
    """'more' / 'less' when the request names the last turn's own quality with a cue ("even wider",
    "way too wet") and no part, after a turn on a part: it is about that part, not the whole mix."""
    if view.previous is None:
        return None
    words = {a.lower() for e in _entries(view, lexicon) for a in [e.term, *e.aliases]}
    if not any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) for w in words):
        return None
    if all(t == "mix" for t in view.previous.targets):
        return None  # what this adds is the part: on the whole mix the request's own reading is as good
    if LESS_CUE.search(text):
        return "less"
    return "more" if MORE_CUE.search(text) else None


# ---- helpers ------------------------------------------------------------------------------------------
def _replayable(tool: str) -> bool:
    """The same call makes sense on another part (``ToolSpec.restemmable``)."""
    from bandmate.tools import default_registry

    registry = default_registry()
    return tool in registry and registry[tool].restemmable


def _level_args(tool: str) -> frozenset[str]:
    """The tool's arguments that scale with intensity, as its ``ToolSpec`` declares them."""
    from bandmate.tools import default_registry

    registry = default_registry()
    return registry[tool].level_args if tool in registry else frozenset()


def _previous_steps(view: SessionView) -> list[dict]:
    steps = view.previous.steps if view.previous is not None else view.last_turn
    return [s for s in steps if _replayable(s["tool"]) or
            any(s["args"].get(a) is not None for a in STACKABLE.get(s["tool"], ()))]


def _stacks(step: dict, view: SessionView, lexicon: dict[str, LexiconEntry]) -> bool:
    """Applying the step again adds to it (dB levels, speed factors) rather than piling up an effect."""
    if step["tool"] in STACKABLE:
        return True
    levels = _level_args(step["tool"])
    return bool(set(step["args"]) & levels) and not _scaled_args(step["tool"], view, lexicon) - levels


def _expected(view: SessionView) -> list[dict]:
    """The previous move's expected changes, as the move itself goes (what its steps do)."""
    if view.previous is None:
        return []
    exp = list(view.previous.expected)
    if REDO_LESS in view.previous.terms:  # judged against the bigger move it replaced: flipped back here
        exp = [e | {"direction": _flip(e.get("direction", "same"))} for e in exp]
    return exp


def _terms(view: SessionView) -> list[str]:
    return [t for t in (view.previous.terms if view.previous is not None else []) if not t.startswith("@")]


def _entries(view: SessionView, lexicon: dict[str, LexiconEntry]) -> list[LexiconEntry]:
    return [lexicon[t] for t in _terms(view) if t in lexicon]


def _scaled_args(tool: str, view: SessionView, lexicon: dict[str, LexiconEntry]) -> set[str]:
    """The arguments that carry the size of the previous move: its recipes' ``scale`` args, or dB levels."""
    names = {n for e in _entries(view, lexicon) for r in e.recipe if r.tool == tool for n in r.scale}
    return names or set(_level_args(tool))


def _limits(tool: str, view: SessionView, lexicon: dict[str, LexiconEntry]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for e in _entries(view, lexicon):
        for r in e.recipe:
            if r.tool == tool:
                out.update(r.limits)
    return out


def _ratio_scaled(tool: str, args: dict, names: set[str], ratio: float, limits: dict) -> tuple[dict, list[str]]:
    out, stuck = dict(args), []
    for k in names:
        v = out.get(k)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        zero = NEUTRAL_AT.get((tool, k), 0.0)
        new = zero + (v - zero) * ratio
        if k in limits:
            lo, hi = sorted(limits[k])
            lo, hi = (-hi, -lo) if v < 0 < lo else (lo, hi)  # a mirrored recipe keeps its limits mirrored
            clamped = min(max(new, lo), hi)
            if clamped == v:
                stuck.append(k)
            new = clamped
        out[k] = round(new, 3)
    return out, stuck


def _level_scaled(tool: str, args: dict, factor: float) -> dict:
    levels = _level_args(tool)

    def scaled(k: str, v):
        if k in levels and isinstance(v, (int, float)):
            return round(v * factor, 2)
        if k == "rate" and isinstance(v, (int, float)):
            return round(1 + (v - 1) * factor, 4)
        return v

    return {k: scaled(k, v) for k, v in args.items()}


def _aim(args: dict) -> str:
    """The argument that names the part a recorded call works on: its target, or the stem it rewrites."""
    return "stem" if args.get("target") is None and args.get("stem") is not None else "target"


def _clean(args: dict) -> dict:
    """A recorded call's arguments without the unset ones (the record holds every field)."""
    return {k: v for k, v in args.items() if v is not None}


def _expected_change(e: dict, *, flip: bool) -> ExpectedChange:
    d = e.get("direction", "same")
    return ExpectedChange(**{**e, "direction": _flip(d) if flip else d, "clause": 0})


def _flip(direction: str) -> str:
    return {"up": "down", "down": "up"}.get(direction, direction)


def _clarify(question: str, options: list[str]) -> Plan:
    return Plan(kind="clarify", clarification=Clarification(question=question, options=options),
                explanation=question)
