"""Both planners implement one protocol, and the planner (not the turn) reads a correction."""

from __future__ import annotations

from bandmate.agent.llm_planner import LLMPlanner
from bandmate.agent.planner import Planner
from bandmate.agent.turn import Agent
from bandmate.tools import default_registry


class NoModel:
    """A chat model that must not be asked: the test fails if the planner calls it."""

    def bind_tools(self, *a, **k):
        return self

    def invoke(self, messages):
        raise AssertionError("a correction must be read without the model")


def test_both_planners_are_planners(offline_planner, kb):
    llm = LLMPlanner(NoModel(), default_registry(), kb, offline_planner)
    assert isinstance(offline_planner, Planner) and isinstance(llm, Planner)


def test_a_correction_is_read_by_either_planner(offline_planner, kb, band_view):
    llm = LLMPlanner(NoModel(), default_registry(), kb, offline_planner)
    for planner in (offline_planner, llm):
        plan = planner.plan("no, by warm I mean less harsh highs", band_view)
        assert plan.kind == "correction" and plan.planner == planner.name
        assert (plan.correction.word, plan.correction.meaning) == ("warm", "less harsh highs")
    # an ordinary request is not a correction
    assert offline_planner.plan("make the bass warmer", band_view).kind == "edit"


def test_a_correction_with_nothing_to_correct_changes_nothing(offline_planner, kb, store):
    # a user of its own: the knowledge base lives for the whole run and other tests read 'bright'
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="dora")
    res = agent.turn("no, by bright I mean more presence around 3 kHz", None, store=store)
    assert res.plan.kind == "answer" and "nothing to correct" in res.message
    assert store.list_sessions() == []


def test_every_turn_is_recorded_with_its_kind(offline_planner, kb, make_session,
                                                                          band_stems):
    session = make_session(stems=band_stems, tempo_bpm=120)
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb)
    agent.turn("make the bass warmer", session)
    agent.turn("what key is this in?", session)
    agent.turn("make it better", session)
    kinds = [t.kind for t in session.turns()]
    assert kinds == ["edit", "answer", "clarify"], kinds
    assert session.last_turn().request == "make the bass warmer"  # a question is not what "more" repeats
    assert all(t.error is None for t in session.turns())


class OnePlan:
    """A planner that always returns the same plan (a step the session cannot run)."""

    name = "fixed"

    def __init__(self, plan):
        self._plan = plan

    def plan(self, request, view, *, user="default"):
        return self._plan


def test_a_failed_turn_is_recorded_with_its_error(make_session, band_stems, kb):
    from bandmate.agent.plan import Plan, ToolCall

    session = make_session(stems=band_stems, tempo_bpm=120)
    bad = Plan(kind="edit", steps=[ToolCall(tool="gain", args={"target": "choir", "gain_db": 3.0})])
    res = Agent(planner=OnePlan(bad), registry=default_registry(), kb=kb).turn("turn the choir up", session)
    assert res.execution is not None and res.execution.error
    (rec,) = session.turns()
    assert rec.kind == "failed" and "choir" in rec.error and rec.before == rec.after == session.head.id
