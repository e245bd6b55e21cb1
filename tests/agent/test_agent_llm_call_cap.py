"""A model reply with too many tool calls is sent back (never 30 versions from one reply)."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bandmate.agent.llm_planner import MAX_TOOL_CALLS_PER_REPLY, LLMPlanner
from bandmate.tools import default_registry


class Scripted(GenericFakeChatModel):
    def bind_tools(self, tools, **kwargs):
        return self


def gains(n: int) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "gain", "args": {"target": "bass", "gain_db": -0.5},
                                              "id": f"g{i}"} for i in range(n)])


def test_thirty_calls_are_refused_and_the_repair_is_used(kb, offline_planner, band_view):
    script = iter([gains(30), gains(2)])
    planner = LLMPlanner(Scripted(messages=script), default_registry(), kb, offline_planner)
    plan = planner.plan("turn the bass down a little", band_view)
    first = planner.last_trace[0].errors
    assert len(first) == 30 and f"at most {MAX_TOOL_CALLS_PER_REPLY}" in first[0]["error"]
    assert plan.planner == "llm" and len(plan.steps) == 2


def test_a_model_that_insists_falls_back_to_the_offline_planner(kb, offline_planner, band_view):
    script = iter([gains(30)] * 3)
    planner = LLMPlanner(Scripted(messages=script), default_registry(), kb, offline_planner)
    plan = planner.plan("turn the bass down a little", band_view)
    assert plan.planner != "llm" and len(plan.steps) <= MAX_TOOL_CALLS_PER_REPLY
    assert any("LLM planner could not plan" in n for n in plan.notes)
