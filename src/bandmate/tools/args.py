"""Argument fields shared by many tools (inherited, so every tool's schema stays flat).

Numbers are strict: a JSON ``true``/``false`` is refused wherever a number is expected (pydantic
would read it as 1/0), on every tool, through every surface (the MCP argument models reuse
``reject_bool_numbers``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from bandmate.core.errors import ToolInputError


def admits_bool(annotation: Any) -> bool:
    """True when ``annotation`` accepts a boolean as itself (``bool``, ``bool | None``, ``Any``...)."""
    if annotation is bool or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(admits_bool(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(annotation))
    return False


def _item_type(annotation: Any) -> Any | None:
    """The element type of a ``list[X]`` (or ``list[X] | None``), else None."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set):
        args = typing.get_args(annotation)
        return args[0] if args else None
    if origin in (typing.Union, types.UnionType):
        return next((t for t in map(_item_type, typing.get_args(annotation)) if t is not None), None)
    return None


def reject_bool_numbers(fields: Mapping[str, FieldInfo], data: Any) -> Any:
    """Refuse ``true``/``false`` given for a field (or list item) that expects a number or text."""
    if not isinstance(data, dict):
        return data
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            continue
        if isinstance(value, bool) and not admits_bool(field.annotation):
            raise ToolInputError(f"{name}: expected {_kind(field.annotation)}, got the boolean "
                                 f"{str(value).lower()}; give a number such as 1.0")
        item = _item_type(field.annotation)
        if isinstance(value, list) and item is not None and not admits_bool(item) \
                and any(isinstance(v, bool) for v in value):
            raise ToolInputError(f"{name}: expected a list of {_kind(item)}s, got a boolean in it")
    return data


def _kind(annotation: Any) -> str:
    text = str(annotation)
    return "a number" if ("float" in text or "int" in text) else "a value of another type"


class ToolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _strict_numbers(cls, data: Any) -> Any:
        return reject_bool_numbers(cls.model_fields, data)


class TargetArgs(ToolArgs):
    target: str = Field("mix", description="What to change: 'mix' or a stem name such as 'bass', 'drums', "
                                           "'vocals', 'keys'.", max_length=40)


class RangeArgs(TargetArgs):
    start_s: float | None = Field(None, ge=0, le=7200, description="Start of the affected range in seconds "
                                                                    "(omit for the whole clip).")
    end_s: float | None = Field(None, gt=0, le=7200, description="End of the affected range in seconds.")
    start_bar: int | None = Field(None, ge=1, le=2000, description="First affected bar (1-based); needs a "
                                                                    "known tempo. Alternative to start_s.")
    end_bar: int | None = Field(None, ge=1, le=2000, description="Last affected bar, inclusive.")

    @model_validator(mode="after")
    def _check_range(self):
        if self.start_s is not None and self.start_bar is not None:
            raise ToolInputError("give the range start in seconds (start_s) or bars (start_bar), not both")
        if self.end_s is not None and self.end_bar is not None:
            raise ToolInputError("give the range end in seconds (end_s) or bars (end_bar), not both")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise ToolInputError(f"end_s {self.end_s} must be after start_s {self.start_s}")
        if self.start_bar is not None and self.end_bar is not None and self.end_bar < self.start_bar:
            raise ToolInputError(f"end_bar {self.end_bar} is before start_bar {self.start_bar}")
        return self

    @property
    def has_range(self) -> bool:
        return any(v is not None for v in (self.start_s, self.end_s, self.start_bar, self.end_bar))
