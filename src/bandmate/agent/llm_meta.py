"""The planning functions an LLM calls beside the tools, to shape the Plan it returns.

Tools change audio; these four only describe the plan: ``explain_plan`` (what the edit means and which
measures should move), ``ask_clarification``, ``answer_question`` and ``history``. Each is a pydantic
model, so its OpenAI schema is derived the same way as the tools' and its arguments are validated the
same way; nothing a model sends is ever executed as code.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bandmate.agent.plan import Direction, HistoryMove
from bandmate.core.errors import ToolInputError
from bandmate.tools.openai_schema import clean_json_schema
from bandmate.tools.spec import format_validation_error

Topic = Literal["key", "tempo", "chords", "time_signature", "loudness", "length", "stems", "general"]


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedItem(_Meta):
    measure: str = Field(..., min_length=1, max_length=40,
                         description="A measure name: centroid_hz, rolloff_hz, loudness_lufs, crest_db, "
                                     "stereo_width, decay_s, onset_rate, duration_s, stem_count, tempo_bpm, "
                                     "or band_db:LO-HI with band edges in Hz (e.g. band_db:60-150).")
    direction: Direction = Field(..., description="How the measure should move: up, down or same.")
    target: str = Field("mix", max_length=40, description="Where to measure: 'mix' or a stem name.")


class ExplainPlan(_Meta):
    """Say in one or two sentences how you read the request and what the tool calls will change.

    Call it once, together with the tool calls of an edit. List the measures that should move.
    """

    explanation: str = Field(..., min_length=3, max_length=600,
                             description="For the user: how the request was read and what will be done.")
    expected: list[ExpectedItem] = Field(default_factory=list, max_length=8,
                                         description="Measured changes that would show the edit worked.")


class AskClarification(_Meta):
    """Ask the user a short question when the request is genuinely ambiguous; offer 2-4 concrete options.

    Call it alone (no tool calls): nothing is changed until the user answers.
    """

    question: str = Field(..., min_length=3, max_length=300, description="The question to the user.")
    options: list[str] = Field(..., min_length=2, max_length=4,
                               description="2-4 short concrete readings, e.g. 'warmer bass', 'louder bass'.")


class AnswerQuestion(_Meta):
    """Answer a question about the session (key, tempo, chords, ...) instead of editing it.

    Call it alone, or with `analyze` when the session state does not hold the answer yet.
    """

    topic: Topic = Field(..., description="What the user asked about.")


class History(HistoryMove):
    """Undo, redo, or go back to an earlier version of the session. Call it alone."""

    model_config = ConfigDict(extra="forbid")


META_MODELS: dict[str, type[BaseModel]] = {
    "explain_plan": ExplainPlan,
    "ask_clarification": AskClarification,
    "answer_question": AnswerQuestion,
    "history": History,
}


def meta_tools() -> list[dict[str, Any]]:
    """The planning functions as OpenAI function schemas, cleaned like the tools' schemas."""
    return [{"type": "function",
             "function": {"name": name, "description": _doc(model),
                          "parameters": _untitled(clean_json_schema(model.model_json_schema()))}}
            for name, model in META_MODELS.items()]


def _untitled(node: Any, *, names: bool = False) -> Any:
    """Drop pydantic's ``title`` keys at every depth (the cleaner only drops them at the top level)."""
    if isinstance(node, dict):
        return {k: _untitled(v, names=(k == "properties" and not names))
                for k, v in node.items() if names or k != "title"}
    if isinstance(node, list):
        return [_untitled(v) for v in node]
    return node


def parse_meta(name: str, raw: Any) -> BaseModel:
    """Validate a planning function's arguments; problems become a ToolInputError the model can read."""
    model = META_MODELS[name]
    if not isinstance(raw, dict):
        raise ToolInputError(f"arguments for {name} must be a JSON object, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise ToolInputError(format_validation_error(name, err)) from None


def _doc(model: type[BaseModel]) -> str:
    import inspect

    return inspect.cleandoc(model.__doc__ or model.__name__)
