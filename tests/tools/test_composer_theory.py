"""Theory vocabulary and the prompt reader: chords, keys, roman numerals, controls from text."""

from __future__ import annotations

import pytest

from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.composer.controls import Controls, parse_melody, parse_prompt, split_progression
from bandmate.tools.backends.composer.theory import (
    Key,
    infer_key,
    note_to_midi,
    parse_chord,
    parse_key,
)


@pytest.mark.parametrize("symbol, pcs, label", [
    ("Am", (0, 4, 9), "A:min"), ("F#m7b5", (0, 4, 6, 9), "F#:hdim7"), ("Cmaj7", (0, 4, 7, 11), "C:maj7"),
    ("G7", (2, 5, 7, 11), "G:7"), ("Bb/D", (2, 5, 10), "Bb:maj/3"), ("Dsus4", (2, 7, 9), "D:sus4"),
    ("Ebm", (3, 6, 10), "Eb:min"), ("A:min7", (0, 4, 7, 9), "A:min7"), ("C#dim7", (1, 4, 7, 10), "C#:dim7"),
])
def test_chord_symbols_give_pitch_classes_and_mir_eval_labels(symbol, pcs, label):
    chord = parse_chord(symbol)
    assert chord.pitch_classes == pcs
    assert chord.label() == label


def test_slash_chord_puts_its_bass_note_under_the_root():
    chord = parse_chord("Bb/D")
    assert (chord.root, chord.bass_pc) == (10, 2)


@pytest.mark.parametrize("numeral, key, label", [
    ("vi", "C major", "A:min"), ("V7", "C major", "G:7"), ("IVmaj7", "F major", "Bb:maj7"),
    ("VI", "E minor", "C:maj"), ("bVII", "E minor", "D:maj"), ("iiø7", "F major", "G:hdim7"),
])
def test_roman_numerals_resolve_in_the_key(numeral, key, label):
    k = parse_key(key)
    assert parse_chord(numeral, k).label(k.prefers_flats) == label


@pytest.mark.parametrize("text, tonic, mode", [
    ("E minor", 4, "minor"), ("Em", 4, "minor"), ("F# major", 6, "major"), ("Bb", 10, "major"),
    ("A:min", 9, "minor"), ("c minor", 0, "minor"), ("D dorian", 2, "dorian"),
])
def test_key_parsing(text, tonic, mode):
    assert parse_key(text) == Key(tonic, mode)


@pytest.mark.parametrize("bad, match", [
    ("H7", "not understood"), ("Cxyz", "not understood"), ("", "not understood"),
])
def test_bad_chords_say_what_is_expected(bad, match):
    with pytest.raises(ToolInputError, match=match):
        parse_chord(bad)


@pytest.mark.parametrize("bad, match", [("Q minor", "not understood"), ("E lydianish", "mode")])
def test_bad_keys_say_what_is_expected(bad, match):
    with pytest.raises(ToolInputError, match=match):
        parse_key(bad)


def test_key_inferred_from_chords():
    assert infer_key([parse_chord(c) for c in "Am Dm E7 Am".split()]).name() == "A minor"
    assert infer_key([parse_chord(c) for c in "G D Em C".split()]).name() == "G major"


def test_note_names_and_midi_numbers():
    assert [note_to_midi(n) for n in ("C4", "A4", "E2", "Bb3", "64")] == [60, 69, 40, 58, 64]
    assert parse_melody(["E4", "G4:0.5", "r:1"]) == [(64, 1.0), (67, 0.5), (None, 1.0)]
    with pytest.raises(ToolInputError, match="not a note"):
        note_to_midi("E")


@pytest.mark.parametrize("text, bars", [
    ("Am F C G", ["Am", "F", "C", "G"]), ("Am F | C G", ["Am F", "C G"]), ("I-V-vi-IV", ["I", "V", "vi", "IV"]),
    ("Am-F-C-G", ["Am", "F", "C", "G"]), ("Cmaj7, Am7, Dm7, G7", ["Cmaj7", "Am7", "Dm7", "G7"]),
])
def test_progressions_split_into_bars(text, bars):
    assert split_progression(text) == bars


def test_prompt_reader_reads_the_cli_example():
    c = parse_prompt("funky 100 bpm groove in E minor with drums, bass and keys")
    assert (c.tempo_bpm, c.key, c.genre, c.instruments) == (100.0, "E minor", "funk", ["drums", "bass", "keys"])
    assert c.chords is None and c.bars is None  # nothing invented


@pytest.mark.parametrize("prompt, expected", [
    ("house track four on the floor 124 bpm Am F C G 16 bars", {"tempo_bpm": 124.0, "bars": 16,
                                                              "chords": ["Am", "F", "C", "G"],
                                                              "drum_feel": "four_on_the_floor"}),
    ("jazz waltz in 3/4 in Bb major with walking bass and piano", {"time_signature": "3/4", "key": "Bb major",
                                                                  "instruments": ["walking bass", "piano"]}),
    ("sad ballad in C# minor, 30 seconds, swing 60%", {"key": "C# minor", "duration_s": 30.0, "swing": 0.6,
                                                       "mood": "sad", "drum_feel": None}),
    ("jazz trio with a swing feel", {"drum_feel": "swing", "swing": 0.66, "genre": "jazz"}),
    ("swung boom bap groove", {"drum_feel": "boom_bap", "genre": "hiphop"}),
    ("half-time hip hop beat with 808 and strings, seed 4", {"drum_feel": "half_time", "genre": "hiphop",
                                                             "seed": 4, "instruments": ["beat", "808", "strings"]}),
    ("a dreamy lo-fi loop, 80 bpm", {"genre": "lofi", "mood": "dreamy", "tempo_bpm": 80.0, "instruments": None}),
    ("rock song in A with I-V-vi-IV and no drums, bass and guitar", {"key": "A major", "chords": ["I", "V", "vi", "IV"],
                                                                     "instruments": ["bass", "guitar"]}),
])
def test_prompt_reader_cases(prompt, expected):
    c = parse_prompt(prompt)
    for field, value in expected.items():
        assert getattr(c, field) == value, field


def test_resolution_fills_from_the_genre_preset_and_keeps_what_was_said():
    r = parse_prompt("a dreamy lo-fi loop, 80 bpm").resolved()
    assert r.tempo_bpm == 80.0 and r.drum_feel == "half_time" and r.key == "F major"
    assert r.chords == ["Bbmaj7", "Am7", "Gm7", "Fmaj7"]
    explicit = Controls(tempo_bpm=90, key="D minor").merged(tempo_bpm=70).resolved()
    assert explicit.tempo_bpm == 70 and explicit.key == "D minor" and explicit.chords[0] == "Dm"


@pytest.mark.parametrize("bad, match", [
    ({"drum_feel": "polka-ish"}, "drum feel"), ({"swing": 0.3}, "below 0.5"), ({"time_signature": "4/5"}, "meter"),
    ({"tempo_bpm": 500}, "tempo_bpm"),
])
def test_bad_controls_are_input_errors(bad, match):
    with pytest.raises(ToolInputError, match=match):
        Controls.build(**bad)


def test_out_of_range_tempo_in_a_prompt_is_reported():
    with pytest.raises(ToolInputError, match="40–240"):
        parse_prompt("a 400 bpm blast")
