"""Scoring hand-made plans run on real signals: one case that must pass, one that must fail, and the figures."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.agent.executor import execute
from bandmate.agent.plan import Clarification, Plan, ToolCall
from bandmate.core.clip import Clip
from bandmate.core.testsignals import noise, sine
from bandmate.eval.measure import Probe, key_shift, observe, parse_key, si_sdr_db
from bandmate.eval.schema import Case
from bandmate.eval.scoring import metrics, percentile, score_case, step_targets
from bandmate.tools import default_registry

DARKER_DRUMS = Plan(kind="edit", explanation="darker drums",
                    steps=[ToolCall(tool="eq", args={"target": "drums", "high_shelf_hz": 3000, "high_shelf_db": -9})])


def case(**expect) -> Case:
    return Case.model_validate({"id": "c", "category": "timbre", "request": "darker drums", "expect": expect})


def run(make_session, band_stems, plan: Plan):
    session = make_session(stems=band_stems, tempo_bpm=120, key="A minor")
    before = session.head.id
    ex = execute(plan, session, default_registry())
    assert ex.ok, ex.error
    return session, before, ex


def test_a_right_plan_passes_with_measured_changes(make_session, band_stems):
    c = case(tools_any=["eq"], tools_none=["generate"], target="drums",
             changes=[{"measure": "centroid_hz", "direction": "down", "min_change": "10%"},
                      {"measure": "band_db:4000-12000", "direction": "down", "min_change": 6}],
             changes_any=[{"measure": "band_db:100-400", "direction": "up"},
                          {"measure": "loudness_lufs", "direction": "down"}],
             preserve=["bass", "keys"], preserve_measures=["tempo_bpm", "key", "duration_s", "stem_count"])
    session, before, _ = run(make_session, band_stems, DARKER_DRUMS)
    obs = observe(c, session, before, session.head.id)
    score = score_case(c, plan=DARKER_DRUMS, observation=obs)
    assert score.passed, score.failures
    assert score.checks == {"clarify": True, "kind": None, "tools": True, "target": True, "direction": True,
                            "preserve": True, "answer": None, "executed": True}
    hi = obs["changes"][1]
    assert -10.0 < hi["delta"] < -6.0  # a -9 dB shelf at 3 kHz takes 6-9 dB off pink noise above 4 kHz
    assert [p["si_sdr_db"] for p in obs["preserve"]] == [200.0, 200.0]  # untouched stems: bit-identical


def test_a_wrong_plan_fails_with_readable_reasons(make_session, band_stems):
    c = case(tools_any=["reverb"], target="keys",
             changes=[{"measure": "centroid_hz", "direction": "up"}], preserve=["drums"])
    session, before, _ = run(make_session, band_stems, DARKER_DRUMS)
    score = score_case(c, plan=DARKER_DRUMS, observation=observe(c, session, before, session.head.id))
    assert not score.passed
    assert score.checks["tools"] is False and score.checks["target"] is False
    assert score.checks["direction"] is False and score.checks["preserve"] is False
    text = "\n".join(score.failures)
    assert "used ['eq'], expected any of ['reverb']" in text
    assert "worked on ['drums'], expected keys" in text
    assert "centroid_hz on keys: expected up" in text  # the keys were not touched: no change measured
    assert "drums should be untouched but changed (SI-SDR" in text


def test_asking_back_when_acting_was_expected_is_one_reason():
    c = case(tools_any=["eq"], target="drums", changes=[{"measure": "centroid_hz", "direction": "down"}])
    plan = Plan(kind="clarify", clarification=Clarification(question="Darker how?", options=["less hiss", "warmer"]))
    obs = {"changes": [{"measure": "centroid_hz", "target": "drums", "direction": "down", "min_change": None,
                        "before": 900.0, "after": 900.0, "delta": 0.0, "threshold": 18.0, "ok": False, "error": None}],
           "changes_any": [], "preserve": [], "preserve_measures": []}
    score = score_case(c, plan=plan, observation=obs)
    assert score.failures == ["asked back ('Darker how?') instead of acting"]
    assert score.checks["clarify"] is False and score.checks["tools"] is False


def test_a_crash_fails_every_stated_check():
    c = case(clarify=True, preserve=["drums"])
    score = score_case(c, plan=None, crash="ToolFailed: boom")
    assert not score.passed and score.failures == ["crashed: ToolFailed: boom"]
    assert score.checks["preserve"] is False and score.checks["tools"] is None and score.checks["clarify"] is False


def test_a_gain_change_on_a_preserved_stem_is_caught(make_session, band_stems):
    c = case(preserve=["keys", "bass"])
    plan = Plan(kind="edit", steps=[ToolCall(tool="gain", args={"target": "keys", "gain_db": -6})])
    session, before, _ = run(make_session, band_stems, plan)
    obs = observe(c, session, before, session.head.id)
    keys, bass = obs["preserve"]
    # SI-SDR is blind to gain, so the level change is what shows it
    assert keys["si_sdr_db"] > 30 and keys["level_change_db"] == pytest.approx(-6.0, abs=0.05) and not keys["ok"]
    assert bass["ok"] and bass["level_change_db"] == 0.0
    assert score_case(c, plan=plan, observation=obs).failures == [
        "keys should be untouched but changed (level -6.0 dB)"]


def test_metrics_clarify_precision_recall_and_rates():
    def rec(expected, asked, passed, tools=None, plan_s=0.1):
        return {"category": "x", "clarify_expected": expected, "clarified": asked, "passed": passed,
                "checks": {"tools": tools}, "plan_s": plan_s, "exec_s": 0.0, "case_s": 1.0}

    rs = [rec(True, True, True), rec(False, True, False, tools=False), rec(True, False, False),
          rec(False, False, True, tools=True, plan_s=0.5), rec(False, False, True, tools=True, plan_s=0.9)]
    m = metrics(rs)
    assert (m["clarify_precision"], m["clarify_recall"]) == (0.5, 0.5)
    assert m["clarify_counts"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 2}
    assert m["tool_accuracy"] == pytest.approx(2 / 3) and m["tool_accuracy_n"] == 3
    assert m["pass_rate"] == pytest.approx(3 / 5)
    assert m["plan_s"]["p50"] == pytest.approx(0.1) and m["plan_s"]["p95"] == pytest.approx(0.82)
    assert percentile([], 50) is None


@pytest.mark.parametrize("tool, args, where", [
    ("eq", {"target": "bass", "low_shelf_db": 2}, ["bass"]), ("reverb", {}, ["mix"]),
    # arranging a part changes the mix's make-up too, so those steps land on both
    ("remove_stem", {"stem": "drums"}, ["drums", "mix"]), ("mix", {"stem": "keys", "mute": True}, ["keys", "mix"]),
    ("add_stem", {"instrument": "strings", "name": None}, ["strings", "mix"]),
    ("add_stem", {"instrument": "pad", "name": "pad2"}, ["pad2", "mix"]),
    ("gain", {"target": "bass", "gain_db": -3}, ["bass"]),
    ("inpaint", {"start_bar": 2, "stems": ["drums", "bass"]}, ["drums", "bass"]), ("separate", {"stems": None}, []),
])
def test_where_a_step_lands(tool, args, where):
    assert step_targets(tool, args) == where


@pytest.mark.parametrize("a, b, shift", [("C major", "D major", (2, False)), ("A minor", "Am", (0, False)),
                                         ("C major", "A# major", (-2, False)), ("F#m", "A:maj", (3, True)),
                                         ("Bb", "E major", (6, False))])
def test_key_shift_in_semitones(a, b, shift):
    assert key_shift(a, b) == shift


def test_unreadable_key_is_none():
    assert parse_key("H minor") is None and key_shift("C major", None) is None


def test_si_sdr_matches_the_noise_level():
    x = sine(220, 2.0, amplitude=0.5)
    n = noise(2.0, amplitude=1.0, seed=3)
    scaled = n.samples * (np.sqrt(np.mean(x.samples**2)) / np.sqrt(np.mean(n.samples**2))) * 10 ** (-20 / 20)
    assert si_sdr_db(x, Clip(x.samples + scaled, x.sample_rate)) == pytest.approx(20.0, abs=0.3)
    assert si_sdr_db(x, Clip(x.samples * 0.3, x.sample_rate)) > 140  # gain alone: only float32 rounding is left


def test_session_measures_come_from_the_state_table(make_session, band_stems):
    session = make_session(stems=band_stems, tempo_bpm=97, key="E minor")
    probe = Probe.of(session, session.head.id, session.head.id)
    assert [probe.value(m, "mix", "before") for m in ("tempo_bpm", "key", "stem_count")] == [97.0, "E minor", 3.0]
    assert probe.value("duration_s", "bass", "after") == pytest.approx(2.0)


def test_a_stem_is_measured_as_heard_through_its_fader(make_session, band_stems):
    """Turning the drums down with the mixer counts as quieter drums, and muting them as silence."""
    from bandmate.eval.measure import Probe
    from bandmate.tools import default_registry
    from bandmate.tools.run import run_tool

    s = make_session(stems=band_stems)
    run_tool(default_registry(), "mix", {"stem": "drums", "gain_db": -6.0}, store=s.store, session_id=s.id)
    probe = Probe.of(s, 1, s.head.id)
    before, after = probe.value("loudness_lufs", "drums", "before"), probe.value("loudness_lufs", "drums", "after")
    assert after - before == pytest.approx(-6.0, abs=0.05)
    run_tool(default_registry(), "mix", {"stem": "drums", "mute": True}, store=s.store, session_id=s.id)
    assert Probe.of(s, 1, s.head.id).value("loudness_lufs", "drums", "after") <= -100
