"""Section words in requests resolve to the session's section ranges (pure functions, no audio)."""

from __future__ import annotations

import pytest

from bandmate.core.sections import (
    ASK_BELOW,
    mentions_section,
    resolve_section,
    resolve_sections,
    section_names,
)
from bandmate.memory.state import Section, StateTable

FORM = [Section(start_s=0, end_s=8, label="A", name="intro", confidence=0.6),
        Section(start_s=8, end_s=24, label="B", name="verse", confidence=0.7),
        Section(start_s=24, end_s=40, label="C", name="chorus", confidence=0.9),
        Section(start_s=40, end_s=56, label="B'", name="verse", confidence=0.7),
        Section(start_s=56, end_s=72, label="C", name="chorus", confidence=0.9),
        Section(start_s=72, end_s=80, label="D", name="outro", confidence=0.3)]


@pytest.mark.parametrize("text, span", [
    ("the intro is too loud", (0, 8, 0.6)),
    ("more reverb in the chorus", (24, 40, 0.72)),  # two choruses: the first, less sure
    ("the second verse", (40, 56, 0.7)),
    ("verse 2 needs more bass", (40, 56, 0.7)),
    ("the last chorus", (56, 72, 0.9)),
    ("during the final chorus", (56, 72, 0.9)),
    ("in the refrain", (24, 40, 0.72)),
    ("fade the ending", (72, 80, 0.3)),
    ("section B", (8, 24, 0.7)),
    ("the B' part", (40, 56, 0.7)),
])
def test_section_words_resolve_to_ranges(text, span):
    assert resolve_section(text, FORM) == pytest.approx(span)


@pytest.mark.parametrize("text", ["add chorus to the guitar", "more chorus", "the bridge", "the third verse",
                                  "make it louder", "bars 3-4"])
def test_no_range_when_no_section_of_this_session_is_named(text):
    assert resolve_section(text, FORM) is None


def test_plurals_give_every_match_and_dicts_work():
    assert resolve_sections("every chorus louder", FORM) == [(24, 40, 0.9), (56, 72, 0.9)]
    assert resolve_sections("the verses", [s.model_dump() for s in FORM]) == [(8, 24, 0.7), (40, 56, 0.7)]


def test_mentions_and_names_for_a_clarifying_question():
    assert mentions_section("in the bridge") and not mentions_section("add chorus to the keys")
    assert section_names(FORM)[:4] == ["intro 1", "verse 1", "chorus 1", "verse 2"]
    assert resolve_section("the outro", FORM)[2] < ASK_BELOW  # low confidence: the planner asks


def test_state_tables_without_sections_still_load():
    old = {"tempo_bpm": 100.0, "key": "C major", "chords": []}
    st = StateTable.model_validate(old)
    assert st.sections == [] and st.tempo_alternative_bpm is None
    again = StateTable.model_validate(StateTable(sections=FORM).to_json())
    assert again.sections == FORM and "chorus@24s" in again.brief()["sections"]
