"""The OpenAI-tools loop and LangChain agent examples, driven by scripted models (no network)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bandmate.core.testsignals import sine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class ScriptedOpenAI:
    """Replies in order: a bad call, its fix, then plain text. Records what the tools answered."""

    def __init__(self, calls: list[list[tuple[str, str]]]):
        self.script, self.seen = [*calls, []], []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def create(self, *, model, messages, tools):
        self.seen.append([m for m in messages if m["role"] == "tool"])
        calls = self.script.pop(0)
        tcs = [SimpleNamespace(id=f"c{i}", function=SimpleNamespace(name=n, arguments=a))
               for i, (n, a) in enumerate(calls)]
        msg = SimpleNamespace(tool_calls=tcs or None, content=None if tcs else "done",
                              model_dump=lambda **_: {"role": "assistant", "content": "x"})
        return SimpleNamespace(choices=[SimpleNamespace(message=msg)])


def test_openai_loop_feeds_errors_back_and_applies_the_fix(make_session, store):
    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    client = ScriptedOpenAI([[("gain", '{"gain_db": true}')], [("gain", '{"gain_db": -6, "target": null}')]])
    assert example("openai_tools_loop").run(client, "m", session, "quieter") == "done"
    assert "boolean" in client.seen[1][-1]["content"]
    assert json.loads(client.seen[2][-1]["content"])["version"] == 2
    assert np.abs(session.mix().samples).max() == pytest.approx(0.2 * 10 ** (-6 / 20), rel=1e-3)


def test_langchain_agent_runs_scripted_tool_calls(make_session, store):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    class Fake(GenericFakeChatModel):
        def bind_tools(self, tools, **kw):
            return self

    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    replies = iter([AIMessage(content="", tool_calls=[{"name": "gain", "args": {"gain_db": 3.0}, "id": "a"}]),
                    AIMessage(content="louder now")])
    assert example("langchain_agent").run(Fake(messages=replies), session, "louder") == "louder now"
    assert store.info(session.id).head == 2
