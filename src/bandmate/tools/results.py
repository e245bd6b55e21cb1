"""Result models shared by tools."""

from __future__ import annotations

from pydantic import BaseModel


class EffectResult(BaseModel):
    target: str
    start_s: float
    end_s: float
    summary: str
