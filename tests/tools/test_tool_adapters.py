"""The derived interfaces (OpenAI schema, LangChain, MCP, CLI) agree with each other and with the tools."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from pydantic import Field
from typer.testing import CliRunner

from bandmate.core.testsignals import sine
from bandmate.tools import default_registry
from bandmate.tools.args import ToolArgs
from bandmate.tools.openai_schema import clean_json_schema, openai_tool, openai_tools, strict_parameters

SNAPSHOTS = Path(__file__).parent / "snapshots"
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength")


def facts(schema: dict) -> dict[str, tuple]:
    """Per parameter: (required, types, bounds, enum), whether nullables are anyOf or type lists."""
    required = set(schema.get("required", []))
    out = {}
    for name, prop in schema["properties"].items():
        types, bounds, enum = set(), {}, None
        for part in [prop, *prop.get("anyOf", [])]:
            kind = part.get("type")
            types |= {kind} if isinstance(kind, str) else set(kind or [])
            bounds |= {b: part[b] for b in BOUNDS if b in part}
            if "enum" in part or "const" in part:
                enum = frozenset(v for v in part.get("enum", [part.get("const")]) if v is not None)
        out[name] = (name in required, frozenset(types), bounds, enum)
    return out


def mcp_listing() -> dict[str, dict]:
    from mcp import Client

    from bandmate.surfaces.mcp_server import build_mcp_server

    async def listing():
        async with Client(build_mcp_server(default_registry())) as client:
            return (await client.list_tools()).tools

    return {t.name: t.model_dump(mode="json", by_alias=True) for t in asyncio.run(listing())}


def test_all_four_surfaces_expose_the_same_tools_parameters_and_bounds(store):
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from bandmate.cli import build_app
    from bandmate.surfaces.langchain_tools import make_langchain_tools
    from bandmate.surfaces.mcp_agent import AGENT_VERBS
    from bandmate.surfaces.mcp_sessions import SESSION_VERBS

    registry = default_registry()
    oa = {t["function"]["name"]: t["function"] for t in openai_tools(registry)}
    mcp = mcp_listing()
    lc = {t.name: convert_to_openai_tool(t)["function"]
          for t in make_langchain_tools(registry, store, None)}
    res = CliRunner().invoke(build_app(), ["tool", "schema", "--format", "openai"])
    assert res.exit_code == 0, res.output
    cli = {t["function"]["name"]: t["function"] for t in json.loads(res.stdout)}
    res = CliRunner().invoke(build_app(), ["tool", "schema", "--format", "mcp"])
    cli_mcp = {t["name"]: t for t in json.loads(res.stdout)}

    assert list(oa) == registry.names() == list(lc) == list(cli) and len(oa) >= 1
    assert set(mcp) == set(oa) | set(SESSION_VERBS) | set(AGENT_VERBS) == set(cli_mcp)
    for name, fn in oa.items():
        spec = registry[name]
        want = facts(fn["parameters"])
        assert set(want) == set(spec.Args.model_fields), name
        assert fn["description"] == lc[name]["description"] == mcp[name]["description"] == spec.description
        assert facts(lc[name]["parameters"]) == want, name
        assert facts(cli[name]["parameters"]) == facts(strict_parameters(fn["parameters"])), name
        assert cli[name]["strict"] is True
        for listed in (mcp[name]["inputSchema"], cli_mcp[name]["inputSchema"]):
            got = facts(listed)
            session = got.pop("session_id")
            assert session[0] is (not spec.creates_session), name  # required unless the tool creates one
            assert got == want, name
            assert listed["additionalProperties"] is False


def test_bounds_in_the_gain_schema_come_from_its_args_model():
    fn = openai_tool(default_registry()["gain"])["function"]
    f = facts(fn["parameters"])
    assert f["gain_db"] == (True, frozenset({"number"}), {"minimum": -60, "maximum": 24}, None)
    assert f["end_s"] == (False, frozenset({"number", "null"}), {"exclusiveMinimum": 0, "maximum": 7200}, None)
    assert fn["description"].splitlines()[0].startswith("Make the mix or one stem louder or quieter")


def test_gain_openai_schema_matches_the_checked_in_snapshot():
    path = SNAPSHOTS / "gain.openai.json"
    got = openai_tool(default_registry()["gain"])
    if os.environ.get("BANDMATE_UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text())


class _Shapes(ToolArgs):
    mode: Literal["soft", "hard"] = Field("soft", description="closed set")
    only: Literal["x"] = Field("x", description="one value")
    maybe_mode: Literal["a", "b"] | None = Field(None, description="nullable enum")
    count: int = Field(..., ge=1, le=8, description="required int")
    ratio: float | None = Field(None, gt=0, lt=1, description="nullable bounded float")
    freqs_hz: list[float] = Field(default_factory=list, max_length=4, description="a short list")


def test_clean_schema_flattens_nullables_enums_and_titles():
    s = clean_json_schema(_Shapes.model_json_schema())
    p = s["properties"]
    assert s["required"] == ["count"] and s["additionalProperties"] is False
    assert p["mode"] == {"type": "string", "enum": ["soft", "hard"], "description": "closed set", "default": "soft"}
    assert p["only"]["enum"] == ["x"] and "const" not in p["only"]
    assert p["maybe_mode"]["type"] == ["string", "null"] and p["maybe_mode"]["enum"] == ["a", "b", None]
    assert p["ratio"] == {"type": ["number", "null"], "description": "nullable bounded float", "default": None,
                          "exclusiveMinimum": 0, "exclusiveMaximum": 1}
    assert p["freqs_hz"]["items"] == {"type": "number"} and p["freqs_hz"]["maxItems"] == 4
    assert "title" not in json.dumps(s) and "$defs" not in json.dumps(s)


def test_langchain_tool_runs_on_its_bound_session_and_returns_errors_as_text(make_session, store):
    from bandmate.surfaces.langchain_tools import make_langchain_tools

    session = make_session(mix=sine(440, 1.0, amplitude=0.25))
    tools = {t.name: t for t in make_langchain_tools(default_registry(), store, session.id)}
    before = session.mix().samples
    out = json.loads(tools["gain"].invoke({"gain_db": -6.0}))
    assert out["version"] == 2 and out["session_id"] == session.id and out["changed"]
    ratio = np.sqrt(np.mean(session.mix().samples ** 2) / np.mean(before ** 2))
    assert ratio == pytest.approx(10 ** (-6 / 20), rel=1e-4)

    for bad, match in [({"gain_db": 99}, "less than or equal to 24"), ({"gain_db": 1, "target": "flute"}, "flute"),
                       ({"gain_db": 1, "start_s": 0.5, "start_bar": 2}, "not both")]:
        msg = tools["gain"].invoke(bad)
        assert msg.startswith("ToolInputError: ") and match in msg
    call = {"name": "gain", "args": {"gain_db": 99}, "id": "c1", "type": "tool_call"}
    assert tools["gain"].invoke(call).status == "error"
    assert store.info(session.id).versions == 2
