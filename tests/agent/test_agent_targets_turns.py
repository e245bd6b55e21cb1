"""Whole turns on audio (agent/targets.py): a generated song's chorus, and a real instrumental whose
separated 'vocals' is bleed. Levels are measured on the mixes before and after the turn."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.agent.turn import Agent
from bandmate.core.audio_io import load
from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool


def rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


@pytest.fixture
def agent(offline_planner, kb):
    return Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="ana")


def test_make_the_chorus_louder_changes_only_the_chorus(store, agent):
    gen = run_tool(default_registry(), "generate", {"prompt": "pop in C major at 120 bpm with drums, bass and keys, "
                                                              "form verse:4 chorus:4 verse:4"},
                   store=store, session_id=None)
    session = Session(store, gen.version.session_id)
    chorus = next(s for s in session.head.state.sections if s.name == "chorus")
    assert (chorus.start_s, chorus.end_s) == (8.0, 16.0)  # written: bars 5-8 at 2 s a bar
    before = session.mix()
    res = agent.turn("make the chorus louder", session)
    assert res.plan.kind == "edit" and res.execution.ok, res.message
    after = session.mix()
    sr = before.sample_rate
    a, b = int(chorus.start_s * sr), int(chorus.end_s * sr)
    edge = int(0.05 * sr)  # the gain's short ramps at the range's edges
    inside = rms_db(after.samples[:, a + edge:b - edge]) - rms_db(before.samples[:, a + edge:b - edge])
    assert inside == pytest.approx(3.0, abs=0.3), res.message
    outside = np.concatenate([before.samples[:, :a - edge] - after.samples[:, :a - edge],
                              before.samples[:, b + edge:] - after.samples[:, b + edge:]], axis=1)
    assert np.max(np.abs(outside)) < 1e-4  # the verses are untouched
    assert "'the chorus' is 8.0–16.0 s (the written form)" in res.message


def test_turning_up_vocals_that_are_only_bleed_changes_nothing(real_data, make_session, agent):
    mix = load(real_data / "vibe_ace.ogg").slice_s(30.0, 40.0)  # vibraphone, piano, bass, drums: no voice
    session = make_session(mix=mix)
    start = session.head.id
    res = agent.turn("turn the vocals up", session)
    assert res.plan.kind == "clarify", res.message
    assert "I can't hear a voice in this recording" in res.message
    level = float(res.message.split("only bleed from the other parts (")[1].split(" dB")[0])
    assert level < -20.0  # measured by the separation the turn ran
    assert session.head.id == start == res.version_after and session.head.stems == {}
    assert session.store.info(session.id).redo == []  # the separation is not waiting to be redone
    assert "turn the mix up" in res.plan.clarification.options


def test_the_vibraphone_is_edited_in_other_and_said(real_data, make_session, agent):
    mix = load(real_data / "vibe_ace.ogg").slice_s(30.0, 40.0)
    session = make_session(mix=mix)
    res = agent.turn("make the vibraphone brighter", session)
    assert res.plan.kind == "edit" and res.execution.ok, res.message
    assert "The vibraphone has no stem of its own: it lives in 'other'" in res.message
    edited = [o for o in res.execution.outcomes if o.tool != "separate"]
    assert edited and all(o.args.target == "other" for o in edited)
    # 'bright' is proved by the 2-8 kHz band, where the crowd hears brightness, on the stem that was edited
    bright = next(m for m in res.execution.measured if m.expected.measure == "band_db:2000-8000")
    assert bright.expected.target == "other" and bright.after - bright.before > 1.5, bright.text()
