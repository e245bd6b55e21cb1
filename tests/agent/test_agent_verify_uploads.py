"""Issue 8, failure 1: a stem edit on an uploaded recording is measured on the stem as separated.

The plan separates first, so the version before the turn has no 'vocals' stem; the 'before' of each
expected change is read from the first version that holds it, and the wrong-way check stays on.
"""

from __future__ import annotations

from bandmate.agent.turn import Agent
from bandmate.core.audio_io import load
from bandmate.tools import default_registry


def test_vocals_warmer_on_an_upload_is_measured(real_data, make_session, offline_planner, kb):
    mix = load(real_data / "lets_go_fishin.ogg").slice_s(20.0, 32.0)  # sung verse over the guitar
    session = make_session(mix=mix)
    assert "vocals" not in session.head.stems
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="ana")
    res = agent.turn("make the vocals warmer", session)
    measured = [m for m in res.execution.measured if m.expected.target == "vocals"]
    assert measured, res.message
    assert all(m.error is None for m in measured), [m.text() for m in measured]
    centroid = next(m for m in measured if m.expected.measure == "centroid_hz")
    assert centroid.ok and centroid.after < centroid.before, centroid.text()
    assert "not measured" not in res.message


def test_less_after_an_edit_that_separated_first_redoes_it_on_the_stem(real_data, make_session, offline_planner, kb):
    """'add some reverb to the vocals' on an upload separates first; 'less' undoes that whole turn and
    redoes it with less, so it must split the recording again rather than fail on a missing stem."""
    mix = load(real_data / "lets_go_fishin.ogg").slice_s(20.0, 28.0)
    session = make_session(mix=mix)
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="uploader")
    first = agent.turn("add some reverb to the vocals", session)
    assert first.execution.ok and "vocals" in session.head.stems
    wet = next(s for s in first.plan.steps if s.tool == "reverb").args["wet_level"]
    res = agent.turn("less", session)
    assert res.execution.ok, res.message
    assert [o.tool for o in res.execution.outcomes][:2] == ["separate", "reverb"]
    assert res.execution.outcomes[1].args.wet_level < wet and "vocals" in session.head.stems
