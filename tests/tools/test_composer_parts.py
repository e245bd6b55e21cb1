"""Note-level properties of composed parts: grid, chords, fills, voice leading, motifs, determinism."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest

from bandmate.core.errors import ToolInputError
from bandmate.tools.backends.composer import (
    Arrangement,
    Controls,
    compose,
    compose_part,
    compose_range,
    parse_prompt,
)
from bandmate.tools.backends.composer.theory import parse_chord


def _controls(**kw) -> Controls:
    base = dict(tempo_bpm=100, key="E minor", bars=8, chords=["Em7", "A7"], genre="funk",
                instruments=["drums", "bass", "keys", "pad", "lead"], seed=3)
    base.update(kw)
    return Controls(**base)


def _bar_of(t: float, bar_s: float) -> int:
    return int(t / bar_s + 1e-6) + 1


def test_same_seed_same_notes_other_seed_other_notes():
    a, b = compose(_controls()), compose(_controls())
    assert a.to_bytes() == b.to_bytes()
    c = compose(_controls(seed=4))
    changed = [n for n in a.parts if a.parts[n].to_json()["notes"] != c.parts[n].to_json()["notes"]]
    assert len(changed) >= 3, changed


def test_notes_sit_on_the_grid_and_inside_the_length():
    arr = compose(_controls(chords=["Am", "F", "C", "G"], genre="pop", drum_feel="straight"))
    bar_s = arr.controls.bar_s
    assert arr.duration_s == pytest.approx(8 * bar_s)
    for part in arr.parts.values():
        assert part.notes, part.name
        for n in part.notes:
            assert 0 <= n.start_s < 8 * bar_s and n.end_s <= 8 * bar_s + 1e-6 and 1 <= n.velocity <= 127
        if part.name in ("bass", "drums"):  # straight feel: bass on 16ths, drums on 32nds (fill pickups)
            step = arr.controls.beat_s / (4 if part.name == "bass" else 8)
            offsets = [(n.start_s / step) % 1 for n in part.notes]
            assert max(min(o, 1 - o) for o in offsets) < 0.01
    assert len(arr.beats_s) == 32 and arr.downbeats_s == pytest.approx([i * bar_s for i in range(8)])
    assert [lab for _, _, lab in arr.chords] == ["A:min", "F:maj", "C:maj", "G:maj"] * 2


def test_bass_plays_each_chords_root_on_its_first_beat():
    for style in ("root", "funk", "walking", "octave", "offbeat", "808", "reggae"):
        arr_bass = compose_part("bass", _controls(chords=["Am", "F", "C/E", "G7"], genre="pop"), style=style)
        bar_s = 60 / 100 * 4
        downbeat = {_bar_of(n.start_s, bar_s): n.pitch % 12 for n in arr_bass.notes if (n.start_s / bar_s) % 1 < 1e-6}
        assert downbeat == {1: 9, 2: 5, 3: 4, 4: 7, 5: 9, 6: 5, 7: 4, 8: 7}, style


def test_walking_bass_walks_in_quarters_and_approaches_the_next_root_by_a_semitone():
    part = compose_part("walking bass", _controls(chords=["Dm7", "G7", "Cmaj7", "A7"], key="C major", genre="jazz"))
    assert len(part.notes) == 32
    pitches = [n.pitch for n in part.notes]
    for bar in range(8):
        nxt = pitches[(bar + 1) * 4] if bar < 7 else None
        if nxt is not None:
            assert abs(pitches[bar * 4 + 3] - nxt) == 1  # chromatic approach
    assert max(abs(a - b) for a, b in zip(pitches, pitches[1:], strict=False)) <= 7


@pytest.mark.parametrize("feel", ["straight", "funk", "four_on_the_floor", "half_time", "rock", "swing"])
def test_fills_at_phrase_ends_add_onsets(feel):
    arr = compose(_controls(drum_feel=feel, instruments=["drums"], density=0.5))
    bar_s = arr.controls.bar_s
    onsets = Counter(_bar_of(t, bar_s) for t in {round(n.start_s, 3) for n in arr.parts["drums"].notes})
    others = [onsets[b] for b in (1, 2, 3, 5, 6, 7)]
    assert onsets[4] > max(others) and onsets[8] > max(others), dict(onsets)


@pytest.mark.parametrize("name", ["keys", "pad"])
def test_chord_voice_leading_moves_little(name):
    arr = compose(_controls(chords=["C", "Am", "F", "G", "Em", "Am", "Dm", "G7"], key="C major", genre="pop",
                            instruments=[name], styles={"keys": "sustain"}))
    notes = arr.parts[name].notes
    starts = sorted({n.start_s for n in notes})
    assert len(starts) == 8  # one voicing per chord
    voicings = [sorted(n.pitch for n in notes if n.start_s == s) for s in starts]
    moves = [np.mean([abs(a - b) for a, b in zip(v, w, strict=True)]) for v, w in zip(voicings, voicings[1:],
                                                                                       strict=False)]
    # root-position block chords would move 3–5 semitones per voice on this progression
    assert np.mean(moves) < 2.0, moves
    for v, s in zip(voicings, starts, strict=True):
        bar = _bar_of(s, arr.controls.bar_s)
        chord = parse_chord(arr.controls.chords[(bar - 1) % 8])
        assert {p % 12 for p in v} <= set(chord.pitch_classes)


def test_lead_repeats_its_motif_and_lands_on_chord_tones():
    arr = compose(_controls(instruments=["lead"], chords=["Am", "F", "C", "G"], key="A minor", genre="pop"))
    lead = arr.parts["lead"].notes
    bar_s = arr.controls.bar_s
    rhythm = [[round((n.start_s - p * 2 * bar_s) / arr.controls.beat_s, 3) for n in lead
               if p * 2 * bar_s <= n.start_s < (p + 1) * 2 * bar_s] for p in range(4)]
    assert rhythm[0] == rhythm[1]  # the motif is restated over the next chords
    assert rhythm[0] != rhythm[3]  # and answered with new material
    for n in lead:
        beat = n.start_s / arr.controls.beat_s
        if abs(beat - round(beat)) < 1e-6 and round(beat) % 2 == 0:
            bar = _bar_of(n.start_s, bar_s)
            chord = parse_chord(arr.controls.chords[(bar - 1) % 4])
            assert n.pitch % 12 in chord.pitch_classes


def test_given_melody_is_played_as_written():
    arr = compose(_controls(instruments=["flute"], melody=["E5:1", "G5:0.5", "A5:0.5", "r:2"], bars=2))
    beat = arr.controls.beat_s
    got = [(n.pitch, round(n.start_s / beat, 3)) for n in arr.parts["lead"].notes]
    assert got == [(76, 0), (79, 1), (81, 1.5), (76, 4), (79, 5), (81, 5.5)]


def test_a_melody_brings_its_own_lead_part():
    arr = compose(Controls(key="C major", chords=["C", "G"], bars=2, melody=["C5:2", "D5:2"]))
    assert arr.parts["lead"].notes[0].pitch == 72 and {"drums", "bass", "lead"} <= set(arr.parts)


def test_three_four_has_three_beats_per_bar_and_waltz_parts():
    arr = compose(Controls(tempo_bpm=150, time_signature="3/4", key="F major", chords=["F", "Bb", "C7", "F"],
                           instruments=["drums", "bass", "piano"], bars=8))
    assert len(arr.beats_s) == 24 and arr.downbeats_s[1] == pytest.approx(3 * 0.4)
    assert arr.controls.drum_feel == "waltz"
    piano_beats = {round(n.start_s / 0.4) % 3 for n in arr.parts["piano"].notes}
    assert piano_beats == {0, 1, 2}  # chord on 1 (when it changes), then on 2 and 3


def test_a_window_reproduces_those_bars_of_the_whole_piece():
    whole = compose(_controls())
    window = compose_range(_controls(), 5, 8)
    t5 = whole.controls.bar_s * 4
    for name, part in window.parts.items():
        expected = [n for n in whole.parts[name].notes if n.start_s >= t5 - 1e-6]
        assert part.notes == expected, name
    assert window.chords[0][0] == pytest.approx(t5) and len(window.downbeats_s) == 4


def test_instructions_reshape_a_window():
    normal = compose_range(_controls(), 5, 8, seed=9)
    breakdown = compose_range(_controls(), 5, 8, instruction="breakdown", seed=9)
    assert len(breakdown.parts["drums"].notes) < 0.5 * len(normal.parts["drums"].notes)
    assert len(breakdown.parts["bass"].notes) <= 5  # held roots
    fill = compose_range(_controls(), 5, 6, instruction="fill", seed=9)
    bar_s = fill.controls.bar_s
    last = [n for n in fill.parts["drums"].notes if n.start_s >= 5 * bar_s]
    assert {45, 47, 50} & {n.pitch for n in last}  # toms in bar 6
    beyond = compose_range(_controls(), 9, 12)  # past the end: a continuation keeps cycling the chords
    assert beyond.chords[0][2] == "E:min7" and beyond.parts["bass"].notes[0].start_s == pytest.approx(8 * bar_s)


def test_compose_part_names_and_errors():
    part = compose_part("strings", _controls(), start_bar=5, end_bar=8, stem="strings2")
    assert part.name == "strings2" and part.program == 48 and part.role == "pad"
    assert min(n.start_s for n in part.notes) == pytest.approx(4 * 2.4)
    with pytest.raises(ToolInputError, match="unknown instrument"):
        compose_part("theremin", _controls())
    with pytest.raises(ToolInputError, match="bar range"):
        compose_part("bass", _controls(), start_bar=5, end_bar=2)


def test_arrangement_json_and_midi_round_trip():
    mido = pytest.importorskip("mido")
    arr = compose(parse_prompt("funky 100 bpm groove in E minor with drums, bass and keys"))
    again = Arrangement.from_json(arr.to_bytes())
    assert again.to_json() == arr.to_json()
    midi = mido.MidiFile(file=io.BytesIO(arr.midi_bytes("bass")))
    ons = [m for m in midi.tracks[0] if m.type == "note_on"]
    assert len(ons) == len(arr.parts["bass"].notes)
    assert midi.length == pytest.approx(max(n.end_s for n in arr.parts["bass"].notes), abs=0.01)
    drums = mido.MidiFile(file=io.BytesIO(arr.midi_bytes("drums")))
    assert {m.channel for m in drums.tracks[0] if m.type == "note_on"} == {9}
