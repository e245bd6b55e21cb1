"""What a planner returns: a typed Plan — tool calls, a clarifying question, an answer, or a history move.

Both planners (offline and LLM) produce exactly these types; the executor and every surface consume
them. Targets are ``"mix"`` or a stem name; ranges live in the tool arguments (``start_s``/``end_s`` or
``start_bar``/``end_bar``) and are summarised in ``range_text`` for people.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

Direction = Literal["up", "down", "same"]


class ExpectedChange(BaseModel):
    measure: str = Field(..., description="A measure name, e.g. 'centroid_hz' or 'band_db:80-400'.")
    direction: Direction
    target: str = "mix"
    min_change: float | None = Field(None, description="Smallest change that counts, in the measure's unit.")
    clause: int = Field(0, ge=0, description="Which part of the request this belongs to (0-based).")
    at_least: float | None = Field(None, description="For a change a tool makes by construction (a fill, a new "
                                   "part): the value after must reach this, and not fall noticeably, whatever "
                                   "it was before (e.g. onsets per second in a fill's bars).")

    def text(self) -> str:
        arrow = {"up": "↑", "down": "↓", "same": "="}[self.direction]
        floor = f" (≥ {self.at_least:g})" if self.at_least is not None else ""
        return f"{self.measure} {arrow}{floor} on {self.target}"


class ToolCall(BaseModel):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    why: str = ""
    clause: int = Field(0, ge=0, description="Which part of the request this belongs to (0-based).")

    @property
    def target(self) -> str:
        return str(self.args.get("target", "mix"))

    @property
    def range_text(self) -> str:
        a = self.args
        if a.get("start_bar") or a.get("end_bar"):
            s, e = a.get("start_bar"), a.get("end_bar")
            return f"bar {s}" if s == e else f"bars {s or 1}–{e or 'end'}"
        if a.get("start_s") is not None or a.get("end_s") is not None:
            return f"{a.get('start_s') or 0:g}–{a.get('end_s') if a.get('end_s') is not None else 'end'}s"
        return "whole"

    def text(self) -> str:
        shown = {k: v for k, v in self.args.items() if v is not None and k != "target"}
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())
        return f"{self.tool}({params}) on {self.target} [{self.range_text}]"


class Clarification(BaseModel):
    question: str
    options: list[str] = Field(..., min_length=2, max_length=4)


class HistoryMove(BaseModel):
    action: Literal["undo", "redo", "checkout"]
    steps: int = Field(1, ge=1, le=100, description="How many undos/redos.")
    version: int | None = Field(None, ge=1, description="For checkout: the version to go back to.")


ConstraintKind = Literal["no_change", "keep_tempo", "keep_key", "keep_length", "keep_dynamics", "keep_level",
                         "keep_stem"]


class Constraint(BaseModel):
    """Something the user asked to stay as it is ("don't change the tempo", "keep the vocals as they are")."""

    kind: ConstraintKind
    stem: str | None = Field(None, description="For keep_stem: the part that must stay untouched.")
    said: str = Field("", description="The words the user used, for messages.")

    def text(self) -> str:
        return {"no_change": "not to change anything", "keep_tempo": "not to change the tempo",
                "keep_key": "not to change the key or pitch", "keep_length": "not to change the length",
                "keep_dynamics": "not to squash the dynamics", "keep_level": "not to make it louder",
                "keep_stem": f"to keep the {self.stem} as they are"}[self.kind]


class AskedRange(BaseModel):
    """A range as the user said it ("bar 3", "the last 4 bars"); resolved against the session when answering."""

    unit: Literal["bars", "seconds"]
    start: float | None = None
    end: float | None = None
    relative: Literal["first", "last"] | None = None
    count: float | None = None


class CorrectionRead(BaseModel):
    """"no, by warm I mean less harsh highs": the word corrected and what the user says it means."""
    word: str = Field(..., min_length=1, max_length=40)
    meaning: str = Field(..., min_length=1, max_length=300)


class Plan(BaseModel):
    kind: Literal["edit", "clarify", "answer", "history", "correction"]
    steps: list[ToolCall] = Field(default_factory=list)
    explanation: str = ""
    expected: list[ExpectedChange] = Field(default_factory=list)
    clarification: Clarification | None = None
    history: HistoryMove | None = None
    correction: CorrectionRead | None = Field(None, description="For corrections: the word and its new meaning.")
    question: str | None = Field(None, description="For answers: what was asked (e.g. 'key', 'chords').")
    topics: list[str] = Field(default_factory=list, description="For answers: every topic asked, in order "
                                                                "('the key and tempo' -> ['key', 'tempo']).")
    about: list[str] = Field(default_factory=list, description="For answers: the parts asked about, if any.")
    asked_range: AskedRange | None = Field(None, description="For answers: the time range asked about, as said.")
    constraints: list[Constraint] = Field(default_factory=list, description="What the user asked to keep.")
    planner: str = "offline"
    terms: list[str] = Field(default_factory=list, description="Lexicon terms the reading relied on.")
    notes: list[str] = Field(default_factory=list, description="Things the user should know (fallbacks).")
    replan: bool = Field(False, description="Run these steps, then plan the request again (e.g. bars need "
                                            "the tempo that analysis is about to measure).")
    allow_clipping: bool = Field(False, description="The user asked for peaks over -0.3 dBFS true peak (e.g. "
                                                    "'let it clip'): skip the level-safety stage of the mix bus.")
    keep_dynamics: bool = Field(False, description="The user asked not to squash it: the level-safety stage "
                                                   "limits peaks by at most 1 dB and turns the rest down.")

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == "clarify" and self.clarification is None:
            raise ValueError("a clarify plan needs a clarification")
        if self.kind == "correction" and self.correction is None:
            raise ValueError("a correction plan needs the corrected word and its meaning")
        if self.kind == "history" and self.history is None:
            raise ValueError("a history plan needs a history move")
        if self.kind == "edit" and not self.steps:
            raise ValueError("an edit plan needs at least one step")
        return self

    def tools(self) -> list[str]:
        return [s.tool for s in self.steps]

    def targets(self) -> list[str]:
        return list(dict.fromkeys(s.target for s in self.steps))

    def text(self) -> str:
        if self.kind == "clarify" and self.clarification:
            return f"{self.clarification.question} [{' | '.join(self.clarification.options)}]"
        lines = [self.explanation] if self.explanation else []
        lines += [f"  {i}. {s.text()}" for i, s in enumerate(self.steps, 1)]
        if self.expected:
            lines.append("  expect: " + "; ".join(e.text() for e in self.expected))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)
