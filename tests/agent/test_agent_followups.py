"""Follow-ups that lean on the previous turn, through real turns on a session."""

from __future__ import annotations

import pytest

from bandmate.agent.turn import Agent
from bandmate.agent.view import SessionView
from bandmate.core.measures import band_db
from bandmate.tools import default_registry


@pytest.fixture
def agent(offline_planner, kb):
    return Agent(planner=offline_planner, registry=default_registry(), kb=kb)


@pytest.fixture
def band(make_session, band_stems):
    return make_session(stems=band_stems, tempo_bpm=120)


def test_a_bit_more_repeats_the_last_move_at_half_strength(agent, band):
    agent.turn("make the keys brighter", band)
    first = SessionView.of(band).last_turn          # the edit, plus its adjustment if it was too subtle
    assert first and {s["tool"] for s in first} == {"eq"}
    res = agent.turn("a bit more", band)
    assert res.plan.kind == "edit" and len(res.plan.steps) == len(first)
    for step, before in zip(res.plan.steps, first, strict=True):
        assert step.tool == "eq" and step.target == "keys"
        assert step.args["high_shelf_db"] == pytest.approx(before["args"]["high_shelf_db"] * 0.5)
    assert band_db(band.stem("keys"), 4000, 16000) > band_db(band.stem("keys", res.version_before), 4000, 16000)


def test_same_for_another_stem_replays_the_turn_there(agent, band):
    agent.turn("turn the drums down 3 dB", band)
    res = agent.turn("same for the bass", band)
    assert res.plan.tools() == ["gain"] and res.plan.steps[0].args["target"] == "bass"
    assert res.plan.steps[0].args["gain_db"] == -3.0


def test_a_bit_less_takes_part_of_a_level_move_back(agent, band):
    agent.turn("boost the bass by 4 dB", band)
    res = agent.turn("a bit less", band)
    assert res.plan.steps[0].args["gain_db"] == pytest.approx(-1.0)


def test_comment_then_undo_is_just_an_undo(agent, band):
    agent.turn("make the keys brighter", band)
    res = agent.turn("too much, undo that", band)
    assert res.plan.kind == "history" and res.version_after == 1


def test_without_a_previous_turn_more_is_not_guessed(offline_planner, band_view):
    assert offline_planner.plan("a bit more", band_view).kind == "clarify"


def test_undo_and_redo_move_by_whole_turns(agent, band):
    agent.turn("turn the drums down 3 dB and then the keys down 2 dB", band)   # two versions, one turn
    after = band.head.id
    assert after > 2
    assert agent.turn("undo that", band).version_after == 1
    assert agent.turn("redo", band).version_after == after
