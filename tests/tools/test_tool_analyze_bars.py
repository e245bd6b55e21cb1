"""Answering "what are the chords in bars 5–8?" from the state table."""

from __future__ import annotations

import pytest

from bandmate.core.errors import ToolInputError
from bandmate.memory.state import ChordSpan, StateTable
from bandmate.tools.analyze import bar_bounds, chord_overlap, describe_chords_in_bars, pretty_chord

LOFI = ("F:maj7", "E:min7", "D:min7", "C:maj7")  # 80 BPM 4/4: one bar is 3 s


def _lofi_state(**extra) -> StateTable:
    chords = [ChordSpan(start_s=3.0 * i, end_s=3.0 * (i + 1), label=LOFI[i % 4]) for i in range(8)]
    return StateTable(tempo_bpm=80, chords=chords, **extra)


def test_bars_from_the_tempo_grid():
    assert describe_chords_in_bars(_lofi_state(), 5, 8) == "Fmaj7 | Em7 | Dm7 | Cmaj7"
    assert describe_chords_in_bars(_lofi_state(), 2, 2) == "Em7"


def test_bars_follow_measured_downbeats_when_known():
    # a recording whose bar 1 starts at 1 s and whose bars drift longer than the nominal tempo says
    state = StateTable(tempo_bpm=120, downbeats_s=[1.0, 3.2, 5.5, 7.9],
                       chords=[ChordSpan(start_s=0.0, end_s=1.0, label="N"),
                               ChordSpan(start_s=1.0, end_s=3.2, label="A:min"),
                               ChordSpan(start_s=3.2, end_s=5.5, label="G:maj"),
                               ChordSpan(start_s=5.5, end_s=7.9, label="F:maj"),
                               ChordSpan(start_s=7.9, end_s=10.2, label="E:maj")])
    assert describe_chords_in_bars(state, 1, 4) == "Am | G | F | E"
    assert bar_bounds(state, 4) == pytest.approx((7.9, 7.9 + 2.3))


def test_two_chords_in_a_bar_are_both_shown_and_slivers_dropped():
    state = StateTable(tempo_bpm=120, chords=[ChordSpan(start_s=0.0, end_s=1.0, label="C:maj"),
                                              ChordSpan(start_s=1.0, end_s=1.95, label="G:maj"),
                                              ChordSpan(start_s=1.95, end_s=4.0, label="A:min")])
    assert describe_chords_in_bars(state, 1, 2) == "C G | Am"


@pytest.mark.parametrize("state,start,end,match", [
    (StateTable(tempo_bpm=80), 1, 2, "no chords"),
    (_lofi_state(), 3, 2, "bar range"),
    (_lofi_state(), 0, 2, "bar range"),
    (_lofi_state(), 9, 10, "after the last known chord"),
    (StateTable(chords=[ChordSpan(start_s=0, end_s=2, label="C:maj")]), 1, 1, "run analyze"),
])
def test_bad_bar_questions_explain_themselves(state, start, end, match):
    with pytest.raises(ToolInputError, match=match):
        describe_chords_in_bars(state, start, end)


@pytest.mark.parametrize("label,text", [("A:min", "Am"), ("C:maj", "C"), ("F:maj7", "Fmaj7"), ("E:min7", "Em7"),
                                        ("G:7", "G7"), ("N", "N.C."), ("C:maj/3", "C/E"), ("Bb:maj", "Bb"),
                                        ("B:hdim7", "Bm7b5")])
def test_pretty_chord(label, text):
    assert pretty_chord(label) == text


def test_chord_overlap_reduces_sevenths_to_triads():
    written = [ChordSpan(start_s=0, end_s=2, label="F:maj7"), ChordSpan(start_s=2, end_s=4, label="E:min7")]
    measured = [ChordSpan(start_s=0, end_s=2, label="F:maj"), ChordSpan(start_s=2, end_s=3, label="E:min"),
                ChordSpan(start_s=3, end_s=4, label="C:maj")]
    assert chord_overlap(written, measured) == pytest.approx(0.75)
