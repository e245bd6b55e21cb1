"""Turns on real and composed music that the verify stage and the mix bus's safety stage must get right
(issue 8, failures 7 and 8): "make it louder" never leaves the mix over -0.3 dBFS true peak and says
so; "don't squash it" keeps the crest factor; "more space" is proved by ambience_db and kept."""

from __future__ import annotations

import pytest

from bandmate.agent.plan import ExpectedChange, Plan, ToolCall
from bandmate.agent.turn import Agent
from bandmate.core import measures
from bandmate.core.audio_io import load
from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool
from bandmate.tools.safety import CEILING_DBFS, GENTLE_LIMIT_DB


@pytest.fixture
def agent(offline_planner, kb):
    return Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="ana")


@pytest.fixture
def vibe(real_data, make_session):
    """15 s of the jazz combo at full tilt: true peak -0.4 dBFS, so any boost goes over full scale."""
    return make_session(mix=load(real_data / "vibe_ace.ogg").slice_s(30.0, 45.0))


def test_make_it_louder_on_vibe_ace_stays_under_the_ceiling_and_says_so(agent, vibe):
    before = vibe.mix()
    res = agent.turn("make it louder", vibe)
    after = vibe.mix()
    assert vibe.head.id != res.version_before and not res.adjusted, res.message
    assert measures.peak_dbfs(after) <= CEILING_DBFS
    [acted] = [o.safety for o in res.execution.outcomes if o.safety]
    peak_if_unsafe = measures.peak_dbfs(before) + res.plan.steps[0].args["gain_db"]
    assert acted.startswith(f"safety limiter: peak {peak_if_unsafe:+.1f} → -0.3 dBFS")
    assert acted in res.message
    [m] = res.execution.measured
    assert m.ok and m.delta == pytest.approx(measures.loudness_lufs(after) - measures.loudness_lufs(before))


def test_louder_without_squashing_keeps_the_crest_factor(agent, vibe):
    """The 'don't squash it' reading is the planner's; given it, the bus keeps the dynamics."""
    before = vibe.mix()
    plan = Plan(kind="edit", steps=[ToolCall(tool="gain", args={"gain_db": 3.0})], keep_dynamics=True,
                expected=[ExpectedChange(measure="loudness_lufs", direction="up")],
                explanation="Raising the mix by 3.0 dB without squashing it.")
    res = agent._run("louder but don't squash it", plan, vibe, None)
    after = vibe.mix()
    assert measures.peak_dbfs(after) <= CEILING_DBFS
    assert measures.crest_db(before) - measures.crest_db(after) <= GENTLE_LIMIT_DB
    m, crest = res.execution.measured
    assert m.ok and m.noticeable and m.delta > 0.5, res.message
    assert "as plain gain, to keep the dynamics" in res.message
    # the constraint is proved in the report: the crest factor held within a decibel
    assert crest.expected.measure == "crest_db" and crest.ok
    assert crest.delta == pytest.approx(measures.crest_db(after) - measures.crest_db(before))
    assert f"Measured: crest_db on mix: {crest.before:.3g} → {crest.after:.3g}" in res.message


def _kept_with_more_ambience(agent, session):
    start = session.head.id
    res = agent.turn("give the whole thing more space", session)
    assert "reverb" in res.plan.tools()
    amb = next(m for m in res.execution.measured if m.expected.measure == "ambience_db")
    assert all(e.measure != "decay_s" for e in res.plan.expected)
    assert amb.ok and amb.noticeable, res.message
    assert amb.after == pytest.approx(measures.ambience_db(session.mix()))
    assert session.head.id != start and not res.adjusted                  # kept, not undone
    assert measures.peak_dbfs(session.mix()) <= CEILING_DBFS
    return amb


def test_more_space_on_a_generated_mix_is_proved_and_kept(agent, store):
    out = run_tool(default_registry(), "generate", {"prompt": "dreamy lo-fi loop with drums bass and keys at 80 bpm",
                                                    "bars": 8, "seed": 1}, store=store, session_id=None)
    session = Session(store, out.version.session_id)
    assert _kept_with_more_ambience(agent, session).delta > 2.0


@pytest.mark.parametrize(("name", "start_s"), [("vibe_ace", 30.0), ("hungarian_dance_5", 10.0)])
def test_more_space_on_real_music_is_proved_and_kept(agent, real_data, make_session, name, start_s):
    session = make_session(mix=load(real_data / f"{name}.ogg").slice_s(start_s, start_s + 15.0))
    assert _kept_with_more_ambience(agent, session).delta >= 0.5
