"""Stored corrections: numbered, listed per user, forgotten by number, and only used where the word is."""

from __future__ import annotations

import pytest

from bandmate.core.errors import ToolInputError
from bandmate.memory.knowledge import KnowledgeBase, mentions
from bandmate.memory.lexicon import load_lexicon


@pytest.fixture
def fresh_kb(tmp_path):
    """A knowledge base over three lexicon entries (indexing them all would take minutes here)."""
    lexicon = {t: e for t, e in load_lexicon().items() if t in ("warm", "cold", "bright")}
    return KnowledgeBase(tmp_path / "kb", lexicon=lexicon)


def test_corrections_are_numbered_listed_and_forgotten(fresh_kb):
    a = fresh_kb.add_correction(user="ana", word="Warm", meaning="less harsh highs", utterance="no, by warm…")
    b = fresh_kb.add_correction(user="bo", word="punchy", meaning="louder kick")
    assert (a.id, b.id, a.word) == (1, 2, "warm")
    assert [(c.id, c.user, c.word, c.meaning) for c in fresh_kb.corrections()] == [
        (1, "ana", "warm", "less harsh highs"), (2, "bo", "punchy", "louder kick")]
    assert [c.id for c in fresh_kb.corrections("bo")] == [2]
    assert fresh_kb.forget(1).word == "warm"
    assert [c.id for c in fresh_kb.corrections()] == [2]
    with pytest.raises(ToolInputError, match=r"no correction #1; stored: #2"):
        fresh_kb.forget(1)


def test_a_new_meaning_replaces_the_old_one_under_a_new_number(fresh_kb):
    fresh_kb.add_correction(user="ana", word="bright", meaning="more presence")
    fresh_kb.add_correction(user="ana", word="bright", meaning="more presence around 3 kHz")
    assert [(c.id, c.meaning) for c in fresh_kb.corrections("ana")] == [(2, "more presence around 3 kHz")]
    assert fresh_kb.forget_correction(user="ana", word="BRIGHT") == 1 and fresh_kb.corrections() == []


@pytest.mark.parametrize(("word", "meaning"), [("", "less highs"), ("warm", "  ")])
def test_a_correction_needs_a_word_and_a_meaning(fresh_kb, word, meaning):
    with pytest.raises(ToolInputError, match="needs a word and a meaning"):
        fresh_kb.add_correction(user="ana", word=word, meaning=meaning)


def test_a_correction_is_retrieved_only_where_its_word_is_used(fresh_kb):
    c = fresh_kb.add_correction(user="ana", word="warm", meaning="less harsh highs")
    hit = fresh_kb.retrieve("make the keys warmer", user="ana")[0]
    assert (hit.source, hit.term, hit.meaning, hit.correction_id) == ("correction", "warm", "less harsh highs",
                                                                      c.id)
    assert all(h.source != "correction" for h in fresh_kb.retrieve("make the keys colder", user="ana"))
    assert all(h.source != "correction" for h in fresh_kb.retrieve("make the keys warmer", user="bo"))


@pytest.mark.parametrize(("word", "text", "expected"), [
    ("warm", "make it warmer", True), ("warm", "more warmth", True), ("bright", "brightness", True),
    ("dense", "denser drums", True), ("warm", "a swarm of bees", False), ("air", "airplane noise", False),
    ("roomy", "make it roomier", True), ("boomy", "the boominess", True), ("roomy", "a roomful", False)])
def test_mentions_knows_plain_inflections(word, text, expected):
    assert mentions(word, text) is expected
