"""Follow-ups that lean on the previous turn: "a bit more", "less", "again", "same for the keys".

They replay the steps of the session's latest turn (``SessionView.last_turn``): scaled for more/less,
or re-aimed at the newly named parts. Only effect steps are replayed; structural and generative steps
(trim, generate, inpaint…) are not "more"-able and leave the request to the other rules.
"""

from __future__ import annotations

import re

from bandmate.agent.parser import Clause
from bandmate.agent.plan import ToolCall
from bandmate.agent.view import SessionView
from bandmate.agent.wording import describe_call

REPLAYABLE = {"eq", "gain", "compressor", "reverb", "delay", "chorus", "saturation", "stereo_width"}
LEVEL_ARGS = {"gain_db", "low_shelf_db", "high_shelf_db", "peak1_db", "peak2_db", "peak3_db"}
FILLER = r"(?:and |now |ok(?:ay)? |nice[,.]? |yes[,.]? |good[,.]? |hmm[,.]? |great[,.]? |cool[,.]? )*"
MORE_LESS = re.compile(rf"^{FILLER}(?:(?:a (?:bit|little|touch|tiny bit|hair)|much|way|even|slightly|just|"
                       r"still|some|a lot|tons) )*(more|less)(?: (?:of (?:that|it|this)|please|again))*$")
AGAIN = re.compile(r"\b(again|once more|same again|do it again|one more time)\b")
SAME_FOR = re.compile(r"\bsame\b|\b(too|as well)$|\blikewise\b|\bthat too\b")


def followup(clause: Clause, view: SessionView) -> tuple[list[ToolCall], str] | None:
    """Steps and an explanation when ``clause`` only makes sense against the previous turn."""
    replay = [s for s in view.last_turn if s["tool"] in REPLAYABLE]
    if not replay:
        return None
    named = [s for s in clause.stems if s != "mix" and s in view.stems]
    if named and SAME_FOR.search(clause.text):
        steps = [ToolCall(tool=s["tool"], args={**s["args"], "target": stem}, why=f"same move on the {stem}")
                 for stem in named for s in replay]
        return steps, f"The same move on the {' and '.join(named)}: " + \
            "; ".join(describe_call(s.tool, s.args) for s in steps[: len(replay)]) + "."
    m = MORE_LESS.match(clause.text)
    if m is None and not (AGAIN.search(clause.text) and not clause.stems):
        return None
    less = m is not None and m.group(1) == "less"
    factor = clause.intensity * (-0.5 if less else 1.0)
    if less and not all(set(s["args"]) & LEVEL_ARGS for s in replay):
        return None  # only level moves can be taken partly back; anything else needs an undo or a question
    steps = [ToolCall(tool=s["tool"], args=_scaled(s["args"], factor), why="more of the last move")
             for s in replay]
    word = "Taking back part of" if less else "More of"
    return steps, f"{word} the last move: " + "; ".join(describe_call(s.tool, s.args) for s in steps) + "."


def _scaled(args: dict, factor: float) -> dict:
    return {k: (round(v * factor, 2) if k in LEVEL_ARGS and isinstance(v, (int, float)) else v)
            for k, v in args.items()}
