"""Bandmate's tools: one module per tool, each exporting ``SPEC``; ``default_registry`` collects them."""

from __future__ import annotations

import importlib
from functools import lru_cache

from bandmate.tools.spec import Registry, ToolSpec

# Order is the order users and models see.
TOOL_MODULES = (
    "eq", "compressor", "limiter", "reverb", "delay", "chorus", "saturation", "gain", "stereo_width",
    "pitch_shift", "time_stretch", "fade", "trim", "describe",
    # music tools (module name -> tool name is the module's SPEC.name; `continue` lives in continuation.py)
    "generate", "continuation", "inpaint", "add_stem", "remove_stem", "extract_stem", "replace_stem", "mix",
    "separate", "analyze", "transcribe",
)


def _load(module: str) -> ToolSpec:
    return importlib.import_module(f"bandmate.tools.{module}").SPEC


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return Registry([_load(m) for m in TOOL_MODULES])
