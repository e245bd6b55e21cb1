"""A tool declared once: typed arguments, typed result, one function ``fn(args, ctx) -> Result``.

Every external interface (OpenAI schema, LangChain, MCP, CLI) is derived from a ToolSpec by the
surfaces in ``bandmate.surfaces`` (the OpenAI schema in ``tools/openai_schema.py``); nothing about a tool is restated anywhere else.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from bandmate.core.errors import QUOTE_LIMIT, ToolInputError, quote

MAX_ERRORS_LISTED = 8


@dataclass(frozen=True)
class ToolSpec:
    name: str
    Args: type[BaseModel]
    Result: type[BaseModel]
    fn: Callable[[Any, Any], BaseModel]
    read_only: bool = False  # True: never records a version (e.g. describe)
    creates_session: bool = False  # True: may run with no session and creates one (e.g. generate)
    category: str = "effect"
    # True: the call is a pure function of the head and its arguments, cheap enough to redo, so when
    # another client moves the head while it runs, run_tool re-runs it on the new head. False (model
    # runs, content that must match what the caller saw): the call fails with SessionChanged instead.
    replayable: bool = True
    # What planners and surfaces need to know about the tool, declared here and nowhere else:
    words: Callable[[dict[str, Any]], str] | None = None  # a call in an engineer's words ("-4 dB bell at 100 Hz")
    level_args: frozenset[str] = frozenset()  # arguments that scale with intensity ("a bit more", "less")
    restemmable: bool = False  # the same call makes sense on another stem ("same for the keys"): its
    # 'target' argument, or its 'stem' argument where it has no target (a rewrite of one part)
    makes_stem: bool = False  # its `stem`/`name` argument names a new stem
    separates_first: bool = False  # works on a mixture itself (separating when needed): no `separate` before it
    # True: running the call a second time is more of the same (an EQ, a reverb), so a change measured as
    # too subtle may be applied once more. False: a second run is another edit (a transposition, a tempo
    # change, a fade, a trim, new music), never done for "too subtle".
    stacks: bool = True
    # where inside its range (start_s, end_s in seconds) a call changes the audio, when that is narrower than
    # the range: a fade-out only its last seconds. Verify measures the change there (None: the whole range)
    span: Callable[[dict[str, Any], float, float], tuple[float, float]] | None = None
    # fits new music to the session's tempo, key and chords, so a session that does not know them yet is
    # analysed first (an uploaded recording asked to "add a shaker")
    needs_tempo: bool = False

    def describe_call(self, args: dict[str, Any]) -> str:
        """The call in words, or ``name(arg=value, …)`` for tools that declare none."""
        if self.words is not None:
            return self.words(args)
        shown = ", ".join(f"{k}={v}" for k, v in args.items() if k != "target" and v is not None)
        return f"{self.name}({shown})"

    @property
    def description(self) -> str:
        """The function's docstring: its first line is what a model reads first."""
        return inspect.cleandoc(self.fn.__doc__ or self.name)

    @property
    def summary(self) -> str:
        return self.description.splitlines()[0]

    def parse_args(self, raw: dict[str, Any] | BaseModel | None) -> BaseModel:
        """Validate raw arguments; a failure becomes a ToolInputError listing every problem."""
        if isinstance(raw, self.Args):
            return raw
        if isinstance(raw, BaseModel):
            raw = raw.model_dump()
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ToolInputError(f"arguments for {self.name} must be a JSON object, got {type(raw).__name__}")
        try:
            return self.Args.model_validate(raw)
        except ValidationError as err:
            raise ToolInputError(format_validation_error(self.name, err)) from None


def format_validation_error(tool: str, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        got = e.get("input")
        got_s = "" if isinstance(got, dict) else f" (got {quote(got)})"
        msg = quote_text(e["msg"].removeprefix("Value error, "))  # our own checks word their messages fully
        parts.append(f"{loc}: {msg}{got_s}" if loc else f"{msg}{got_s}")
    return f"invalid arguments for {tool}: " + "; ".join(parts[:MAX_ERRORS_LISTED]) + (
        f"; and {len(parts) - MAX_ERRORS_LISTED} more" if len(parts) > MAX_ERRORS_LISTED else "")


def quote_text(text: str, limit: int = 2 * QUOTE_LIMIT) -> str:
    """A message that may embed what was received (pydantic's do), cut to a readable length."""
    return text if len(text) <= limit else f"{text[:limit]}…"


class Registry:
    """Name -> ToolSpec, in declaration order."""

    def __init__(self, specs: list[ToolSpec]):
        self._specs: dict[str, ToolSpec] = {}
        for s in specs:
            if s.name in self._specs:
                raise ValueError(f"tool {s.name!r} declared twice")
            self._specs[s.name] = s

    def __getitem__(self, name: str) -> ToolSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise ToolInputError(f"unknown tool {quote(name)}; valid tools: {', '.join(self._specs)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self):
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> list[str]:
        return list(self._specs)

    def where(self, fact: str) -> set[str]:
        """Names of the tools whose declared ``fact`` (a boolean ToolSpec field) is true."""
        return {s.name for s in self._specs.values() if getattr(s, fact)}


def hz_text(f: float) -> str:
    """A frequency as an engineer says it: '100 Hz', '4 kHz'."""
    return f"{f / 1000:g} kHz" if f >= 1000 else f"{f:g} Hz"
