"""Long tools over MCP: progress notifications for a client that asks, and cancellation commits nothing."""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, Field

from bandmate.core.settings import Settings
from bandmate.core.testsignals import sine
from bandmate.tools import gain
from bandmate.tools.args import TargetArgs
from bandmate.tools.spec import Registry, ToolSpec


class SlowArgs(TargetArgs):
    seconds: float = Field(2.5, ge=0, le=10, description="How long to take.")


class SlowResult(BaseModel):
    summary: str


def slow(args: SlowArgs, ctx) -> SlowResult:
    """A slow edit (declared under a long tool's name so the server treats it as long)."""
    time.sleep(args.seconds)
    ctx.state.tempo_bpm = 123  # a state change: a version is committed unless the call was cancelled
    return SlowResult(summary="slow edit")


def serve(store):
    from bandmate.surfaces.mcp_server import build_mcp_server

    registry = Registry([gain.SPEC, ToolSpec(name="analyze", Args=SlowArgs, Result=SlowResult, fn=slow)])
    return build_mcp_server(registry, Settings(home=store.home), store)


def test_progress_notifications_while_a_long_tool_runs(make_session, store):
    from mcp import Client

    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, message))

    async def go():
        async with Client(serve(store)) as client:
            return await client.call_tool("analyze", {"session_id": session.id, "seconds": 2.5},
                                          progress_callback=on_progress)

    result = asyncio.run(go())
    assert not result.is_error, result.content[0].text
    messages = [m for _, m in seen]
    assert messages[0] == "analyze started" and messages[-1] == "analyze done"
    assert any("running" in m for m in messages) and len(seen) >= 3
    assert store.info(session.id).head == 2


def test_cancelled_long_call_commits_nothing(make_session, store):
    import anyio
    from mcp import Client

    session = make_session(mix=sine(330, 0.5, amplitude=0.2))

    async def go():
        async with Client(serve(store)) as client:
            with anyio.move_on_after(0.5):
                await client.call_tool("analyze", {"session_id": session.id, "seconds": 2.0})
            await anyio.sleep(2.5)  # the worker thread finishes meanwhile; its result must be dropped
            return await client.call_tool("gain", {"session_id": session.id, "gain_db": 1.0})

    after = asyncio.run(go())
    assert not after.is_error  # the server lives on
    assert [v.step["tool"] for v in store.history(session.id)] == ["create", "gain"]
