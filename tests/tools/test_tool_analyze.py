"""The `analyze` tool: state written (or kept, for generated sessions), arguments, backend choice."""

from __future__ import annotations

import numpy as np
import pytest
from test_analysis_material import RENDER_SR, SF2, TEST_SONGS, render_song

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.core.settings import Settings
from bandmate.memory.state import ChordSpan
from bandmate.tools import default_registry
from bandmate.tools.analyze import choose_backend
from bandmate.tools.context import Backends
from bandmate.tools.run import run_tool

needs_sf2 = pytest.mark.skipif(not SF2.is_file(), reason="FluidR3_GM.sf2 is not installed")
WALTZ = TEST_SONGS[3]  # D minor, 120 BPM, 3/4, bar 1 at 0.5 s


@pytest.fixture(scope="module")
def waltz():
    y, truth = render_song(WALTZ)
    return Clip(np.repeat(y[None], 2, axis=0), RENDER_SR, ("test waltz",)), truth


@pytest.fixture(scope="module")
def shared_backends():
    return Backends()  # madmom's networks load once for the whole module


def _run(session, backends, **args):
    return run_tool(default_registry(), "analyze", args, store=session.store, session_id=session.id,
                    backends=backends, settings=Settings())


@needs_sf2
def test_analyze_writes_tempo_meter_key_and_chords(make_session, waltz, shared_backends):
    clip, truth = waltz
    session = make_session(mix=clip)
    before = session.head.id
    out = _run(session, shared_backends, backend="librosa")
    r, state = out.result, session.head.state
    assert out.version is not None and session.head.id != before  # a new version was recorded
    assert r.backend == "librosa" and state.tempo_bpm == pytest.approx(120, rel=0.04)
    assert state.time_signature == "3/4" and r.beats_per_bar == 3
    assert state.offset_s == pytest.approx(0.5, abs=0.07)
    assert len(state.beats_s) == r.num_beats >= 12 and state.downbeats_s == r.downbeats_s
    assert state.key == "D minor"
    assert [c.label for c in state.chords if c.label != "N"][:4] == ["D:min", "Bb:maj", "G:min", "A:maj"]
    from bandmate.tools.analyze import describe_chords_in_bars

    assert describe_chords_in_bars(state, 1, 4) == "Dm | Bb | Gm | A"
    assert "D minor" in r.summary and "librosa" in r.summary


@needs_sf2
def test_analyze_through_madmom_writes_the_measured_meter_and_key(make_session, waltz, shared_backends):
    from bandmate.tools.backends.madmom_shim import madmom_installed

    if not madmom_installed():
        pytest.skip("madmom is not installed")
    clip, _ = waltz
    session = make_session(mix=clip, key="F major")
    r = _run(session, shared_backends, backend="madmom", what=["beats", "key"]).result
    state = session.head.state
    assert r.backend == "madmom" and state.key == "D minor" and state.time_signature == "3/4"
    assert state.downbeats_s[:3] == pytest.approx([0.5, 2.0, 3.5], abs=0.05) and not state.chords


@needs_sf2
def test_generated_session_keeps_written_values_and_reports_agreement(make_session, waltz, shared_backends):
    clip, truth = waltz
    written = [ChordSpan(start_s=s, end_s=e, label=lab) for s, e, lab in truth.chords]
    # the "generator" wrote the right tempo and chords but a wrong key: measured disagreement is reported
    session = make_session(mix=clip, tempo_bpm=120.0, time_signature="3/4", offset_s=0.5, key="E major",
                           chords=written, symbolic=True)
    r = _run(session, shared_backends, backend="librosa", what=["tempo", "key", "chords"]).result
    state = session.head.state
    assert r.state_kept and state.key == "E major" and state.chords == written
    assert r.key == "D minor"  # the measurement is still reported
    assert r.agreement["tempo"] is True and r.agreement["key"] is False
    assert r.agreement["chords"] >= 0.8
    assert state.model_extra["measured"]["key"] == "D minor"


@needs_sf2
def test_what_limits_the_fields_written(make_session, waltz, shared_backends):
    clip, _ = waltz
    session = make_session(mix=clip, key="F major")
    r = _run(session, shared_backends, backend="librosa", what=["tempo"]).result
    state = session.head.state
    assert r.key is None and not r.chords and state.key == "F major" and not state.chords
    assert state.tempo_bpm == pytest.approx(120, rel=0.04)


@pytest.mark.parametrize("args,match", [
    ({"what": ["loudness"]}, "what"),
    ({"what": []}, "what"),
    ({"backend": "essentia"}, "backend"),
    ({"tempo_bpm": 120}, "tempo_bpm"),
    ({"target": "vocals"}, "unknown target 'vocals'"),
])
def test_bad_arguments_are_refused_with_a_reason(make_session, band_stems, args, match):
    session = make_session(stems=band_stems)
    with pytest.raises(ToolInputError, match=match):
        _run(session, Backends(), **args)


def test_silent_target_is_refused(make_session):
    session = make_session(mix=Clip.silence(2.0, RENDER_SR))
    with pytest.raises(ToolInputError, match="silent"):
        _run(session, Backends(), backend="librosa")


def test_backend_choice(monkeypatch):
    from bandmate.tools.backends import madmom_shim

    assert choose_backend("librosa", "madmom") == "librosa"  # the argument wins
    assert choose_backend("auto", "librosa") == "librosa"
    with pytest.raises(ToolInputError, match="BANDMATE_ANALYZER"):
        choose_backend("auto", "essentia")
    monkeypatch.setattr(madmom_shim, "madmom_installed", lambda: False)
    assert choose_backend("auto", "auto") == "librosa"  # permissive fallback when madmom is absent


def test_madmom_requested_but_absent_says_how_to_install(monkeypatch, make_session, band_stems):
    from bandmate.tools.backends import madmom_shim

    monkeypatch.setattr(madmom_shim, "madmom_installed", lambda: False)
    with pytest.raises(BackendUnavailable, match="no-build-isolation"):
        _run(make_session(stems=band_stems), Backends(), backend="madmom")


@pytest.mark.real_data
def test_real_recording_smoke(real_data, make_session, shared_backends):
    from bandmate.core.audio_io import load

    clip = load(real_data / "vibe_ace.ogg").slice_s(0.0, 8.0)
    r = _run(make_session(mix=clip), shared_backends).result  # 'auto': madmom when installed
    assert 60 <= r.tempo_bpm <= 240 and r.num_beats >= 8
    assert r.key and r.key.split()[1] in ("major", "minor")
    assert any(c.label != "N" for c in r.chords)
