"""`bandmate session ...` through Typer's CliRunner, against the test's own BANDMATE_HOME."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.core.audio_io import load, save
from bandmate.core.testsignals import sine
from bandmate.memory.session import Session


def cli(*args: str):
    return CliRunner().invoke(build_app(), list(args))


def ok(*args: str) -> str:
    res = cli(*args)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_new_from_audio_then_show_history_undo_redo_checkout(tmp_path, store):
    save(sine(220, 1.5, amplitude=0.3, channels=2), tmp_path / "take.flac")
    sid = ok("session", "new", "--audio", str(tmp_path / "take.flac"), "--name", "demo", "--tempo", "96",
             "--key", "F major").strip()
    assert store.info(sid).name == "demo" and store.version(sid).state.tempo_bpm == 96
    ok("tool", "run", "gain", "--session", sid, "--args", '{"gain_db": -6}')
    ok("tool", "run", "gain", "--session", sid, "--args", '{"gain_db": 2}')

    shown = json.loads(ok("session", "show", sid, "--json"))
    assert (shown["head"], shown["versions"], shown["stems"]) == (3, 3, [])
    assert shown["mix"] == {"duration_s": 1.5, "sample_rate": 44100, "channels": 2}
    assert shown["state"]["key"] == "F major"
    assert "head v3 of 3" in ok("session", "show", sid)
    hist = json.loads(ok("session", "history", sid, "--json"))
    assert [(h["version"], h["parent"], h["tool"]) for h in hist] == [(1, None, "create"), (2, 1, "gain"), (3, 2, "gain")]
    assert ok("session", "history", sid).splitlines()[-1].startswith("* v3 (from v2)  gain: +2.0 dB")

    assert "head is v2" in ok("session", "undo", sid)
    assert "head is v3" in ok("session", "redo", sid)
    assert "head is v1" in ok("session", "checkout", sid, "1")
    assert store.info(sid).head == 1
    listed = json.loads(ok("session", "list", "--json"))
    assert [(s["id"], s["head"], s["versions"]) for s in listed] == [(sid, 1, 3)]


def test_new_from_stems_sums_them_into_the_mix(tmp_path, store):
    stems = tmp_path / "stems"
    bass, keys = sine(55, 1.0, amplitude=0.3), sine(440, 0.5, amplitude=0.2, channels=2)
    save(bass, stems / "bass.wav")
    save(keys, stems / "keys.flac", subtype="PCM_24")
    sid = ok("session", "new", "--stems", str(stems)).strip()
    session = Session(store, sid)
    assert list(session.head.stems) == ["bass", "keys"]
    mix = session.mix().samples
    want = np.stack([bass.samples[0], bass.samples[0]])
    want[:, : keys.frames] += load(stems / "keys.flac").samples
    assert mix.shape == (2, 44100)
    assert np.max(np.abs(mix - want)) < 1e-5
    assert session.head.state.instrumentation == ["bass", "keys"]


def test_export_writes_mix_stems_and_history(tmp_path, make_session, band_stems):
    session = make_session(stems=band_stems, tempo_bpm=120)
    out = tmp_path / "out"
    written = ok("session", "export", session.id, str(out), "--format", "flac").split()
    assert {p.split(str(out))[1] for p in written} >= {"/mix.flac", "/stems/bass.flac", "/history.json"}
    info = sf.info(str(out / "stems" / "keys.flac"))
    assert (info.samplerate, info.channels, info.frames) == (44100, 2, 88200)


@pytest.mark.parametrize("setup, args, match", [
    ("two_rates", ["--stems", "{d}/stems"], "share one sample rate"),
    ("mix_stem", ["--stems", "{d}/stems"], "not 'mix'"),
    ("notes", ["--stems", "{d}/stems"], "non-audio files"),
    (None, ["--stems", "{d}/nowhere"], "does not exist"),
    (None, ["--audio", "{d}/a.wav", "--stems", "{d}/stems"], "not both"),
    (None, [], "exactly one of"),
    (None, ["--audio", "{d}/a.wav", "--key", "   "], "short name"),
])
def test_bad_session_new_is_one_line_and_creates_nothing(tmp_path, store, setup, args, match):
    stems = tmp_path / "stems"
    save(sine(110, 0.3), tmp_path / "a.wav")
    save(sine(110, 0.3), stems / "bass.wav")
    if setup == "two_rates":
        save(sine(220, 0.3, sample_rate=48000), stems / "keys.wav")
    elif setup == "mix_stem":
        save(sine(220, 0.3), stems / "mix.wav")
    elif setup == "notes":
        (stems / "notes.txt").write_text("bass take 3")
    res = cli("session", "new", *[a.format(d=tmp_path) for a in args])
    assert res.exit_code == 1
    assert res.stdout == "" and len(res.stderr.splitlines()) == 1 and match in res.stderr
    assert store.list_sessions() == []


@pytest.mark.parametrize("args, match", [
    (["session", "undo", "{sid}"], "nothing to undo"),
    (["session", "redo", "{sid}"], "nothing to redo"),
    (["session", "checkout", "{sid}", "7"], "has no version 7"),
    (["session", "show", "nope"], "no session 'nope'"),
    (["session", "history", "nope"], "no session 'nope'"),
])
def test_bad_navigation_is_one_line_and_keeps_the_head(make_session, store, args, match):
    session = make_session(mix=sine(220, 0.3))
    res = cli(*[a.format(sid=session.id) for a in args])
    assert res.exit_code == 1 and len(res.stderr.splitlines()) == 1 and match in res.stderr
    assert "Traceback" not in res.output
    assert (store.info(session.id).head, store.info(session.id).versions) == (1, 1)


def test_usage_errors_exit_2():
    res = cli("session", "new", "--audio", "x.wav", "--tempo", "1000")
    assert res.exit_code == 2 and "less than or equal to 400" in res.output
