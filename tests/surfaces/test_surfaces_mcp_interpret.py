"""`interpret` (dry run and real) and `reject_last` through an in-process MCP client."""

from __future__ import annotations

import asyncio

import pytest

from bandmate.core.settings import Settings
from bandmate.tools import default_registry


@pytest.mark.timeout(300)
def test_interpret_dry_run_then_edit_then_reject(make_session, band_stems, store):
    from mcp import Client

    from bandmate.memory.knowledge import KnowledgeBase
    from bandmate.surfaces.mcp_server import build_mcp_server

    session = make_session(stems=band_stems, tempo_bpm=120)
    server = build_mcp_server(default_registry(), Settings(home=store.home), store)
    request = "make the bass quieter"

    async def go():
        async with Client(server) as client:
            dry = await client.call_tool("interpret", {"session_id": session.id, "request": request,
                                                       "dry_run": True})
            head_after_dry = store.info(session.id).head
            real = await client.call_tool("interpret", {"session_id": session.id, "request": request})
            rejected = await client.call_tool("reject_last", {"session_id": session.id,
                                                              "reason": "I meant only a little"})
            again = await client.call_tool("reject_last", {"session_id": session.id, "reason": "x"})
            return dry, head_after_dry, real, rejected, again

    dry, head_after_dry, real, rejected, again = asyncio.run(go())
    assert not dry.is_error and dry.structured_content["plan"]["steps"] and head_after_dry == 1
    out = real.structured_content
    assert not real.is_error and out["version_after"] > 1 and out["audio"].endswith(f"/version/{out['head']}/mix.wav")
    assert any(s["args"].get("target") == "bass" for s in out["steps"])
    assert rejected.structured_content["head"] == 1 and store.info(session.id).head == 1
    assert again.is_error and "nothing to reject" in again.content[0].text
    kept = KnowledgeBase(store.home).corrections("default")
    assert [c.meaning for c in kept] == ["not that: I meant only a little"]
