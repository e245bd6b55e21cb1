"""Stopping a turn (the studio's Stop): the running tool commits nothing, no later step runs, and what the
turn already made is left behind, so the session is exactly as it was before the request."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from bandmate.agent.turn import Agent
from bandmate.core.testsignals import mixture, noise, sine
from bandmate.tools import default_registry
from bandmate.tools.spec import Registry


@pytest.fixture
def band(make_session):
    stems = {"bass": mixture(sine(55, 3.0, amplitude=0.3), sine(110, 3.0, amplitude=0.15)),
             "keys": mixture(sine(440, 3.0, amplitude=0.2), sine(3000, 3.0, amplitude=0.05)),
             "drums": noise(3.0, amplitude=0.1, channels=2, color="pink", seed=3)}
    return make_session(stems=stems, tempo_bpm=120, key="A minor")


def _stopping_at(tool: str, cancel: threading.Event) -> Registry:
    """The default tools, with ``tool`` setting ``cancel`` while it runs (the user pressing Stop then)."""
    def wrap(fn):
        def run(args, ctx):
            out = fn(args, ctx)
            cancel.set()
            return out
        return run
    return Registry([dataclasses.replace(s, fn=wrap(s.fn)) if s.name == tool else s for s in default_registry()])


def test_stop_during_the_second_step_leaves_the_first_behind(band, offline_planner, kb):
    cancel = threading.Event()
    agent = Agent(planner=offline_planner, registry=_stopping_at("gain", cancel), kb=kb, user="stopper")
    start = band.head.id
    res = agent.turn("make the bass warmer and make the drums quieter", band, cancel=cancel)
    assert res.plan.tools()[:1] == ["eq"] and "gain" in res.plan.tools(), res.plan.text()
    assert [o.tool for o in res.execution.outcomes] == ["eq"]  # the EQ was committed, the gain was not
    assert band.head.id == start == res.version_after  # and the EQ's version was left behind
    assert res.message.startswith("Stopped: nothing of this request was kept")
    assert band.turns()[-1].kind == "failed"
    assert band.last_turn() is None or band.last_turn().request != res.request  # "a bit more" can't build on it


def test_stop_before_anything_ran_changes_nothing(band, offline_planner, kb):
    cancel = threading.Event()
    cancel.set()
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="stopper")
    start, versions = band.head.id, len(band.history())
    res = agent.turn("make the bass warmer", band, cancel=cancel)
    assert band.head.id == start and res.execution.outcomes == []
    assert "Stopped" in res.message
    # the stopped turn left no version behind it, and the next request works normally
    again = agent.turn("make the bass warmer", band)
    assert again.execution.ok and band.version(versions + 1).parent == start


def test_stop_while_making_new_music_makes_no_session(offline_planner, kb, store):
    cancel = threading.Event()
    agent = Agent(planner=offline_planner, registry=_stopping_at("generate", cancel), kb=kb, user="stopper")
    res = agent.turn("a dreamy lo-fi loop in F major at 80 bpm with drums and keys, 2 bars", None, store=store,
                     cancel=cancel)
    assert res.message == "Stopped: nothing was made."
    assert store.list_sessions() == []
