"""Exact rules the harness taught us: session stem names, asking which part, bars without a tempo."""

from __future__ import annotations

import pytest

from bandmate.agent.parser import find_range, find_stems
from bandmate.agent.view import SessionView
from bandmate.memory.state import StateTable, StripSettings


def view(stems, **state):
    st = {"tempo_bpm": 120, **state}
    return SessionView(stems=stems, duration_s=9.0, state=StateTable(**st), version=2)


@pytest.mark.parametrize("text, known, stems", [
    ("make the piano brighter", ["drums", "bass", "piano"], ["piano"]),     # the session's own name
    ("make the piano brighter", ["drums", "bass", "keys"], ["keys"]),       # mapped to the family
    ("the rhodes is muddy", ["drums", "piano", "lead"], ["piano"]),
    ("more air on the vox", ["drums", "vocals"], ["vocals"]),
])
def test_stems_resolve_to_the_sessions_names(text, known, stems):
    assert find_stems(text, known=known) == stems


def test_named_piano_stem_is_the_target(offline_planner):
    plan = offline_planner.plan("the piano is muddy", view(["drums", "bass", "piano", "lead"]))
    assert plan.kind == "edit" and plan.targets() == ["piano"]


@pytest.mark.parametrize("request_text", ["solo it", "take it out", "mute it"])
def test_an_action_without_a_part_asks_which(offline_planner, request_text):
    plan = offline_planner.plan(request_text, view(["drums", "bass", "keys"]))
    assert plan.kind in ("clarify", "edit")
    if plan.kind == "edit":  # never guesses a stem the session does not have
        assert all((s.args.get("stem") or s.target) in ("drums", "bass", "keys", "mix") for s in plan.steps)


def test_bring_it_back_unmutes_the_muted_stem(offline_planner):
    v = view(["drums", "bass", "pad"], mixer={"pad": StripSettings(mute=True)})
    plan = offline_planner.plan("bring it back", v)
    assert plan.kind == "edit" and plan.steps[0].tool == "mix"
    assert plan.steps[0].args == {"stem": "pad", "mute": False}


def test_sizzle_on_the_hats_is_a_quality_not_a_new_instrument(offline_planner):
    plan = offline_planner.plan("add some sizzle to the hats", view(["drums", "bass"]))
    assert plan.kind == "edit" and "add_stem" not in plan.tools() and plan.targets() == ["drums"]


def test_bars_without_a_tempo_analyse_first_then_replan(offline_planner):
    v = SessionView(stems=[], duration_s=12.0, state=StateTable(), version=1)
    plan = offline_planner.plan("fade out the last 2 bars", v)
    assert plan.replan and plan.tools() == ["analyze"]


def test_a_render_tail_is_not_a_bar():
    # 4 bars at 120 BPM plus a 1 s release tail = 4.5 "bars" of audio; the last bar is still bar 4
    assert find_range("the last bar").resolve(total_bars=4.5) == (4.0, 4.0)


@pytest.mark.parametrize("request_text, tool, args", [
    ("just drums and bass", "extract_stem", {"stem": "drums", "also_keep": ["bass"]}),
    ("drums and bass only, drop everything else", "extract_stem", {"stem": "drums", "also_keep": ["bass"]}),
    ("take the lead out for the first 2 bars", "gain", {"target": "lead", "gain_db": -60.0, "start_bar": 1,
                                                        "end_bar": 2}),
    ("mute the drums in bar 2", "gain", {"target": "drums", "gain_db": -60.0, "start_bar": 2, "end_bar": 2}),
    ("more drums in the mix", "gain", {"target": "drums", "gain_db": 3.0}),
    ("slap bass instead of this one", "replace_stem", {"stem": "bass", "style": "slap bass"}),
])
def test_arranging_phrases(offline_planner, request_text, tool, args):
    plan = offline_planner.plan(request_text, view(["drums", "bass", "keys", "lead", "pad"]))
    assert plan.kind == "edit" and len(plan.steps) == 1
    assert plan.steps[0].tool == tool and plan.steps[0].args == args


def test_add_instead_adds_when_there_is_nothing_to_replace(offline_planner):
    plan = offline_planner.plan("drop the keys and add a guitar instead", view(["drums", "bass", "keys"]))
    assert plan.tools() == ["remove_stem", "add_stem"] and plan.steps[1].args["instrument"] == "guitar"
