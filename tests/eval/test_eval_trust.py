"""Trust counts: questions that edit, broken constraints, clipping, unmeasured stem edits, lost corrections."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.eval.measure import Probe
from bandmate.eval.report import markdown
from bandmate.eval.schema import Case
from bandmate.eval.scoring import summarize
from bandmate.eval.trust import (
    audio_changed,
    finish,
    is_correction,
    stated_constraints,
    trust_summary,
    turn_facts,
    unmeasured_stems,
)


@pytest.mark.parametrize("request_text, found", [
    ("louder, but don't squash it", ["dynamics"]),
    ("don't change anything, just tell me the key and tempo", ["audio"]),
    ("a touch faster, but don't change the key", ["key"]),
    ("slow it down a bit but don't change the pitch", ["key"]),
    ("darker overall, don't touch the tempo", ["tempo_bpm"]),
    ("turn the guitar down a bit, keep the vocals as they are", ["stem:vocals"]),
    ("bass a bit louder please, leave the drums alone", ["stem:drums"]),
    ("without changing the length, make it wider", ["duration_s"]),
    ("bring it up 2 dB but keep the dynamics as they are", ["dynamics"]),
    ("make it brighter", []),
    ("keep it going for another 10 seconds", []),
    ("what key is this in?", []),
])
def test_constraints_are_read_from_the_request(request_text, found):
    assert stated_constraints(request_text) == found


@pytest.mark.parametrize("text, yes", [
    ("no, by warm I mean less harsh highs", True),
    ("nope, when I said bright I meant more presence", True),
    ("no more reverb", False),
    ("make it warmer", False),
])
def test_corrections_are_recognised(text, yes):
    assert is_correction(text) is yes


def _edit(session, *, mix: Clip | None = None, stems: dict[str, Clip] | None = None):
    head = session.head
    store = session.store
    return store.commit(session.id, parent=head.id, mix=mix if mix is not None else head.mix,
                        stems={**head.stems, **(stems or {})}, state=head.state, step={"tool": "test"})


def _case(request: str, *, kind: str | None = None, history: list[str] | None = None) -> Case:
    return Case.model_validate({"id": "t", "category": "analysis", "request": request, "history": history or [],
                                "expect": {"kind": kind} if kind else {}})


def _record(steps=(), measured=(), kind="edit", exec_error=None, direction=None) -> dict:
    return {"id": "t", "steps": list(steps), "agent_measured": list(measured), "kind": kind,
            "exec_error": exec_error, "checks": {"direction": direction}}


def test_a_question_that_changes_the_mix_and_clips_is_caught(make_session, band_stems):
    session = make_session(stems=band_stems)
    mix = session.mix()
    _edit(session, mix=mix.replace(mix.samples * 10.0, "louder"))  # +20 dB: far over full scale
    probe = Probe.of(session, 1, session.head.id)
    rec = _record()
    facts = turn_facts(_case("don't change anything, what key is it?", kind="answer"), probe, rec)
    assert facts["audio_changed"] and facts["question"] and facts["constraints"] == ["audio"]
    assert facts["peak_dbfs"] == pytest.approx(20 * np.log10(10.0 * mix.peak()), abs=0.5) and facts["peak_dbfs"] > 0
    failed = finish(facts, rec)["failed"]
    assert failed["edits_on_questions"] and failed["constraints_broken"] and failed["over_full_scale"]


def test_adding_stems_is_not_a_change_of_the_music(make_session, band_stems):
    """A question that separates first (stems appear, the mix stays) has not edited anything."""
    session = make_session(mix=Clip(np.asarray(band_stems["keys"].samples), 44100))
    _edit(session, stems={"vocals": band_stems["keys"]})
    probe = Probe.of(session, 1, session.head.id)
    assert not audio_changed(probe)
    facts = turn_facts(_case("what's the tempo", kind="answer"), probe, _record(kind="answer"))
    assert not any(finish(facts, _record(kind="answer"))["failed"].values())


def test_a_kept_stem_that_moved_breaks_the_constraint(make_session, band_stems):
    session = make_session(stems=band_stems)
    _edit(session, stems={"drums": band_stems["drums"].replace(band_stems["drums"].samples * 0.5, "-6 dB")})
    probe = Probe.of(session, 1, session.head.id)
    facts = turn_facts(_case("bass up, leave the drums alone"), probe, _record())
    assert list(facts["broken"]) == ["stem:drums"] and "level -6.0 dB" in facts["broken"]["stem:drums"]
    kept = turn_facts(_case("drums down, leave the bass alone"), probe, _record())
    assert kept["constraints"] == ["stem:bass"] and kept["broken"] == {}


def test_squashing_is_a_crest_factor_fall(make_session, band_stems):
    session = make_session(stems=band_stems)
    mix = session.mix()
    squashed = np.tanh(mix.samples * 20.0) * 0.5  # hard saturation: peaks flattened
    _edit(session, mix=mix.replace(squashed.astype(np.float32), "squash"))
    facts = turn_facts(_case("louder but don't squash it"), Probe.of(session, 1, session.head.id), _record())
    assert "crest factor" in facts["broken"]["dynamics"]


def test_stem_edits_need_a_measurement_on_that_stem():
    steps = [{"tool": "separate", "args": {}}, {"tool": "eq", "args": {"target": "vocals"}},
             {"tool": "gain", "args": {"target": "mix"}}]
    missing = [{"target": "vocals", "before": None, "after": None, "error": "version 1 has no stem 'vocals'"}]
    proved = [{"target": "vocals", "before": 700.0, "after": 560.0, "error": None}]
    assert unmeasured_stems(steps, missing) == ["vocals"]
    assert unmeasured_stems(steps, []) == ["vocals"]
    assert unmeasured_stems(steps, proved) == []


@pytest.mark.parametrize("rec, lost", [
    (_record(kind="edit", direction=True), False),
    (_record(kind="edit", direction=False), True),
    (_record(kind="clarify"), True),
    (_record(kind="edit", exec_error="eq failed"), True),
])
def test_a_correction_counts_as_applied_only_when_its_edit_holds(rec, lost):
    facts = {"correction": True, "audio_changed": True}
    assert finish(facts, rec)["failed"]["corrections_not_applied"] is lost


def test_the_summary_and_report_show_every_count(tmp_path):
    clean = {"id": "ok-1", "trust": finish({"question": True, "audio_changed": False}, _record(kind="answer"))}
    bad = {"id": "bad-1", "trust": finish({"audio_changed": True, "over_full_scale": True, "peak_dbfs": 2.6},
                                          _record())}
    t = trust_summary([clean, bad])
    assert t["edits_on_questions"] == {"count": 0, "of": 1, "cases": []}
    assert t["over_full_scale"] == {"count": 1, "of": 1, "cases": ["bad-1"]} and t["passed"] is False
    base = {"category": "dynamics", "passed": True, "failures": [], "checks": {}, "clarify_expected": False,
            "clarified": False, "plan_s": 0.1, "exec_s": 0.1, "case_s": 0.2, "request": "x", "measured": None}
    records = [{**base, **clean}, {**base, **bad}]
    summary = {"meta": {"planner": "offline", "cases": 2, "skipped": [{"id": "gone", "missing": "a.ogg"}]},
               **summarize(records)}
    assert json.loads(json.dumps(summary))["trust"]["over_full_scale"]["count"] == 1
    text = markdown(records, summary, {})
    assert "## Trust" in text and "not all 0: FAIL" in text
    assert "Skipped 1 case(s) whose recording is absent (a.ogg)." in text
    assert "| outputs over full scale (true peak > 0 dBFS) | 1 | 1 | FAIL | bad-1 |" in text
    assert "| edits made on questions | 0 | 1 | ok | – |" in text
