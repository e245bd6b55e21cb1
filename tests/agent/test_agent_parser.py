"""The parser pins down what must be exact: stems, ranges, numbers, intensity, negation, sequences."""

from __future__ import annotations

import pytest

from bandmate.agent.parser import (
    find_history,
    find_intensity,
    find_key,
    find_negation,
    find_numbers,
    find_question,
    find_range,
    find_stems,
    parse,
    split_clauses,
)


@pytest.mark.parametrize("text, stems", [
    ("make the bass warmer", ["bass"]),
    ("the base is too boomy", ["bass"]),             # typo
    ("more air on the vox", ["vocals"]),             # nickname
    ("the drumms are harsh", ["drums"]),             # fuzzy typo
    ("kick and snare need punch", ["drums"]),        # parts of the kit are the drums stem
    ("warm up the rhodes and the bassline", ["keys", "bass"]),
    ("brighter overall", []),
    ("what are the chords in bars 5-8?", []),         # 'chords' in a question is not the keys stem
    ("turn up the synth2 track", ["synth2"]),         # a session-specific stem name
])
def test_stems(text, stems):
    assert find_stems(text, known=["synth2"]) == stems


@pytest.mark.parametrize("text, expected", [
    ("in bar 3", ("bars", 3, 3)),
    ("bars 5-8", ("bars", 5, 8)),
    ("bars 5 to 8", ("bars", 5, 8)),
    ("from bar 2 to bar 6", ("bars", 2, 6)),
    ("at the end of bar 4", ("bars", 4, 4)),
    ("the second bar", ("bars", 2, 2)),
    ("between 10 and 20 seconds", ("seconds", 10, 20)),
    ("from 0:30 to 0:45", ("seconds", 30, 45)),
])
def test_absolute_ranges(text, expected):
    r = find_range(text)
    assert (r.unit, r.start, r.end) == expected


@pytest.mark.parametrize("text, total_bars, total_s, resolved", [
    ("in the last 4 bars", 16, None, (13, 16)),
    ("the first two bars", 16, None, (1, 2)),
    ("the last bar", 8, None, (8, 8)),
    ("the last 5 seconds", None, 30.0, (25.0, 30.0)),
])
def test_relative_ranges(text, total_bars, total_s, resolved):
    assert find_range(text).resolve(total_bars=total_bars, total_s=total_s) == resolved


def test_relative_range_needs_length():
    with pytest.raises(ValueError, match="need the length in bars"):
        find_range("last 4 bars").resolve()


@pytest.mark.parametrize("text, key, value", [
    ("boost 3 dB", "gain_db", 3.0),
    ("turn it down 3db", "gain_db", -3.0),
    ("cut 4 dB at 300 Hz", "gain_db", -4.0),
    ("cut 4 dB at 300 Hz", "freq_hz", 300.0),
    ("a shelf at 5k", "freq_hz", 5000.0),
    ("around 2.5 kHz", "freq_hz", 2500.0),
    ("a 250ms delay", "time_ms", 250.0),
    ("to 128 bpm", "bpm", 128.0),
    ("up two semitones", "semitones", 2.0),
    ("down 3 semitones", "semitones", -3.0),
    ("an octave lower", "semitones", -12.0),
    ("swing 60%", "pct", 60.0),
    ("extend by eight bars", "bars", 8.0),
])
def test_numbers_with_units(text, key, value):
    assert find_numbers(text)[key] == pytest.approx(value)


def test_no_numbers_invented():
    assert find_numbers("make the bass warmer") == {}
    assert "semitones" not in find_numbers("like two steps ago")


@pytest.mark.parametrize("text, factor", [
    ("a touch brighter", 0.35), ("a bit warmer", 0.5), ("slightly darker", 0.5), ("warmer", 1.0),
    ("much more reverb", 1.6), ("way less boomy", 2.0),
])
def test_intensity(text, factor):
    assert find_intensity(text)[0] == factor


@pytest.mark.parametrize("text, negated, less", [
    ("make it less bright", False, True),
    ("the bass is too boomy", False, True),
    ("not so harsh please", True, True),
    ("the drums don't punch", True, False),
    ("it needs more punch", False, False),
    ("there's not enough air", False, False),     # "not enough" asks for more
    ("brighter", False, False),
])
def test_negation_and_less(text, negated, less):
    assert find_negation(text) == (negated, less)


@pytest.mark.parametrize("text, parts", [
    ("make the bass warmer and then add reverb to the vocals",
     ["make the bass warmer", "add reverb to the vocals"]),
    ("brighten the keys, then compress the drums", ["brighten the keys", "compress the drums"]),
    ("turn the drums down and make the bass warmer", ["turn the drums down", "make the bass warmer"]),
    ("warm up the drums and bass", ["warm up the drums and bass"]),   # 'and' joining stems: one action
    ("fade out. then trim the first bar", ["fade out", "trim the first bar"]),
])
def test_sequences(text, parts):
    assert split_clauses(text) == parts


@pytest.mark.parametrize("text, move", [
    ("undo that", ("undo", 1)), ("undo the last two", ("undo", 2)), ("redo", ("redo", 1)),
    ("make it like two steps ago", ("undo", 2)), ("go back to version 3", ("checkout", 3)),
    ("scrap that", ("undo", 1)), ("make the bass warmer", None),
])
def test_history_references(text, move):
    assert find_history(text) == move


@pytest.mark.parametrize("text, key", [
    ("put it in D minor", "D minor"), ("transpose to F#m", "F# minor"), ("in Bb major", "Bb major"),
    ("change to the key of E", "E major"), ("wait a bit", None), ("in bars 5 to 8", None),
    ("in a minute", None),
])
def test_keys(text, key):
    assert find_key(text) == key


@pytest.mark.parametrize("text, topic", [
    ("what key is this?", "key"), ("what's the tempo?", "tempo"), ("which chords are in bars 5-8?", "chords"),
    ("how long is it?", "length"), ("make the bass warmer", None), ("can you make it brighter?", None),
])
def test_questions(text, topic):
    assert find_question(text) == topic


def test_parse_combines_everything():
    clauses = parse("a bit more air on the vox in bars 5-8, then turn the drums down 2 dB")
    assert len(clauses) == 2
    a, b = clauses
    assert a.stems == ["vocals"] and (a.range.start, a.range.end) == (5, 8) and a.intensity == 0.5
    assert b.stems == ["drums"] and b.numbers["gain_db"] == -2.0
