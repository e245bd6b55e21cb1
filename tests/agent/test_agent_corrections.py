"""Corrections (issue 8, failure 3): read the meaning exactly, redo the whole previous turn, say the reading."""

from __future__ import annotations

import uuid

import pytest

from bandmate.agent.corrections import read_meaning
from bandmate.agent.turn import Agent
from bandmate.core.measures import band_db
from bandmate.tools import default_registry


@pytest.fixture
def agent(offline_planner, kb):
    """An agent for a user of its own, so that no other test's corrections apply."""
    return Agent(planner=offline_planner, registry=default_registry(), kb=kb, user=f"ana-{uuid.uuid4().hex[:6]}")


def _number(agent, word: str) -> int:
    return next(c.id for c in agent.kb.corrections(agent.user) if c.word == word)


def _eqs_in_effect(session) -> list[dict]:
    """The args of every EQ between the first version and the head."""
    found, v = [], session.head
    while v.parent is not None:
        if v.step["tool"] == "eq":
            found.append(v.step["args"])
        v = session.version(v.parent)
    return found


def test_less_harsh_highs_cuts_the_presence_region_not_air(agent, plucked_band):
    first = agent.turn("make the keys warmer", plucked_band)
    assert first.version_after != 1
    res = agent.turn("no, by warm I mean less harsh highs", plucked_band)
    assert "correction:warm" in res.plan.terms and "airy" not in res.plan.terms
    keys, orig = plucked_band.stem("keys"), plucked_band.stem("keys", 1)
    assert band_db(keys, 2000, 8000) < band_db(orig, 2000, 8000) - 1.0        # the 2–8 kHz region is cut
    assert band_db(keys, 10000, 16000) <= band_db(orig, 10000, 16000) + 0.1   # and nothing is added up top
    assert len(_eqs_in_effect(plucked_band)) == 1                              # the warm EQ is gone
    assert f"correction #{_number(agent, 'warm')}" in res.message and "less harsh highs" in res.message


def test_bright_as_presence_at_3k_replaces_the_shelf_and_undoes_the_whole_turn(agent, plucked_band):
    first = agent.turn("turn the keys down 2 dB and then make the keys brighter", plucked_band)
    made = [v.id for v in plucked_band.history() if v.step.get("turn") and v.id > 1]
    assert len(made) >= 2                                                      # one turn, several versions
    res = agent.turn("no, by bright I mean more presence around 3 kHz", plucked_band)
    assert plucked_band.head.id not in made and first.version_after in made
    eqs = _eqs_in_effect(plucked_band)
    assert len(eqs) == 1 and not eqs[0]["high_shelf_db"]                      # the 4 kHz shelf is gone
    assert eqs[0]["peak1_hz"] == pytest.approx(3000) and eqs[0]["peak1_db"] > 0
    assert [v.step["tool"] for v in (plucked_band.head, plucked_band.version(plucked_band.head.parent))] == [
        "eq", "gain"]                                                          # the whole request, redone
    keys, quieter = plucked_band.stem("keys"), plucked_band.stem("keys", plucked_band.head.parent)
    assert band_db(keys, 2121, 4243) - band_db(quieter, 2121, 4243) > 1.0
    assert band_db(keys, 9000, 16000) - band_db(quieter, 9000, 16000) < 1.0
    assert f"Using your correction #{_number(agent, 'bright')}: bright = more presence around 3 kHz" in res.message


def test_a_stored_correction_is_named_whenever_it_changes_a_reading(agent, plucked_band):
    agent.turn("no, by warm I mean less harsh highs", plucked_band)           # nothing to redo: stored only
    assert plucked_band.head.id == 1
    res = agent.turn("make the drums warmer", plucked_band)
    assert f"Using your correction #{_number(agent, 'warm')}: warm = less harsh highs" in res.message
    assert "correction:warm" not in agent.turn("make the keys a bit brighter", plucked_band).plan.terms


def test_a_forgotten_correction_no_longer_changes_the_reading(agent, plucked_band):
    c = agent.kb.add_correction(user=agent.user, word="warm", meaning="less harsh highs")
    view = _view(plucked_band)
    assert "correction:warm" in agent.planner.plan("make the keys warmer", view, user=agent.user).terms
    agent.kb.forget(c.id)
    plan = agent.planner.plan("make the keys warmer", view, user=agent.user)
    assert "correction:warm" not in plan.terms and "warm" in plan.terms


def test_other_users_are_not_affected(agent, plucked_band):
    agent.kb.add_correction(user=agent.user + "-bo", word="warm", meaning="less harsh highs")
    assert "correction:warm" not in agent.planner.plan("make the keys warmer", _view(plucked_band),
                                                       user=agent.user).terms


@pytest.mark.parametrize(("meaning", "term", "invert", "freq"), [
    ("less harsh highs", "harsh", True, None), ("more presence around 3 kHz", "present", False, 3000.0),
    ("not so bright", "bright", True, None), ("without the boom", "boomy", True, None)])
def test_meanings_are_read_with_negation_and_comparatives(kb, meaning, term, invert, freq):
    part = read_meaning(meaning, kb.lexicon)[0]
    assert (part.term, part.invert, part.freq_hz) == (term, invert, freq)


def test_a_region_without_a_term_becomes_a_bell_there(kb):
    part = read_meaning("a bit more low mids", kb.lexicon)[0]
    assert part.term is None and part.band == (200, 500) and not part.invert


def _view(session):
    from bandmate.agent.view import SessionView

    return SessionView.of(session)
