"""Tool calls described the way an engineer would say them ("−4 dB bell at 100 Hz").

How to word a call is a fact about the tool, declared on its ``ToolSpec`` (``words``); this is only the
lookup planners and surfaces use.
"""

from __future__ import annotations

from typing import Any


def describe_call(tool: str, a: dict[str, Any]) -> str:
    from bandmate.tools import default_registry

    registry = default_registry()
    if tool in registry:
        return registry[tool].describe_call(a)
    shown = ", ".join(f"{k}={v}" for k, v in a.items() if k != "target" and v is not None)
    return f"{tool}({shown})"
