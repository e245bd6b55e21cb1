"""Bandmate's tools: one module per tool, each exporting ``SPEC``; ``default_registry`` collects them."""

from __future__ import annotations

import importlib
from functools import lru_cache

from bandmate.tools.spec import Registry, ToolSpec

# Order is the order users and models see.
TOOL_MODULES = (
    "eq", "compressor", "transient", "limiter", "reverb", "delay", "chorus", "saturation", "gain", "stereo_width",
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


def openai_tools(registry: Registry | None = None, *, strict: bool = True) -> list[dict]:
    """Every tool as an OpenAI function schema (strict mode by default); see ``bandmate.tools.api``."""
    from bandmate.tools.api import openai_tools as build

    return build(registry, strict=strict)


def call(name: str, arguments_json=None, *, session=None, **kw) -> dict:
    """Run one tool from a model's raw JSON arguments on ``session``; see ``bandmate.tools.api.call``."""
    from bandmate.tools.api import call as run

    return run(name, arguments_json, session=session, **kw)


def langchain_tools(session=None, **kw) -> list:
    """LangChain tools bound to ``session``; see ``bandmate.tools.api.langchain_tools``."""
    from bandmate.tools.api import langchain_tools as build

    return build(session, **kw)
