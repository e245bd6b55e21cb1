"""Session handle through real tool calls: history records, undo/redo/checkout, A/B, export."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf
from pydantic import BaseModel, Field

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.testsignals import noise, sine
from bandmate.memory.blobs import quantize
from bandmate.tools import gain as gain_tool
from bandmate.tools.args import ToolArgs
from bandmate.tools.mixing import render_mix
from bandmate.tools.run import run_tool
from bandmate.tools.spec import Registry, ToolSpec


class MidiArgs(ToolArgs):
    stem: str = Field("bass", max_length=40)
    pitches: list[int] = Field(..., min_length=1, max_length=16)


class MidiResult(BaseModel):
    notes: int


def write_midi(args: MidiArgs, ctx) -> MidiResult:
    """Record a MIDI part as an asset (test tool: a real MIDI file written with mido)."""
    import mido

    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for p in args.pitches:
        track.append(mido.Message("note_on", note=p, velocity=90, time=0))
        track.append(mido.Message("note_off", note=p, velocity=0, time=480))
    buf = io.BytesIO()
    mid.save(file=buf)
    ctx.set_asset(f"midi:{args.stem}", buf.getvalue())
    return MidiResult(notes=len(args.pitches))


@pytest.fixture
def registry() -> Registry:
    return Registry([gain_tool.SPEC, ToolSpec(name="write_midi", Args=MidiArgs, Result=MidiResult,
                                              fn=write_midi, category="music")])


def _run(registry, session, name, **args):
    return run_tool(registry, name, args, store=session.store, session_id=session.id)


def _rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2))


def test_every_tool_call_is_recorded_with_args_parent_result(registry, make_session, band_stems):
    s = make_session(stems=band_stems, tempo_bpm=120)
    v1 = s.head
    out = _run(registry, s, "gain", target="bass", gain_db=-6.0)
    _run(registry, s, "gain", target="mix", gain_db=2.0)
    _run(registry, s, "gain", target="keys", gain_db=-4.0, start_s=0.5, end_s=1.0)
    hist = s.history()
    assert [(h.id, h.parent) for h in hist] == [(1, None), (2, 1), (3, 2), (4, 3)]
    assert out.version.id == 2 and out.to_json()["version"] == 2
    steps = [h.step for h in hist[1:]]
    assert [st["tool"] for st in steps] == ["gain"] * 3
    assert steps[0]["args"]["target"] == "bass" and steps[0]["args"]["gain_db"] == -6.0
    assert steps[2]["args"]["start_s"] == 0.5 and steps[2]["result"]["end_s"] == 1.0
    assert "-6.0 dB on bass" in steps[0]["result"]["summary"]
    # measured: only the bass changed, by -6 dB; the other stems are the very same blobs
    v2 = hist[1]
    assert _rms_db(s.stem("bass", 2).samples) - _rms_db(s.stem("bass", 1).samples) == pytest.approx(-6, abs=0.01)
    assert v2.stems["drums"] == v1.stems["drums"] and v2.stems["keys"] == v1.stems["keys"]
    # a mix move over stems is kept as a bus op and replayed when a stem later changes
    assert hist[2].bus == [{"tool": "gain", "args": steps[1]["args"]}] == hist[3].bus
    assert _rms_db(s.mix(3).samples) - _rms_db(s.mix(2).samples) == pytest.approx(2, abs=0.01)
    want = render_mix(s.stems(4), hist[3].state, hist[3].bus, 44100, registry)
    assert np.abs(s.mix(4).samples - want.samples).max() < 1e-5
    keys1, keys4 = s.stem("keys", 1).samples, s.stem("keys", 4).samples
    assert np.array_equal(keys4[:, :22000], keys1[:, :22000])  # untouched before the range
    assert _rms_db(keys4[:, 23000:43000]) - _rms_db(keys1[:, 23000:43000]) == pytest.approx(-4, abs=0.05)


def test_a_failing_call_records_nothing(registry, make_session, band_stems):
    s = make_session(stems=band_stems)
    with pytest.raises(ToolInputError, match="unknown target 'vocals'"):
        _run(registry, s, "gain", target="vocals", gain_db=3.0)
    with pytest.raises(ToolInputError, match="gain_db"):
        _run(registry, s, "gain", target="bass", gain_db=99.0)
    assert len(s.history()) == 1 and s.head.id == 1


def test_undo_redo_and_redo_cleared_by_new_commit(registry, make_session):
    s = make_session(mix=sine(330, 1.0, channels=2))
    for _ in range(3):
        _run(registry, s, "gain", gain_db=-3.0)
    assert s.undo().id == 3 and s.undo().id == 2
    assert _rms_db(s.mix().samples) - _rms_db(s.mix(1).samples) == pytest.approx(-3, abs=0.01)
    assert s.redo().id == 3
    _run(registry, s, "gain", gain_db=1.0)  # v5, child of v3: the undone v4 is no longer redoable
    assert (s.head.id, s.head.parent) == (5, 3)
    with pytest.raises(ToolInputError, match="nothing to redo"):
        s.redo()
    assert s.version(4).parent == 3  # still in history and loadable
    assert s.mix(4).frames == 44100


def test_undo_at_first_version_errors_clearly(make_session):
    s = make_session(mix=sine(330, 0.2))
    with pytest.raises(ToolInputError, match="nothing to undo: the session is at its first version"):
        s.undo()
    assert s.head.id == 1


def test_checkout_then_commit_creates_a_branch(registry, make_session):
    s = make_session(mix=noise(1.0, channels=2, amplitude=0.1, seed=2))
    _run(registry, s, "gain", gain_db=-3.0)
    _run(registry, s, "gain", gain_db=-3.0)
    assert s.checkout(1).id == 1
    out = _run(registry, s, "gain", gain_db=5.0)
    assert (out.version.id, out.version.parent, s.head.id) == (4, 1, 4)
    assert [h.parent for h in s.history()] == [None, 1, 2, 1]
    base = _rms_db(s.mix(1).samples)
    assert _rms_db(s.mix(4).samples) - base == pytest.approx(5, abs=0.01)
    assert _rms_db(s.mix(3).samples) - base == pytest.approx(-6, abs=0.01)  # other branch intact
    assert s.undo().id == 1  # undo follows the branch's parent, not the version number


def test_ab_returns_the_two_versions(registry, make_session, band_stems):
    s = make_session(stems=band_stems)
    _run(registry, s, "gain", target="drums", gain_db=-8.0)
    a, b = s.ab(1, 2, target="drums")
    assert _rms_db(b.samples) - _rms_db(a.samples) == pytest.approx(-8, abs=0.01)
    ma, mb = s.ab(1, 2)
    assert ma.frames == mb.frames and not np.array_equal(ma.samples, mb.samples)
    assert "v1" in ma.provenance[0] and "v2" in mb.provenance[0]
    with pytest.raises(ToolInputError, match="has no stem 'vocals'"):
        s.ab(1, 2, target="vocals")


def test_float_headroom_survives_tool_round_trip(registry, make_session):
    mix = sine(440, 0.5, channels=2, amplitude=0.5)
    s = make_session(mix=mix)
    run_tool(registry, "gain", {"gain_db": 12.0}, store=s.store, session_id=s.id, allow_clipping=True)
    assert s.mix().peak() == pytest.approx(0.5 * 10 ** 0.6, rel=1e-4)  # ~2.0: not clipped at 1.0
    _run(registry, s, "gain", gain_db=-12.0)
    assert np.abs(s.mix().samples - mix.samples).max() < 1e-6


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_export_writes_mix_stems_midi_and_history(registry, make_session, tmp_path, fmt):
    stems = {"bass": sine(55, 1.0, sample_rate=48000, amplitude=0.3),
             "keys": sine(440, 1.0, sample_rate=48000, amplitude=0.2, channels=2)}
    s = make_session(stems=stems, tempo_bpm=100)
    _run(registry, s, "write_midi", stem="bass", pitches=[36, 43, 48])
    _run(registry, s, "gain", target="keys", gain_db=-2.0)
    files = s.export(tmp_path / fmt, fmt=fmt)
    names = sorted(p.relative_to(tmp_path / fmt).as_posix() for p in files)
    assert names == sorted([f"mix.{fmt}", f"stems/bass.{fmt}", f"stems/keys.{fmt}", "midi/bass.mid",
                            "history.json"])
    tol = 0.0 if fmt == "wav" else 2.0**-23  # WAV is float; FLAC is 24-bit
    for p in files:
        if p.suffix == f".{fmt}":
            data, sr = sf.read(str(p), dtype="float32", always_2d=True)
            want = s.mix() if p.stem == "mix" else s.stem(p.stem)
            assert sr == 48000 and data.shape == want.samples.T.shape
            assert np.abs(data - want.samples.T).max() <= tol
    import mido

    notes = [m.note for m in mido.MidiFile(str(tmp_path / fmt / "midi" / "bass.mid")).tracks[0]
             if m.type == "note_on"]
    assert notes == [36, 43, 48]
    hist = json.loads((tmp_path / fmt / "history.json").read_text())
    assert hist["session"] == s.id and hist["head"] == 3
    assert [v["version"] for v in hist["versions"]] == [1, 2, 3]
    assert [v["step"]["tool"] for v in hist["versions"]] == ["create", "write_midi", "gain"]
    assert hist["versions"][2]["step"]["args"]["gain_db"] == -2.0
    assert hist["versions"][2]["parent"] == 2 and hist["versions"][2]["state"]["tempo_bpm"] == 100
    assert set(hist["versions"][2]["assets"]) == {"midi:bass"}


def test_export_of_an_older_version_and_bad_format(registry, make_session, tmp_path):
    s = make_session(mix=sine(220, 0.5, channels=2, amplitude=0.4))
    _run(registry, s, "gain", gain_db=-6.0)
    s.export(tmp_path / "v1", fmt="wav", version_id=1)
    data, _ = sf.read(str(tmp_path / "v1" / "mix.wav"), dtype="float32", always_2d=True)
    assert np.array_equal(data.T, quantize(Clip(sine(220, 0.5, channels=2, amplitude=0.4).samples,
                                                44100)).samples)
    with pytest.raises(ToolInputError, match="export format 'mp3' unsupported"):
        s.export(tmp_path / "x", fmt="mp3")


def test_export_keeps_asset_files_inside_the_folder(registry, make_session, tmp_path):
    s = make_session(mix=sine(220, 0.3))
    _run(registry, s, "write_midi", stem="../../escape", pitches=[60])
    files = s.export(tmp_path / "out", fmt="wav")
    midi = [p for p in files if p.suffix == ".mid"]
    assert [p.name for p in midi] == ["______escape.mid"]
    assert midi[0].resolve().parent == (tmp_path / "out" / "midi").resolve()
    assert not (tmp_path / "escape.mid").exists()
