"""add_stem and replace_stem: new parts that follow the session's chords and grid; other stems untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pitch_probes import downbeat_bass_pcs

from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.memory.state import ChordSpan
from bandmate.tools import default_registry
from bandmate.tools.backends.composer import Arrangement, Controls, Part, compose
from bandmate.tools.backends.composer.theory import parse_chord
from bandmate.tools.backends.render import render_arrangement
from bandmate.tools.run import run_tool

FLUID = Settings.from_env()
BUILTIN = Settings(soundfont=Path("/nonexistent/missing.sf2"))


def run(store, tool, session_id, settings=FLUID, **args):
    return run_tool(default_registry(), tool, args, store=store, session_id=session_id, settings=settings)




def roots_at(state, times: list[float]) -> list[int]:
    return [parse_chord(next(c for c in state.chords if c.start_s <= t + 1e-6 < c.end_s).label).bass_pc
            for t in times]


@pytest.fixture
def small(store):
    """A 2-bar session with drums and keys, for requests that fail before composing."""
    return run(store, "generate", None, settings=BUILTIN, prompt="pop", instruments=["drums", "keys"], bars=2).version


@pytest.fixture
def band(store):
    """A generated 8-bar session with drums and keys only (no bass yet)."""
    out = run(store, "generate", None, prompt="pop in C major at 100 bpm", instruments=["drums", "keys"],
              chords="C Am F G", bars=8)
    return out.version


def test_added_walking_bass_follows_the_chord_roots(store, band):
    out = run(store, "add_stem", band.session_id, instrument="walking bass")
    v = out.version
    assert out.result.stem == "bass" and out.result.source == "arrangement" and out.result.style == "walking"
    assert {k: v.stems[k] for k in band.stems} == band.stems  # drums and keys untouched
    st = v.state
    got = downbeat_bass_pcs(store.clip(v.stems["bass"]).to_mono(), 44100, st.downbeats_s, 60 / st.tempo_bpm)
    want = roots_at(st, st.downbeats_s)
    assert np.mean([g == w for g, w in zip(got, want, strict=True)]) >= 0.9, (got, want)
    part = Part.from_json(store.blobs.get_bytes(v.assets["notes:bass"]))
    assert len(part.notes) == 32  # quarter notes
    arr = Arrangement.from_json(store.blobs.get_bytes(v.assets["json:arrangement"]))
    assert set(arr.parts) == {"drums", "keys", "bass"} and "walking bass" in arr.controls.instruments
    assert store.clip(v.stems["bass"]).frames == store.clip(v.mix).frames


def test_strings_in_the_last_four_bars_are_silent_before(store, band):
    out = run(store, "add_stem", band.session_id, instrument="strings", last_bars=4)
    assert (out.result.start_bar, out.result.end_bar) == (5, 8)
    strings = store.clip(out.version.stems["strings"])
    bar_s = 2.4
    before, after = strings.samples[:, :int(4 * bar_s * 44100)], strings.samples[:, int(4 * bar_s * 44100):]
    assert np.abs(before).max() < 1e-4 and np.sqrt(np.mean(after ** 2)) > 0.01
    again = run(store, "add_stem", band.session_id, instrument="strings", start_bar=2, end_bar=3)
    assert again.result.stem == "strings2"


def test_added_bass_follows_analysed_chords_on_a_recording(store, make_session):
    """A session known only through analysis: chords and beats in the state, first downbeat at 0.5 s."""
    c = Controls(tempo_bpm=110, key="A minor", chords=["Am", "Dm", "G", "C"], bars=8, instruments=["piano"],
                 offset_s=0.5)
    arr = compose(c)
    keys = render_arrangement(arr, settings=BUILTIN)["piano"]
    beat = 60 / 110
    beats = [0.5 - beat, *arr.beats_s]  # a pickup beat before bar 1
    chords = [ChordSpan(start_s=s, end_s=e, label=lab) for s, e, lab in arr.chords]
    session = make_session(mix=keys, tempo_bpm=110, key="A minor", chords=chords, beats_s=beats,
                           downbeats_s=arr.downbeats_s, offset_s=0.5)
    out = run(store, "add_stem", session.id, settings=BUILTIN, instrument="bass")
    v = out.version
    assert out.result.source == "state" and set(v.stems) == {"original", "bass"}
    assert np.allclose(store.clip(v.stems["original"]).samples, keys.samples, atol=1e-4)  # recording kept
    part = Part.from_json(store.blobs.get_bytes(v.assets["notes:bass"]))
    assert part.notes[0].start_s == pytest.approx(0.5)
    got = downbeat_bass_pcs(store.clip(v.stems["bass"]).to_mono(), 44100, arr.downbeats_s, beat)
    want = roots_at(v.state, arr.downbeats_s)
    assert np.mean([g == w for g, w in zip(got, want, strict=True)]) >= 0.9, (got, want)


def test_drums_fit_a_recording_known_only_by_its_beats(store, make_session, band_stems):
    """Tempo and beats (slightly uneven, as measured) but no key or chords: drums still fit the beats."""
    beats = list(0.25 + np.arange(8) * 0.5 + np.array([0, 0.004, -0.003, 0.006, 0, 0.002, -0.004, 0.003]))
    session = make_session(mix=band_stems["keys"].with_channels(2), tempo_bpm=120, beats_s=beats,
                           downbeats_s=[beats[0], beats[4]], offset_s=beats[0])
    out = run(store, "add_stem", session.id, settings=BUILTIN, instrument="drums", style="rock")
    part = Part.from_json(store.blobs.get_bytes(out.version.assets["notes:drums"]))
    kicks = sorted({n.start_s for n in part.notes if n.pitch == 36})
    assert kicks[0] == pytest.approx(beats[0]) and any(k == pytest.approx(beats[2], abs=1e-4) for k in kicks)
    with pytest.raises(ToolInputError, match="no key or chords"):
        run(store, "add_stem", session.id, settings=BUILTIN, instrument="bass")


def test_add_stem_on_an_unanalysed_recording_asks_for_analyze(store, make_session, band_stems):
    session = make_session(mix=band_stems["keys"])
    with pytest.raises(ToolInputError, match="run analyze first"):
        run(store, "add_stem", session.id, instrument="bass")


@pytest.mark.parametrize("bad, match", [
    ({"instrument": "bass", "last_bars": 2, "start_bar": 1}, "not both"),
    ({"instrument": "bass", "start_bar": 20}, "past the end"),
    ({"instrument": "theremin"}, "unknown instrument"),
    ({"instrument": "keys", "name": "drums"}, "already exists"),
])
def test_add_stem_bad_requests(store, small, bad, match):
    with pytest.raises(ToolInputError, match=match):
        run(store, "add_stem", small.session_id, **bad)


def test_replace_stem_rewrites_only_that_stem(store):
    first = run(store, "generate", None, prompt="funky 100 bpm groove in E minor with drums, bass and keys",
                bars=4).version
    out = run(store, "replace_stem", first.session_id, stem="bass", style="walking")
    v = out.version
    assert v.stems["bass"] != first.stems["bass"]
    assert {k: v.stems[k] for k in ("drums", "keys")} == {k: first.stems[k] for k in ("drums", "keys")}
    assert {a: v.assets[a] for a in ("notes:drums", "notes:keys", "midi:drums")} == \
        {a: first.assets[a] for a in ("notes:drums", "notes:keys", "midi:drums")}
    part = Part.from_json(store.blobs.get_bytes(v.assets["notes:bass"]))
    assert part.style == "walking" and len(part.notes) == 16
    assert abs(out.result.level_db) < 1.0  # the stem keeps its level
    assert (v.state.tempo_bpm, v.state.key, v.state.chords) == (first.state.tempo_bpm, first.state.key,
                                                               first.state.chords)
    drums = run(store, "replace_stem", first.session_id, stem="drums", style="half-time").version
    new = Part.from_json(store.blobs.get_bytes(drums.assets["notes:drums"]))
    snares = sorted({round(n.start_s / 0.6) % 4 for n in new.notes if n.pitch == 38 and n.velocity > 90
                     and n.start_s < 2.4})
    assert snares == [2]  # half-time: the backbeat moves to beat 3


@pytest.mark.parametrize("stem, match", [("mix", "not a stem"), ("vocals", "unknown target")])
def test_replace_stem_bad_targets(store, small, stem, match):
    with pytest.raises(ToolInputError, match=match):
        run(store, "replace_stem", small.session_id, stem=stem)
