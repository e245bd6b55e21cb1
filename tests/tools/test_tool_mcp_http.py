"""`bandmate mcp --http PORT`: every tool over streamable HTTP on loopback, driven by the SDK's client."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

from bandmate.core.testsignals import sine
from bandmate.tools import default_registry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listened on port {port} within {timeout_s}s")


def test_bandmate_mcp_serves_over_http(make_session, store):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bandmate.cli", "mcp", "--http", str(port)],
                            env={"BANDMATE_HOME": str(store.home), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)

        async def go():
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams, \
                    ClientSession(streams[0], streams[1]) as client:
                await client.initialize()
                names = [t.name for t in (await client.list_tools()).tools]
                return names, await client.call_tool("gain", {"session_id": session.id, "gain_db": -2.0})

        names, result = asyncio.run(go())
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert names[: len(default_registry())] == default_registry().names()
    assert not result.is_error and result.structured_content["version"] == 2
    assert store.info(session.id).head == 2
