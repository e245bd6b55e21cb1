"""Argument fields shared by many tools (inherited, so every tool's schema stays flat)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bandmate.core.errors import ToolInputError


class ToolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
