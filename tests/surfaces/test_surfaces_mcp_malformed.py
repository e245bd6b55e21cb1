"""Malformed input never kills the server: stdio keeps answering, HTTP answers a JSON-RPC error."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


@pytest.mark.timeout(120)
def test_stdio_survives_garbage_deep_json_and_unknown_methods(tmp_path):
    env = {**os.environ, "BANDMATE_HOME": str(tmp_path / "home"), "PYTHONPATH": SRC}
    p = subprocess.Popen([sys.executable, "-m", "bandmate.cli", "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env)

    def send(obj):
        p.stdin.write(((obj if isinstance(obj, str) else json.dumps(obj)) + "\n").encode())
        p.stdin.flush()

    def recv(timeout_s=30.0):
        ready, _, _ = select.select([p.stdout], [], [], timeout_s)
        return json.loads(p.stdout.readline()) if ready else None

    try:
        send("this is not json")
        send('{"jsonrpc":"2.0","id":9,"method":"initialize","params":' + "[" * 5000 + "]" * 5000 + "}")
        send(INIT)
        answers = [recv(), recv(5.0)]
        init = next(a for a in answers if a and a.get("id") == 1)
        assert "result" in init
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "no/such"})
        assert recv()["error"]["code"] == -32601
        deep = {"a": 1}
        for _ in range(100):
            deep = [deep]
        send({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
              "params": {"name": "gain", "arguments": {"session_id": "x", "gain_db": deep}}})
        res = recv()["result"]
        assert res["isError"] and "levels deep" in res["content"][0]["text"]
        send({"jsonrpc": "2.0", "id": 4, "method": "tools/list"})
        assert len(recv()["result"]["tools"]) > 20
        assert p.poll() is None
    finally:
        p.stdin.close()
        p.wait(timeout=20)


@pytest.mark.timeout(120)
def test_http_answers_malformed_json_with_a_jsonrpc_error(store):
    import httpx2
    from http_probe import free_port, wait_for_port

    port = free_port()
    env = {**os.environ, "BANDMATE_HOME": str(store.home), "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "bandmate.cli", "mcp", "--http", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        r = httpx2.post(f"http://127.0.0.1:{port}/mcp", headers=headers, content=b"{not json")
        assert r.status_code == 400 and r.json()["error"]["code"] == -32700
        r = httpx2.post(f"http://127.0.0.1:{port}/mcp", headers=headers,
                        content=b'{"jsonrpc":"2.0","id":1,"method":"x","params":' + b"[" * 5000 + b"]" * 5000 + b"}")
        assert r.status_code >= 400 and "error" in r.json()
        r = httpx2.post(f"http://127.0.0.1:{port}/mcp", headers=headers, json=INIT)
        assert r.status_code == 200 and proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=20)
