"""Bandmate: a conversational music collaborator.

The Python API (imported lazily, so ``import bandmate`` stays light):

- ``bandmate.Store(home=None)``: all sessions under one data directory (``BANDMATE_HOME``);
- ``bandmate.Session(store, session_id)``: a session's versions, audio (``mix()``, ``stem(name)``),
  ``undo()``, ``redo()``, ``checkout(n)``, ``history()``, ``export(dir)``;
- ``bandmate.load(path)`` / ``bandmate.save(clip, path)``: audio files as ``Clip``s;
- ``bandmate.tools``: ``call(name, arguments_json, session=...)``, ``openai_tools()``,
  ``langchain_tools(session)``, ``default_registry()`` (every tool's ``ToolSpec``).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {"Session": ("bandmate.memory.session", "Session"), "Store": ("bandmate.memory.store", "Store"),
         "Clip": ("bandmate.core.clip", "Clip"), "load": ("bandmate.core.audio_io", "load"),
         "save": ("bandmate.core.audio_io", "save")}
__all__ = ["Clip", "Session", "Store", "load", "save", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'bandmate' has no attribute {name!r}")
