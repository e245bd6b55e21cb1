"""Every tool's public schema is pinned: any change to a tool's Args fails here until it is reviewed.

To accept a reviewed change, regenerate the snapshots and commit them with the change:

    BANDMATE_UPDATE_SNAPSHOTS=1 PYTHONPATH=src python -m pytest tests/tools/test_tool_schema_snapshots.py
    git diff tests/tools/snapshots   # review what changed for every client (OpenAI, MCP, LangChain)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bandmate.tools import default_registry, openai_tools

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = "BANDMATE_UPDATE_SNAPSHOTS=1 PYTHONPATH=src python -m pytest tests/tools/test_tool_schema_snapshots.py"


@pytest.mark.parametrize("tool", openai_tools(), ids=lambda t: t["function"]["name"])
def test_tool_schema_matches_its_snapshot(tool):
    path = SNAPSHOTS / f"{tool['function']['name']}.strict.json"
    text = json.dumps(tool, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("BANDMATE_UPDATE_SNAPSHOTS"):
        path.write_text(text)
    assert path.is_file(), f"no snapshot for {path.stem}; review the schema, then run: {UPDATE}"
    assert json.loads(path.read_text()) == tool, f"{path.name} changed; review it, then run: {UPDATE}"


def test_no_stale_snapshots():
    names = {f"{n}.strict.json" for n in default_registry().names()}
    stale = sorted(p.name for p in SNAPSHOTS.glob("*.strict.json") if p.name not in names)
    assert not stale, f"snapshots of tools that no longer exist: {stale}; delete them"


@pytest.mark.parametrize("tool", openai_tools(), ids=lambda t: t["function"]["name"])
def test_schemas_follow_openai_strict_mode_rules(tool):
    fn = tool["function"]
    params = fn["parameters"]
    assert fn["strict"] is True and params["additionalProperties"] is False
    assert sorted(params["required"]) == sorted(params["properties"])
    text = json.dumps(params)
    assert '"default"' not in text and "$ref" not in text and '"title"' not in text
