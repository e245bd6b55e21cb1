"""End to end: `bandmate eval` on four tiny cases with two worker processes; the context cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bandmate.cli import build_app
from bandmate.eval.context import ContextBuilder
from bandmate.eval.schema import Context
from bandmate.tools import default_registry

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, kb_template):
    """One real run of tests/eval/data/tiny.yaml with --workers 2 (shared by the checks below)."""
    root = tmp_path_factory.mktemp("tiny-run")
    home = root / "home"
    shutil.copytree(kb_template, home / "cache" / "eval-kb")  # where `bandmate eval` keeps its index
    with pytest.MonkeyPatch.context() as mp:  # module-scoped, so the autouse per-test home is not set yet
        mp.setenv("BANDMATE_HOME", str(home))
        mp.setenv("HF_HUB_OFFLINE", "1")
        out = CliRunner().invoke(build_app(), ["eval", "--cases", str(DATA / "tiny.yaml"), "--out", str(root / "out"),
                                               "--workers", "2"])
    assert out.exit_code == 0, out.output
    records = {r["id"]: r for r in map(json.loads, (root / "out" / "results.jsonl").read_text().splitlines())}
    return root / "out", records, out.output


def test_every_case_is_recorded_and_the_crash_does_not_stop_the_run(tiny_run):
    out, records, text = tiny_run
    assert set(records) == {"tiny-warm-bass", "tiny-make-it-better", "tiny-mix-quieter", "tiny-broken-context"}
    broken = records["tiny-broken-context"]
    assert not broken["passed"] and "tempo_bpm" in broken["crash"] and broken["failures"][0].startswith("crashed:")
    assert "CRASH offline tiny-broken-context" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["cases"] == 4 and summary["overall"]["crashed"] == 1
    assert summary["meta"]["workers"] == 2 and set(summary["by_category"]) == {"timbre", "ambiguous", "dynamics",
                                                                              "tempo-key"}


def test_the_warm_bass_edit_is_measured_on_the_bass(tiny_run):
    _, records, _ = tiny_run
    r = records["tiny-warm-bass"]
    assert r["kind"] == "edit" and "bass" in r["targets"] and r["plan"]["steps"]
    centroid = r["measured"]["changes"][0]
    assert centroid["target"] == "bass" and centroid["delta"] == pytest.approx(centroid["after"] - centroid["before"])
    assert [p["stem"] for p in r["measured"]["preserve"]] == ["drums", "keys"]
    assert r["passed"], r["failures"]


def test_make_it_better_asks_back(tiny_run):
    r = tiny_run[1]["tiny-make-it-better"]
    assert r["clarified"] and r["passed"], r["failures"]
    assert r["version_before"] == r["version_after"]


def test_mixture_only_session_has_no_stems_and_is_measured(tiny_run):
    r = tiny_run[1]["tiny-mix-quieter"]
    counts = {m["measure"]: m for m in r["measured"]["preserve_measures"]}
    assert counts["stem_count"]["before"] == 0.0  # only the mix, as if uploaded
    loud = r["measured"]["changes"][0]
    gains = [s["args"]["gain_db"] for s in r["steps"] if s["tool"] == "gain"]
    if gains:  # what was measured on the mix matches what was applied
        assert loud["delta"] == pytest.approx(sum(gains), abs=0.2)
    assert r["passed"] == (not r["failures"])


def test_report_has_tables_and_plots(tiny_run):
    out = tiny_run[0]
    md = (out / "report.md").read_text()
    assert "| clarify precision |" in md and "| category | cases | pass |" in md and "tiny-broken-context" in md
    for name in ("accuracy.png", "changes.png", "latency.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"]({name})" in md


def test_identical_contexts_are_generated_once(store):
    builder = ContextBuilder(store, default_registry())
    ctx = Context(stems=["drums", "bass"], tempo_bpm=100, key="E minor", bars=1, seed=3)
    a = builder.session(ctx, name="a")
    b = builder.session(ctx, name="b")
    m = builder.session(ctx.model_copy(update={"mixture_only": True}), name="m")
    assert builder.generated == 1 and len({a.id, b.id, m.id}) == 3
    assert sorted(a.head.stems) == ["bass", "drums"] and a.head.stems == b.head.stems
    assert a.head.state.tempo_bpm == 100 and a.head.state.key == "E minor"
    assert m.head.stems == {} and m.head.state.tempo_bpm is None and m.head.mix == a.head.mix
    assert builder.session(None) is None
