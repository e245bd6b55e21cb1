"""The LLM planner over real HTTP: ``langchain_openai.ChatOpenAI`` against a local OpenAI-compatible server.

The server is scripted (it replays canned ``chat.completions`` responses with tool calls); it is not a
language model. It exercises the whole client path: settings from the environment, tool binding, the
request body, tool-call JSON parsing, repair messages, and fallback on a network failure.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bandmate.agent.llm_meta import META_MODELS
from bandmate.agent.llm_planner import LLMPlanner
from bandmate.core.settings import Settings
from bandmate.tools import default_registry

pytest.importorskip("langchain_openai")

REQUEST = "make the bass warmer in bars 5-8"
GOOD_EQ = {"target": "bass", "start_bar": 5, "end_bar": 8, "low_shelf_hz": 250, "low_shelf_db": 3.0,
           "high_shelf_db": -2.5}
EXPLAIN = {"explanation": "Warmer bass in bars 5-8.",
           "expected": [{"measure": "band_db:120-500", "direction": "up", "target": "bass"}]}


def completion(*calls: tuple[str, object], n: int = 0) -> dict:
    """A chat.completions response whose message carries ``calls`` (arguments as a JSON string, or raw)."""
    tool_calls = [{"id": f"call_{n}_{i}", "type": "function",
                   "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                  for i, (name, args) in enumerate(calls)]
    return {"id": f"chatcmpl-{n}", "object": "chat.completion", "created": 0, "model": "scripted-model",
            "choices": [{"index": 0, "finish_reason": "tool_calls",
                         "message": {"role": "assistant", "content": None, "tool_calls": tool_calls}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        answer = self.server.script.pop(0) if self.server.script else completion()
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.script, srv.seen = [], []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def planner_for(base_url: str, kb, offline_planner) -> LLMPlanner:
    settings = Settings.from_env({"BANDMATE_LLM_MODEL": "scripted-model", "OPENAI_BASE_URL": base_url,
                                  "OPENAI_API_KEY": "test-key"})
    return LLMPlanner.from_settings(settings, registry=default_registry(), kb=kb, fallback=offline_planner,
                                    timeout_s=10)


def test_plan_over_http_with_one_repair(server, kb, offline_planner, band_view):
    server.script = [completion(("eq", {**GOOD_EQ, "low_shelf_db": 99}), ("explain_plan", EXPLAIN), n=1),
                     completion(("eq", GOOD_EQ), ("explain_plan", EXPLAIN), n=2)]
    planner = planner_for(f"http://127.0.0.1:{server.server_address[1]}/v1", kb, offline_planner)
    plan = planner.plan(REQUEST, band_view)
    assert plan.planner == "llm" and plan.kind == "edit" and plan.notes == []
    assert plan.tools() == ["eq"] and plan.steps[0].args["low_shelf_db"] == 3.0
    assert plan.explanation == "Warmer bass in bars 5-8."
    assert [(e.measure, e.direction, e.target) for e in plan.expected] == [("band_db:120-500", "up", "bass")]

    first, second = server.seen
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer test-key"
    body = first["body"]
    assert body["model"] == "scripted-model" and body["temperature"] == 0
    names = [t["function"]["name"] for t in body["tools"]]
    assert names == [*default_registry().names(), *META_MODELS]
    system = body["messages"][0]
    assert system["role"] == "system" and "version: planner_v1" in system["content"]
    assert '"tempo_bpm": 120' in system["content"] and '"key": "A minor"' in system["content"]  # state table
    assert '"warm" (timbre' in system["content"] and "proof: centroid_hz down" in system["content"]  # retrieved
    assert body["messages"][1] == {"role": "user", "content": REQUEST}
    # the repair request replays the assistant's calls and answers each with a tool message
    roles = [m["role"] for m in second["body"]["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool", "user"]
    assistant, bad, good = second["body"]["messages"][2:5]
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_1_0", "call_1_1"]
    assert bad["tool_call_id"] == "call_1_0" and "low_shelf_db" in json.loads(bad["content"])["errors"][0]
    assert good["tool_call_id"] == "call_1_1" and json.loads(good["content"])["ok"] is True


def test_malformed_arguments_over_http_are_repaired(server, kb, offline_planner, band_view):
    server.script = [completion(("eq", '{"target": "bass", "low_shelf_db": 3'), n=1),
                     completion(("eq", GOOD_EQ), n=2)]
    planner = planner_for(f"http://127.0.0.1:{server.server_address[1]}/v1", kb, offline_planner)
    plan = planner.plan(REQUEST, band_view)
    assert plan.planner == "llm" and plan.tools() == ["eq"]
    [error] = planner.last_trace[0].errors
    assert error["function"] == "eq" and "not a valid JSON object" in error["error"]
    tool_msg = server.seen[1]["body"]["messages"][3]
    assert tool_msg["role"] == "tool" and tool_msg["tool_call_id"] == "call_1_0"


def test_unreachable_server_falls_back_to_offline(kb, offline_planner, band_view):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    planner = planner_for(f"http://127.0.0.1:{port}/v1", kb, offline_planner)
    plan = planner.plan(REQUEST, band_view)
    assert plan.planner == "offline" and plan.kind == "edit"
    assert re.search(r"the model call failed \(\w*ConnectionError: Connection error", plan.notes[-1])
