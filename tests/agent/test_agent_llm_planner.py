"""The LLM planner's loop driven by a scripted chat model: valid calls, repairs, refusals, fallback."""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import Field

from bandmate.agent.llm_meta import META_MODELS
from bandmate.agent.llm_planner import LLMPlanner
from bandmate.agent.llm_prompt import PROMPT_VERSION, build_messages
from bandmate.agent.view import SessionView
from bandmate.core.errors import BackendUnavailable
from bandmate.core.settings import Settings
from bandmate.memory.knowledge import Hit
from bandmate.memory.state import StateTable
from bandmate.tools import default_registry

WARM_BASS = "make the bass warmer in bars 5-8"


class ScriptedChat(GenericFakeChatModel):
    """Replays AIMessages in order; remembers the tools bound and every message list it was sent."""

    bound: list = Field(default_factory=list)
    seen: list = Field(default_factory=list)

    def bind_tools(self, tools, **kwargs):
        self.bound = list(tools)
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


class BrokenChat(ScriptedChat):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        raise ConnectionError("connection refused by 127.0.0.1:9")


def call(name: str, i: int = 0, **args) -> dict:
    return {"name": name, "args": args, "id": f"call_{name}_{i}"}


def reply(*calls: dict, content: str = "", invalid: tuple = ()) -> AIMessage:
    return AIMessage(content=content, tool_calls=list(calls), invalid_tool_calls=list(invalid))


WARM_EQ = call("eq", target="bass", start_bar=5, end_bar=8, low_shelf_hz=250, low_shelf_db=3.0,
               high_shelf_hz=5000, high_shelf_db=-2.5)
EXPLAIN = call("explain_plan", explanation="Warmer bass: +3 dB below 250 Hz, -2.5 dB above 5 kHz in bars 5-8.",
               expected=[{"measure": "centroid_hz", "direction": "down", "target": "bass"}])


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture
def make(kb, offline_planner, registry):
    def build(*script, chat_cls=ScriptedChat):
        chat = chat_cls(messages=iter(script))
        return LLMPlanner(chat, registry, kb, offline_planner), chat
    return build


def last_feedback(chat) -> list:
    """The messages that the planner added after the model's previous reply (tool results + error list)."""
    msgs = chat.seen[-1]
    i = max(k for k, m in enumerate(msgs) if isinstance(m, AIMessage))
    return msgs[i + 1:]


# ---- valid calls ------------------------------------------------------------------------------------
def test_valid_call_becomes_the_plan(make, band_view, registry):
    planner, chat = make(reply(WARM_EQ, EXPLAIN))
    plan = planner.plan(WARM_BASS, band_view)
    assert plan.kind == "edit" and plan.planner == "llm" and plan.notes == []
    assert [s.tool for s in plan.steps] == ["eq"]
    args = plan.steps[0].args
    assert args["target"] == "bass" and (args["start_bar"], args["end_bar"]) == (5, 8)
    assert args["low_shelf_db"] == 3.0 and args["high_shelf_db"] == -2.5
    assert plan.explanation.startswith("Warmer bass")
    assert [(e.measure, e.direction, e.target) for e in plan.expected] == [("centroid_hz", "down", "bass")]
    assert "warm" in plan.terms
    # the registry's tools and the four planning functions are bound; one model call was enough
    names = [t["function"]["name"] for t in chat.bound]
    assert names == [*registry.names(), *META_MODELS]
    assert len(chat.seen) == 1 and len(planner.last_trace) == 1
    system, user = chat.seen[0]
    assert isinstance(system, SystemMessage) and isinstance(user, HumanMessage) and user.content == WARM_BASS
    assert '"tempo_bpm": 120' in system.content and '"warm" (timbre' in system.content


@pytest.mark.parametrize("low_db, high_db, directions", [
    (3.0, -2.5, {"centroid_hz": "down"}),                            # the recipe's way: its proof
    (-3.0, 2.5, {"centroid_hz": "up"}),                              # all the other way: proof flipped
    (3.0, 2.5, {}),                                                  # mixed: no claim at all
])
def test_expected_changes_default_to_the_followed_recipes_proof(make, band_view, low_db, high_db, directions):
    eq = call("eq", target="bass", low_shelf_hz=250, low_shelf_db=low_db, high_shelf_db=high_db)
    planner, _ = make(reply(eq, content="Warming the bass."))
    plan = planner.plan("make the bass warmer", band_view)
    assert plan.explanation == "Warming the bass."
    assert {e.measure: e.direction for e in plan.expected} == directions
    assert all(e.target == "bass" for e in plan.expected)


def test_explicit_nulls_and_unset_fields_do_not_enter_the_args(make, band_view):
    planner, _ = make(reply(call("reverb", target="keys", wet_level=0.4, start_s=None, end_bar=None)))
    plan = planner.plan("more space on the keys", band_view)
    assert plan.steps[0].args == {"target": "keys", "wet_level": 0.4}
    assert plan.explanation  # built from the call when the model gave none


def test_mix_only_session_is_separated_before_a_stem_edit(make):
    view = SessionView(stems=[], duration_s=12.0, state=StateTable(tempo_bpm=100), version=1)
    planner, _ = make(reply(call("gain", target="vocals", gain_db=3.0)))
    plan = planner.plan("louder vocals", view)
    assert [s.tool for s in plan.steps] == ["separate", "gain"]


# ---- repairs ----------------------------------------------------------------------------------------
def test_invalid_args_are_sent_back_and_the_repair_is_used(make, band_view):
    bad = call("eq", target="bass", low_shelf_db=99.0)
    planner, chat = make(reply(bad, EXPLAIN), reply(WARM_EQ, EXPLAIN))
    plan = planner.plan(WARM_BASS, band_view)
    assert plan.planner == "llm" and plan.steps[0].args["low_shelf_db"] == 3.0
    assert len(chat.seen) == 2 and len(planner.last_trace) == 2
    assert planner.last_trace[1].errors == []
    [first_error] = planner.last_trace[0].errors
    assert first_error["call_id"] == "call_eq_0" and "low_shelf_db" in first_error["error"]
    tool_msgs = [m for m in last_feedback(chat) if isinstance(m, ToolMessage)]
    # every call of the rejected reply is answered, the bad one with its error, the good one as valid
    by_id = {m.tool_call_id: json.loads(m.content) for m in tool_msgs}
    assert by_id["call_eq_0"]["ok"] is False and "less than or equal to 24" in by_id["call_eq_0"]["errors"][0]
    assert by_id["call_explain_plan_0"]["ok"] is True
    errors_json = last_feedback(chat)[-1].content.split("Errors (JSON):\n", 1)[1].rsplit("\nSend", 1)[0]
    assert json.loads(errors_json)[0]["function"] == "eq"


def test_unknown_tool_gets_the_list_of_valid_tools(make, band_view, registry):
    planner, chat = make(reply(call("make_warmer", amount=3)), reply(WARM_EQ, EXPLAIN))
    plan = planner.plan(WARM_BASS, band_view)
    assert plan.planner == "llm" and plan.tools() == ["eq"]
    [tool_msg] = [m for m in last_feedback(chat) if isinstance(m, ToolMessage)]
    error = json.loads(tool_msg.content)["errors"][0]
    assert "unknown function 'make_warmer'" in error
    assert all(name in error for name in [*registry.names(), *META_MODELS])


def test_malformed_json_arguments_are_repaired(make, band_view):
    broken = {"name": "eq", "args": '{"target": "bass", "low_shelf_db": 3', "id": "call_bad",
              "error": "Expecting ',' delimiter", "type": "invalid_tool_call"}
    planner, chat = make(reply(invalid=(broken,)), reply(WARM_EQ, EXPLAIN))
    plan = planner.plan(WARM_BASS, band_view)
    assert plan.planner == "llm" and plan.tools() == ["eq"]
    [tool_msg] = [m for m in last_feedback(chat) if isinstance(m, ToolMessage)]
    assert tool_msg.tool_call_id == "call_bad"
    assert "not a valid JSON object" in json.loads(tool_msg.content)["errors"][0]


@pytest.mark.parametrize("bad, match", [
    (call("eq", target="piano", low_shelf_db=2.0), r"target='piano' is not in this session; .*bass, drums"),
    (call("gain", target="bass", gain_db=-3.0, start_bar=9, end_bar=12), r"only 8 bars"),
    (call("gain", target="bass", gain_db=-3.0, start_s=30.0), r"past the end of the session \(16.00 s\)"),
    (call("gain", target="bass", gain_db="20-30"), r"gain_db: Input should be a valid number.*'20-30'"),
    (call("remove_stem", stem="tuba"), r"stem='tuba' is not in this session"),
    (call("history", action="checkout"), r"needs version"),
    (call("history", action="checkout", version=9), r"version 9 does not exist; this session is at version 3"),
    (call("ask_clarification", question="Which way?", options=["warmer"]), r"options: List should have at least 2"),
    (call("explain_plan", explanation="Just explaining."), r"no tool was called"),
    (call("answer_question", topic="mood"), r"topic: Input should be 'key', 'tempo'"),
])
def test_problems_are_sent_back_as_messages(make, band_view, bad, match):
    """Each bad reply is refused with a readable reason; the model's output is parsed, never evaluated."""
    planner, _ = make(reply(bad), reply(WARM_EQ, EXPLAIN))
    plan = planner.plan(WARM_BASS, band_view)
    assert plan.planner == "llm" and plan.tools() == ["eq"]
    errors = " | ".join(e["error"] for e in planner.last_trace[0].errors)
    assert re.search(match, errors), errors


@pytest.mark.parametrize("calls, match", [
    ((call("ask_clarification", question="Which?", options=["a", "b"]), WARM_EQ), r"must be called alone"),
    ((call("history", action="undo"), call("answer_question", topic="key")), r"call only one of"),
    ((call("answer_question", topic="key"), WARM_EQ), r"may only go with analysis tools, not eq"),
    ((call("explain_plan", explanation="one"), call("explain_plan", explanation="two", i=1), WARM_EQ),
     r"called twice"),
])
def test_functions_that_do_not_go_together_are_refused(make, band_view, calls, match):
    planner, _ = make(reply(*calls), reply(WARM_EQ, EXPLAIN))
    assert planner.plan(WARM_BASS, band_view).planner == "llm"
    assert any(re.search(match, e["error"]) for e in planner.last_trace[0].errors)


def test_empty_session_must_start_by_creating_one(make, registry):
    if not any(s.creates_session for s in registry):
        pytest.skip("no session-creating tool is registered yet")
    planner, _ = make(reply(call("eq", low_shelf_db=2.0)), reply(call("generate", prompt="lo-fi", tempo_bpm=80)))
    plan = planner.plan("a dreamy lo-fi loop, 80 bpm", SessionView())
    assert plan.tools() == ["generate"] and plan.steps[0].args["tempo_bpm"] == 80
    assert "there is no audio yet: start with one of generate" in planner.last_trace[0].errors[0]["error"]


# ---- fallback ---------------------------------------------------------------------------------------
def test_exhausted_repairs_hand_over_to_the_offline_planner(make, band_view, offline_planner):
    bad = reply(call("eq", target="bass", low_shelf_db=99.0))
    planner, chat = make(bad, bad, bad, reply(WARM_EQ))
    plan = planner.plan(WARM_BASS, band_view)
    assert len(chat.seen) == 3  # the first try and two repairs, no more
    offline = offline_planner.plan(WARM_BASS, band_view)
    assert plan.planner == "offline" and plan.steps == offline.steps
    assert plan.notes[-1].startswith("The LLM planner could not plan this: its function calls were still "
                                     "invalid after 2 repairs (invalid arguments for eq: low_shelf_db")
    assert "offline planner" in plan.text()


@pytest.mark.parametrize("script, chat_cls, why", [
    ((reply(content="Sure! I would boost the low shelf."),), ScriptedChat, "without calling any function"),
    ((), BrokenChat, "the model call failed (ConnectionError: connection refused"),
])
def test_no_calls_or_a_failing_model_fall_back_with_a_note(make, band_view, script, chat_cls, why):
    planner, _ = make(*script, chat_cls=chat_cls)
    plan = planner.plan(WARM_BASS, band_view)
    assert plan.planner == "offline" and plan.kind == "edit"
    assert why in plan.notes[-1] and planner.last_trace[-1].failure and why in planner.last_trace[-1].failure


# ---- the other kinds of plan ------------------------------------------------------------------------
def test_clarification(make, band_view):
    ask = call("ask_clarification", question="Better in which way?",
               options=["tighter drums", "warmer keys", "more space"])
    planner, _ = make(reply(ask))
    plan = planner.plan("make it better", band_view)
    assert plan.kind == "clarify" and plan.planner == "llm" and plan.steps == []
    assert plan.clarification.options == ["tighter drums", "warmer keys", "more space"]
    assert plan.text() == "Better in which way? [tighter drums | warmer keys | more space]"


@pytest.mark.parametrize("topic, extra, tools", [
    ("key", (), []),                                   # the state knows the key: no analysis
    ("chords", (), ["analyze"]),                       # no chords in the state: analyse first
    ("tempo", (call("analyze", what=["tempo"]),), ["analyze"]),  # the model's own analysis is kept once
])
def test_answer(make, band_view, topic, extra, tools):
    planner, _ = make(reply(call("answer_question", topic=topic), *extra))
    plan = planner.plan(f"what's the {topic}?", band_view)
    assert plan.kind == "answer" and plan.question == topic and plan.tools() == tools


def test_history(make, band_view):
    planner, _ = make(reply(call("history", action="undo", steps=2)))
    plan = planner.plan("undo the last two things", band_view)
    assert plan.kind == "history" and (plan.history.action, plan.history.steps) == ("undo", 2)
    assert plan.explanation == "Going back 2 step(s)."


# ---- prompt and construction ------------------------------------------------------------------------
def test_prompt_carries_state_tools_explanations_and_corrections(kb, band_view, registry):
    hits = [Hit("warm", 0.8, "example", "make the bass warmer"),
            Hit("@remove_stem", 0.5, "intent", "remove the drums"),
            Hit("warm", 0.7, "correction", "make it warm", meaning="less harsh highs")]
    system, user = build_messages("warmer bass", band_view, hits, registry, kb.lexicon)
    text = system["content"]
    assert f"version: {PROMPT_VERSION}" in text.splitlines()[0] and user == {"role": "user",
                                                                               "content": "warmer bass"}
    brief = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    assert brief["stems"] == band_view.stems and brief["key"] == "A minor" and brief["bars"] == 8.0
    assert all(f"\n- {name}(" in text for name in [*registry.names(), *META_MODELS])
    assert "gain_db: number [-60..24]" in text
    assert "recipe: eq(low_shelf_hz=200, low_shelf_db=3.0 [0.5..8]" in text
    assert "proof: centroid_hz down" in text
    assert "action 'remove_stem'" in text and '- by "warm" this user means: less harsh highs' in text
    assert "$" not in text.replace("$stem", "")  # every placeholder was filled


@pytest.mark.parametrize("env, match", [
    ({}, r"BANDMATE_LLM_MODEL.*OPENAI_BASE_URL.*OPENAI_API_KEY"),
    ({"BANDMATE_LLM_MODEL": "gpt-4o-mini"}, r"no endpoint: OPENAI_API_KEY and OPENAI_BASE_URL are both unset"),
])
def test_from_settings_refuses_missing_configuration(kb, offline_planner, registry, env, match):
    with pytest.raises(BackendUnavailable, match=match):
        LLMPlanner.from_settings(Settings.from_env(env), registry=registry, kb=kb, fallback=offline_planner)


# ---- end to end -------------------------------------------------------------------------------------
def test_llm_plan_runs_through_the_agent_and_is_measured(make, make_session, band_stems):
    """The same Turn runs an LLM plan: the bass's lows rise by the shelf's gain, the keys stay bit-identical."""
    from bandmate.agent.turn import Agent
    from bandmate.core import measures
    from bandmate.tools.context import Backends

    session = make_session(stems=band_stems, tempo_bpm=120)
    keys_before = session.stem("keys").samples.copy()
    lows_before = measures.band_db(session.stem("bass"), 40, 150)
    eq = call("eq", target="bass", low_shelf_hz=250, low_shelf_db=3.0)
    explain = call("explain_plan", explanation="Warmer bass: +3 dB shelf below 250 Hz.",
                   expected=[{"measure": "band_db:40-150", "direction": "up", "target": "bass"}])
    planner, _ = make(reply(eq, explain))
    agent = Agent(planner=planner, registry=planner.registry, kb=planner.kb, settings=Settings.from_env(),
                  backends=Backends())
    res = agent.turn("make the bass warmer", session)
    assert res.plan.planner == "llm" and res.execution.ok and not res.adjusted
    [m] = res.execution.measured
    assert m.ok and 2.5 < m.delta < 3.3, m.delta  # a +3 dB shelf at 250 Hz lifts 55/110 Hz by ~2.8-3 dB
    assert 2.5 < measures.band_db(session.stem("bass"), 40, 150) - lows_before < 3.3
    assert (session.stem("keys").samples == keys_before).all()


# ---- the request's own rules hold for the model's plan too ---------------------------------------------
def test_a_stated_constraint_is_kept_on_the_models_plan(make):
    view = SessionView(stems=["drums", "bass", "keys"], duration_s=16.0, state=StateTable(tempo_bpm=120), version=2)
    bright = call("eq", target="mix", peak1_hz=4000, peak1_db=3.0, peak1_q=0.7)
    planner, _ = make(reply(bright, call("explain_plan", explanation="Brighter: +3 dB at 4 kHz.", expected=[])))
    plan = planner.plan("make it brighter but leave the drums alone", view)
    assert plan.planner == "llm" and plan.kind == "edit"
    assert sorted(plan.targets()) == ["bass", "keys"], plan.text()  # the mix EQ re-aimed, the drums kept
    assert [c.kind for c in plan.constraints] == ["keep_stem"]


def test_a_plan_that_would_break_a_constraint_is_refused(make):
    view = SessionView(stems=["drums", "bass", "keys"], duration_s=16.0, state=StateTable(tempo_bpm=120), version=2)
    faster = call("time_stretch", rate=1.1)
    planner, _ = make(reply(faster, call("explain_plan", explanation="Faster.", expected=[])))
    plan = planner.plan("tighten it up but don't change the tempo", view)
    assert plan.kind == "clarify" and "tempo" in plan.clarification.question
    assert plan.clarification.options[-1] == "leave it as it is"


def test_a_follow_up_is_read_exactly_without_the_model(kb, offline_planner, registry, make_session, make):
    from bandmate.agent.turn import Agent
    from bandmate.core.testsignals import mixture, sine

    session = make_session(stems={"bass": mixture(sine(55, 2.0, amplitude=0.3), sine(110, 2.0, amplitude=0.1)),
                                  "keys": sine(440, 2.0, amplitude=0.2)}, tempo_bpm=120)
    Agent(planner=offline_planner, registry=registry, kb=kb, user="llm-follow").turn("bass up a bit", session)
    planner, chat = make()  # no scripted reply: calling the model would fail
    plan = planner.plan("a bit less", SessionView.of(session))
    assert plan.planner == "llm" and chat.seen == []
    assert plan.targets() == ["bass"] and all(s.args["gain_db"] < 0 for s in plan.steps)
