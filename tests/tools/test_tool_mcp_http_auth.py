"""`bandmate mcp --http`: the bearer token beyond loopback, and concurrent clients losing nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from test_tool_mcp_http import free_port, wait_for_port

from bandmate.core.testsignals import sine

TOKEN = "s3cret-token-for-tests"


def start(store, bind, token=None):
    env = {"BANDMATE_HOME": str(store.home), "PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    if token:
        env["BANDMATE_MCP_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-m", "bandmate.cli", "mcp", "--http", bind], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def gains(port, sid, token, calls):
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=120) as http, \
            streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http) as streams, \
            ClientSession(streams[0], streams[1]) as client:
        await client.initialize()
        return [await client.call_tool("gain", {"session_id": sid, "gain_db": 0.1}) for _ in range(calls)]


def test_public_bind_without_token_is_refused(store):
    proc = start(store, f"0.0.0.0:{free_port()}")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and b"BANDMATE_MCP_TOKEN" in err


@pytest.mark.timeout(240)
def test_token_checked_and_concurrent_clients_all_land_on_the_head_line(make_session, store):
    import httpx2

    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    port = free_port()
    proc = start(store, f"0.0.0.0:{port}", TOKEN)
    try:
        wait_for_port(port, proc)
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = httpx2.post(f"http://127.0.0.1:{port}/mcp", headers=headers, json={})
            assert r.status_code == 401
        clients, calls = 6, 3

        async def all_clients():
            return await asyncio.gather(*(gains(port, session.id, TOKEN, calls) for _ in range(clients)))

        results = [r for batch in asyncio.run(all_clients()) for r in batch]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    ok = [r for r in results if not r.is_error]
    failed = [r for r in results if r.is_error]
    assert all("changed while this ran" in r.content[0].text for r in failed)  # every failure says so
    hist = store.history(session.id)
    assert len(hist) - 1 == len(ok) >= clients * calls - 2
    assert [v.parent for v in hist[1:]] == [v.id - 1 for v in hist[1:]]  # one line, no silent branch
    assert store.info(session.id).head == hist[-1].id
    assert sorted(r.structured_content["version"] for r in ok) == [v.id for v in hist[1:]]
