"""`bandmate plan`, `bandmate edit` and `bandmate chat`: the agent from the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.core.audio_io import load, save
from bandmate.core.measures import band_db
from bandmate.core.testsignals import mixture, noise, sine


@pytest.fixture(autouse=True, scope="module")
def _shared_home(tmp_path_factory):
    """One data directory for this module, so the lexicon is indexed once, not once per command."""
    mp = pytest.MonkeyPatch()
    mp.setenv("BANDMATE_HOME", str(tmp_path_factory.mktemp("cli-agent-home")))
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _isolated_home():
    """Overrides the per-test home of tests/conftest.py for this module (see _shared_home)."""


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(build_app(), list(args), input=input)


def test_plan_json_is_a_typed_plan(tmp_path):
    save(noise(2.0, channels=2, color="pink"), tmp_path / "in.wav")
    res = cli("plan", "make it a bit brighter", "--input", str(tmp_path / "in.wav"), "--json")
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert plan["kind"] == "edit" and plan["steps"][0]["tool"] == "eq"
    # 'bright' is proved by the 2-8 kHz band it lifts (lexicon timbre.yaml)
    assert any(e["measure"] == "band_db:2000-8000" and e["direction"] == "up" for e in plan["expected"])


def test_show_prompt_prints_the_versioned_llm_prompt():
    res = cli("plan", "warmer bass", "--show-prompt")
    assert res.exit_code == 0, res.output
    assert "--- system ---" in res.stdout and "planner_v1" in res.stdout and "warm" in res.stdout


def test_edit_writes_the_edited_file_and_reports_the_measured_change(tmp_path):
    src = mixture(noise(3.0, channels=2, color="pink", seed=4), sine(80, 3.0, amplitude=0.2))
    save(src, tmp_path / "in.wav")
    res = cli("edit", str(tmp_path / "in.wav"), "the low end is way too boomy", "-o", str(tmp_path / "out.wav"),
              "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["plan"]["kind"] == "edit" and report["measured"]
    before, after = load(tmp_path / "in.wav"), load(tmp_path / "out.wav")
    assert after.sample_rate == before.sample_rate and after.channels == before.channels
    assert band_db(after, 60, 150) < band_db(before, 60, 150) - 1.0


def test_edit_of_a_stem_separates_first_and_writes_stems(tmp_path):
    src = mixture(noise(3.0, channels=2, color="pink", seed=5), sine(60, 3.0, amplitude=0.3))
    save(src, tmp_path / "in.wav")
    res = cli("edit", str(tmp_path / "in.wav"), "turn the bass down 6 dB", "-o", str(tmp_path / "out.wav"),
              "--stems-out", str(tmp_path / "stems"), "--json")
    assert res.exit_code == 0, res.output
    # what ran: the separation (after which the planner checked that a bass is there), then the gain
    tools = [s["tool"] for s in json.loads(res.stdout)["steps"]]
    assert tools[0] == "separate" and "gain" in tools
    assert (tmp_path / "stems" / "bass.wav").is_file()


def test_edit_refuses_unreadable_audio_in_one_line(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"not audio at all")
    res = cli("edit", str(tmp_path / "bad.wav"), "brighter", "-o", str(tmp_path / "out.wav"))
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "cannot read" in res.stderr
    assert not (tmp_path / "out.wav").exists()


def test_ambiguous_edit_asks_back_and_writes_nothing(tmp_path):
    save(noise(1.0, channels=2), tmp_path / "in.wav")
    res = cli("edit", str(tmp_path / "in.wav"), "make it better", "-o", str(tmp_path / "out.wav"))
    assert res.exit_code == 3 and "Which way?" in res.stderr and not (tmp_path / "out.wav").exists()


def test_chat_creates_music_then_edits_it():
    res = cli("chat", input="rock groove in A minor at 120 bpm with drums and bass, 2 bars\n"
                            "the bass is too boomy\nundo that\n\n")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "(session " in out and "2 bars of rock in A minor at 120 BPM" in out
    assert "Measured: band_db:60-150 on bass" in out and "Going back 1 step" in out
