"""Cases that start from a recording: `context.audio` / `context.stems_dir`, cut to `excerpt_s`, as an upload."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bandmate.core.audio_io import save
from bandmate.core.testsignals import noise, sine
from bandmate.eval.context import ContextBuilder
from bandmate.eval.harness import split_runnable
from bandmate.eval.schema import CaseFileError, load_cases


def _write(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    f = tmp_path / name
    f.write_text(textwrap.dedent(text))
    return f


@pytest.fixture
def recording(tmp_path) -> Path:
    """A 6 s stereo 'recording' (440 Hz over pink noise) in tmp_path/audio/song.wav."""
    clip = sine(440, 6.0, amplitude=0.3, channels=2)
    clip = clip.replace(clip.samples + noise(6.0, amplitude=0.05, channels=2, color="pink", seed=3).samples, "mix")
    return save(clip, tmp_path / "audio" / "song.wav")


@pytest.fixture
def stems_folder(tmp_path) -> Path:
    folder = tmp_path / "audio" / "stems"
    save(sine(110, 4.0, amplitude=0.3, channels=2), folder / "bass.wav")
    save(noise(4.0, amplitude=0.1, channels=2, color="pink", seed=1), folder / "drums.wav")
    return folder


def test_relative_paths_are_relative_to_the_case_file(tmp_path, recording):
    (tmp_path / "cases").mkdir()
    f = _write(tmp_path / "cases", """
    cases:
    - id: rec-01
      category: timbre
      context: {audio: ../audio/song.wav, excerpt_s: [1, 3.5], tempo_bpm: 100}
      request: "brighter please"
    """)
    (case,) = load_cases([f])
    assert Path(case.context.audio).resolve() == recording.resolve()
    assert case.context.excerpt_s == (1.0, 3.5) and case.context.is_recording
    assert case.context.missing_files() == []


def test_an_excerpt_starts_as_an_upload(store, tmp_path, recording):
    (case,) = load_cases([_write(tmp_path, """
    cases:
    - id: rec-02
      category: timbre
      context: {audio: audio/song.wav, excerpt_s: [1, 3.5], tempo_bpm: 100, key: "A major"}
      request: "brighter please"
    """)])
    builder = ContextBuilder(store, registry=None)
    first = builder.session(case.context, name=case.id)
    second = builder.session(case.context, name=case.id)
    v = first.head
    mix = store.clip(v.mix)
    assert v.id == 1 and v.step["tool"] == "create" and v.stems == {}
    assert mix.duration_s == pytest.approx(2.5, abs=1e-3) and mix.channels == 2
    assert v.state.tempo_bpm == 100 and v.state.key == "A major"
    # the cut is the recording's own samples, from 1 s on
    full = np.asarray(store.clip(v.mix).samples)
    from bandmate.core.audio_io import load

    src = load(recording).samples[:, 44100:44100 + full.shape[1]]
    assert np.max(np.abs(full - src)) < 1e-6
    # the second case gets its own session from the cached first version: no second upload
    assert second.id != first.id and second.head.mix == v.mix


def test_a_stems_folder_is_cut_stem_by_stem(store, tmp_path, stems_folder):
    (case,) = load_cases([_write(tmp_path, """
    cases:
    - id: rec-03
      category: dynamics
      context: {stems_dir: audio/stems, excerpt_s: [0.5, 2.5]}
      request: "drums down a bit"
    """)])
    session = ContextBuilder(store, registry=None).session(case.context)
    stems = session.stems()
    assert sorted(stems) == ["bass", "drums"]
    assert all(c.duration_s == pytest.approx(2.0, abs=1e-3) for c in stems.values())
    assert session.head.state.instrumentation == ["bass", "drums"]


def test_an_excerpt_past_the_end_says_how_long_the_recording_is(store, tmp_path, recording):
    (case,) = load_cases([_write(tmp_path, """
    cases:
    - {id: rec-04, category: timbre, context: {audio: audio/song.wav, excerpt_s: [30, 40]}, request: "x"}
    """)])
    with pytest.raises(Exception, match=r"starts at 30 s but song.wav is only 6.0 s long"):
        ContextBuilder(store, registry=None).session(case.context)


@pytest.mark.parametrize("context, match", [
    ("{audio: a.ogg, stems_dir: d}", "not both"),
    ("{prompt: 'lofi', excerpt_s: [0, 10]}", "excerpt_s cuts a recording"),
    ("{audio: a.ogg, prompt: 'lofi', bars: 8}", r"\['bars', 'prompt'\] describe generated music"),
    ("{audio: a.ogg, excerpt_s: [12, 10]}", r"0 <= start < end"),
    ("{audio: a.ogg, excerpt_s: [1, 2, 3]}", "excerpt_s"),
])
def test_contradictory_recording_contexts_are_named(tmp_path, context, match):
    f = _write(tmp_path, f"""
    cases:
    - {{id: bad-01, category: timbre, context: {context}, request: "x"}}
    """)
    with pytest.raises(CaseFileError, match=match):
        load_cases([f])


def test_cases_whose_recording_is_absent_are_skipped(tmp_path, recording):
    cases = load_cases([_write(tmp_path, """
    cases:
    - {id: here, category: timbre, context: {audio: audio/song.wav}, request: "x"}
    - {id: gone, category: timbre, context: {audio: audio/missing.ogg}, request: "x"}
    - {id: gone-stems, category: timbre, context: {stems_dir: nowhere}, request: "x"}
    - {id: generated, category: timbre, context: {prompt: "lofi"}, request: "x"}
    """)])
    ready, skipped = split_runnable(cases)
    assert [c.id for c in ready] == ["here", "generated"]
    assert [s["id"] for s in skipped] == ["gone", "gone-stems"]
    assert skipped[0]["missing"].endswith("audio/missing.ogg")


def test_the_cli_skips_cleanly_when_every_recording_is_absent(tmp_path):
    from bandmate.cli import build_app

    f = _write(tmp_path, """
    cases:
    - {id: gone, category: timbre, context: {audio: nowhere/song.ogg, excerpt_s: [0, 10]}, request: "x"}
    """)
    out = CliRunner().invoke(build_app(), ["eval", "--cases", str(f), "--out", str(tmp_path / "out")])
    assert out.exit_code == 0, out.output
    assert "skipped 1 case(s) whose recording is absent" in out.output and "nowhere/song.ogg" in out.output
    assert not (tmp_path / "out" / "summary.json").exists()


def test_a_part_never_separated_is_kept_only_while_the_mix_is(store, tmp_path, recording):
    """On an upload, 'drums' exists in no version: untouched if the mix is the same audio, unknown otherwise."""
    from bandmate.eval.measure import Probe, check_preserved_stem

    (case,) = load_cases([_write(tmp_path, """
    cases:
    - {id: rec-05, category: analysis, context: {audio: audio/song.wav, excerpt_s: [0, 2]}, request: "what key?"}
    """)])
    session = ContextBuilder(store, registry=None).session(case.context)
    same = check_preserved_stem("drums", Probe.of(session, 1, 1))
    assert same["ok"] and same["error"] is None
    head = session.head
    mix = session.mix()
    store.commit(session.id, parent=head.id, mix=mix.replace(mix.samples * 0.5, "-6 dB"), stems={},
                 state=head.state, step={"tool": "gain"})
    moved = check_preserved_stem("drums", Probe.of(session, 1, session.head.id))
    assert not moved["ok"] and "never separated it, or its edits were undone" in moved["error"]
