"""The LLM planner is refused a stem that the separation measured as only bleed (agent/targets.only_bleed)."""

from __future__ import annotations

from test_agent_llm_planner import ScriptedChat, call, reply
from test_agent_targets import separated

from bandmate.agent.llm_planner import LLMPlanner
from bandmate.tools import default_registry


def test_a_bleed_stem_is_sent_back_and_the_model_asks_instead(kb, offline_planner):
    ask = call("ask_clarification", question="I can't hear a voice in this recording. Turn up something else?",
               options=["turn the drums up", "turn the mix up"])
    chat = ScriptedChat(messages=iter([reply(call("gain", target="vocals", gain_db=3.0)), reply(ask)]))
    planner = LLMPlanner(chat, default_registry(), kb, offline_planner)
    plan = planner.plan("turn the vocals up", separated())
    assert plan.planner == "llm" and plan.kind == "clarify"
    errors = " | ".join(e["error"] for e in planner.last_trace[0].errors)
    assert "target='vocals' holds no real part: the separated stem is only bleed (-38.8 dB" in errors


def test_a_present_stem_is_accepted(kb, offline_planner):
    explain = call("explain_plan", explanation="+3 dB on the vocals.",
                   expected=[{"measure": "loudness_lufs", "direction": "up", "target": "vocals"}])
    chat = ScriptedChat(messages=iter([reply(call("gain", target="vocals", gain_db=3.0), explain)]))
    plan = LLMPlanner(chat, default_registry(), kb, offline_planner).plan("turn the vocals up",
                                                                         separated(vocals_present=True))
    assert plan.kind == "edit" and plan.tools() == ["gain"] and plan.targets() == ["vocals"]
