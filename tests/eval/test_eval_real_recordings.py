"""The real-recording case file (eval_cases/real_recordings.yaml): its shape, and one case run end to end."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bandmate.eval.schema import load_cases

CASE_FILE = Path(__file__).resolve().parents[2] / "eval_cases" / "real_recordings.yaml"
RECORDINGS = {"vibe_ace.ogg", "lets_go_fishin.ogg", "choice_drum_bass.ogg", "hungarian_dance_5.ogg"}


@pytest.fixture(scope="module")
def real_cases():
    return load_cases([CASE_FILE])


def test_the_file_covers_the_four_recordings_with_short_excerpts(real_cases):
    assert len(real_cases) >= 60
    assert sum(1 for c in real_cases if c.history) >= 20
    used = Counter(Path(c.context.audio).name for c in real_cases)
    assert set(used) == RECORDINGS and min(used.values()) >= 10
    spans = [c.context.excerpt_s[1] - c.context.excerpt_s[0] for c in real_cases]
    assert all(10 <= s <= 20 for s in spans)
    assert len({c.category for c in real_cases}) >= 9


def test_every_case_states_what_a_musician_would_expect(real_cases):
    for c in real_cases:
        ex = c.expect
        stated = ex.clarify or ex.kind or ex.tools_any or ex.changes or ex.changes_any or ex.preserve
        assert stated, f"{c.id} states no expectation"
        if ex.kind == "answer":  # a question never edits: the case must say so
            assert "eq" in ex.tools_none and "time_stretch" in ex.tools_none, c.id


def test_the_recordings_are_found_from_the_case_file(real_cases, real_data):
    assert all(c.context.missing_files() == [] for c in real_cases)


@pytest.mark.slow
@pytest.mark.real_data
def test_a_stem_edit_on_an_excerpt_is_measured_on_the_stem(real_cases, real_data, kb_template):
    """'make the vocals warmer' on 15 s of lets_go_fishin: separated, edited, measured on the vocals."""
    from bandmate.eval.runner import EvalConfig, Worker, run_case

    case = next(c for c in real_cases if c.id == "real-fishin-vocals-warmer-01")
    worker = Worker.start(EvalConfig(kb_template=str(kb_template)))
    try:
        rec = run_case(case, worker)
        first = worker.builder.store.version(rec["session"], 1)
        assert worker.builder.store.clip(first.mix).duration_s == pytest.approx(15.0, abs=0.01)
    finally:
        worker.close()
    ran = [step["tool"] for step in rec["steps"]]  # the plan edits the vocals; the run separates first
    assert rec["crash"] is None and ran[0] == "separate" and "vocals" in rec["targets"], ran
    centroid = rec["measured"]["changes"][0]
    assert centroid["target"] == "vocals" and centroid["error"] is None
    assert centroid["after"] < centroid["before"]  # warmer: the vocals' spectral centroid went down
    trust = rec["trust"]
    assert trust["applies"]["stems_unmeasured"] and not trust["failed"]["stems_unmeasured"]
    assert trust["facts"]["audio_changed"] and trust["facts"]["peak_dbfs"] < 0.0
