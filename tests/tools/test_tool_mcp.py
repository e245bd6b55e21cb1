"""The MCP server, driven by an in-process MCP client (and once over stdio through `bandmate mcp`)."""

from __future__ import annotations

import asyncio
import json
import sys

import numpy as np
import pytest
from pydantic import BaseModel, Field

from bandmate.core.audio_io import save
from bandmate.core.settings import Settings
from bandmate.core.testsignals import sine
from bandmate.tools import default_registry
from bandmate.tools.args import ToolArgs
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import Registry, ToolSpec


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def serve(store, roots=()):
    from bandmate.surfaces.mcp_server import build_mcp_server

    return build_mcp_server(default_registry(), Settings(home=store.home, mcp_roots=tuple(roots)), store)


def with_client(server, fn):
    from mcp import Client

    async def go():
        async with Client(server) as client:
            return await fn(client)

    return asyncio.run(go())


def test_client_lists_tools_and_gain_makes_a_new_version(make_session, store):
    session = make_session(mix=sine(330, 1.0, amplitude=0.2, channels=2))
    before = rms(session.mix().samples)

    async def script(client):
        names = [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("gain", {"session_id": session.id, "gain_db": 6.0, "start_s": 0.0})
        return names, result

    names, result = with_client(serve(store), script)
    assert "gain" in names and "session_new" in names
    assert not result.is_error
    assert result.structured_content["version"] == 2 and result.structured_content["session_id"] == session.id
    assert json.loads(result.content[0].text)["result"]["summary"].startswith("+6.0 dB on mix")
    assert session.head.id == 2 and session.head.step["tool"] == "gain"
    assert rms(session.mix().samples) / before == pytest.approx(10 ** (6 / 20), rel=1e-4)


@pytest.mark.parametrize("args, match", [
    ({"gain_db": 99.0}, "less than or equal to 24"),
    ({"gain_db": 1.0, "gain": 2.0}, "Extra inputs are not permitted"),
    ({"gain_db": 1.0, "target": "flute"}, "ToolInputError: unknown target 'flute'"),
    ({"gain_db": 1.0, "start_s": 0.2, "start_bar": 1}, "not both"),
    ({"session_id": "nope", "gain_db": 1.0}, "SessionError: no session 'nope'"),
    ({"session_id": None, "gain_db": 1.0}, "session_id"),
])
def test_bad_calls_become_tool_errors_and_change_nothing(make_session, store, args, match):
    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    call = {"session_id": session.id, **args}
    result = with_client(serve(store), lambda c: c.call_tool("gain", call))
    assert result.is_error and match in result.content[0].text
    assert store.info(session.id).versions == 1 and session.head.id == 1


def test_session_verbs_respect_roots_and_move_between_versions(store, tmp_path):
    root = tmp_path / "music"
    save(sine(220, 0.5, amplitude=0.3), root / "take.wav")
    save(sine(220, 0.5, amplitude=0.3), tmp_path / "outside.wav")

    async def script(client):
        refused = await client.call_tool("session_new", {"audio_path": str(tmp_path / "outside.wav")})
        escaped = await client.call_tool("session_new", {"audio_path": str(root / ".." / "outside.wav")})
        made = await client.call_tool("session_new", {"audio_path": str(root / "take.wav"), "tempo_bpm": 90})
        sid = made.structured_content["id"]
        await client.call_tool("gain", {"session_id": sid, "gain_db": -3.0})
        undone = await client.call_tool("session_undo", {"session_id": sid})
        redone = await client.call_tool("session_redo", {"session_id": sid})
        hist = await client.read_resource(f"bandmate://sessions/{sid}/history")
        listed = await client.call_tool("session_list", {})
        return refused, escaped, made, undone, redone, json.loads(hist.contents[0].text), listed

    refused, escaped, made, undone, redone, hist, listed = with_client(serve(store, [root]), script)
    for bad in (refused, escaped):
        assert bad.is_error and "outside the allowed directories" in bad.content[0].text
    assert made.structured_content["state"]["tempo_bpm"] == 90 and made.structured_content["mix"]["duration_s"] == 0.5
    assert undone.structured_content["head"] == 1 and redone.structured_content["head"] == 2
    assert [(h["version"], h["tool"], h["head"]) for h in hist] == [(1, "create", False), (2, "gain", True)]
    assert [s["id"] for s in listed.structured_content["sessions"]] == [made.structured_content["id"]]


def test_no_roots_means_no_file_access(store, tmp_path):
    save(sine(220, 0.5), tmp_path / "a.wav")
    result = with_client(serve(store), lambda c: c.call_tool("session_new", {"audio_path": str(tmp_path / "a.wav")}))
    assert result.is_error and "BANDMATE_MCP_ROOTS" in result.content[0].text
    assert store.list_sessions() == []


def test_bandmate_mcp_serves_over_stdio(make_session, store, tmp_path):
    from mcp import ClientSession, StdioServerParameters, stdio_client

    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    params = StdioServerParameters(command=sys.executable, args=["-m", "bandmate.cli", "mcp"],
                                   env={"BANDMATE_HOME": str(store.home)})

    async def go(errlog):
        # an explicit errlog: the SDK's default is whatever sys.stderr was when mcp was first imported
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            names = [t.name for t in (await client.list_tools()).tools]
            return names, await client.call_tool("gain", {"session_id": session.id, "gain_db": -2.0})

    with open(tmp_path / "server.err", "w") as errlog:
        names, result = asyncio.run(go(errlog))
    assert names[: len(default_registry())] == default_registry().names()
    assert not result.is_error and result.structured_content["version"] == 2
    assert store.info(session.id).head == 2


# ---- a session-creating tool and a read-only tool, declared here so the test owns their behaviour ----
class ToneArgs(ToolArgs):
    freq_hz: float = Field(..., ge=20, le=2000, description="Tone frequency in Hz.")
    duration_s: float = Field(1.0, gt=0, le=10, description="Length in seconds.")


def tone(args: ToneArgs, ctx) -> EffectResult:
    """Create a new session holding a sine tone."""
    ctx.set_clip("mix", sine(args.freq_hz, args.duration_s, amplitude=0.5))
    return EffectResult(target="mix", start_s=0.0, end_s=args.duration_s, summary=f"{args.freq_hz:g} Hz tone")


class PeakArgs(ToolArgs):
    target: str = Field("mix", description="'mix' or a stem name.")


class PeakResult(BaseModel):
    peak: float


def peak(args: PeakArgs, ctx) -> PeakResult:
    """Measure the peak level of the mix or a stem."""
    return PeakResult(peak=float(np.abs(ctx.clip(args.target).samples).max()))


def small_registry() -> Registry:
    return Registry([ToolSpec("tone", ToneArgs, EffectResult, tone, creates_session=True, category="music"),
                     ToolSpec("peak", PeakArgs, PeakResult, peak, read_only=True, category="analysis"),
                     default_registry()["gain"]])


def test_creating_and_read_only_tools_over_mcp(store):
    from bandmate.surfaces.mcp_server import build_mcp_server

    server = build_mcp_server(small_registry(), Settings(home=store.home), store)

    async def script(client):
        listed = {t.name: t for t in (await client.list_tools()).tools}
        made = await client.call_tool("tone", {"freq_hz": 440.0, "duration_s": 0.5})
        sid = made.structured_content["session_id"]
        louder = await client.call_tool("gain", {"session_id": sid, "gain_db": -6.0})
        measured = await client.call_tool("peak", {"session_id": sid})
        return listed, made, louder, measured

    listed, made, louder, measured = with_client(server, script)
    assert "session_id" not in listed["tone"].input_schema["required"]
    assert "session_id" in listed["peak"].input_schema["required"]
    assert listed["peak"].annotations.read_only_hint and not listed["gain"].annotations.read_only_hint
    sid = made.structured_content["session_id"]
    assert (made.structured_content["version"], louder.structured_content["version"]) == (1, 2)
    assert measured.structured_content["version"] is None and measured.structured_content["head"] == 2
    assert measured.structured_content["result"]["peak"] == pytest.approx(0.5 * 10 ** (-6 / 20), rel=1e-3)
    assert store.info(sid).versions == 2


def test_langchain_tools_bind_the_session_a_creating_tool_made(store):
    from bandmate.surfaces.langchain_tools import SessionBinding, make_langchain_tools

    binding = SessionBinding()
    tools = {t.name: t for t in make_langchain_tools(small_registry(), store, binding)}
    assert tools["gain"].invoke({"gain_db": 3.0}).startswith("ToolInputError: gain works on an existing session")
    made = json.loads(tools["tone"].invoke({"freq_hz": 220.0}))
    assert binding.session_id == made["session_id"] is not None
    out = json.loads(tools["gain"].invoke({"gain_db": 3.0}))
    assert (out["session_id"], out["version"]) == (binding.session_id, 2)
    assert store.list_sessions()[0].versions == 2
