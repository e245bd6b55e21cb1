"""Tool arguments as JSON text from outside (CLI ``--args``, a model's raw reply, MCP): bounded first.

The text's size and nesting depth are checked before it is parsed, so a hostile or broken caller gets
a clear ``ToolInputError`` (never a ``RecursionError`` or a parser running over megabytes); an
already-parsed object (an MCP call's arguments) is checked for depth the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bandmate.core.errors import ToolInputError, quote

MAX_JSON_DEPTH = 32  # tool arguments are flat: anything deeper is a mistake or an attack
MAX_JSON_CHARS = 2_000_000  # base64 audio goes through files or session_new, not through tool args
_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|[\[\]{}]')


def json_depth(text: str) -> int:
    """The deepest ``[``/``{`` nesting in ``text``, brackets inside strings ignored (no parsing)."""
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif tok in "]}":
            depth -= 1
    return deepest


def object_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (iterative, so a deep value cannot overflow the stack)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        node, d = todo.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, d)
            if d > MAX_JSON_DEPTH:
                return d
            todo.extend((v, d + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def check_object_depth(value: Any, what: str) -> Any:
    if object_depth(value) > MAX_JSON_DEPTH:
        raise ToolInputError(f"{what} are nested more than {MAX_JSON_DEPTH} levels deep; tool arguments are a "
                             "flat JSON object of numbers, strings and short lists")
    return value


def loads_arguments(text: str | bytes, what: str = "arguments") -> dict[str, Any]:
    """``text`` parsed as a JSON object, after size and depth checks; errors show where it broke."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ToolInputError(f"{what} must be JSON text, got {type(text).__name__}")
    if len(text) > MAX_JSON_CHARS:
        raise ToolInputError(f"{what} are {len(text)} characters long, over the {MAX_JSON_CHARS} limit")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ToolInputError(f"{what} are nested more than {MAX_JSON_DEPTH} levels deep; tool arguments are a "
                             "flat JSON object such as '{\"gain_db\": -3}'")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        before, after = text[max(0, err.pos - 20):err.pos], text[err.pos:err.pos + 20]
        raise ToolInputError(f"{what} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno} "
                             f"(char {err.pos}): {before!r} >>> {after!r}") from None
    if not isinstance(value, dict):
        raise ToolInputError(f"{what} must be a JSON object like '{{\"gain_db\": -3}}', got "
                             f"{type(value).__name__} {quote(text, 40)}")
    return value
