"""A problem stated, then an instruction: the instruction is the request (issue 8, reading).

"the drums are too busy, simplify them" asks for fewer notes; the "too" belongs to the complaint, not to
"simplify". Seen in the built-in evaluation turned the wrong way round: busier drums, louder horns, a colder
mix. Also: ranged pattern changes rewrite only their bars, and "now the bass, same idea" repeats a rewrite.
"""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.agent.parser import find_complaint
from bandmate.agent.plan import ExpectedChange
from bandmate.agent.turn import Agent
from bandmate.agent.verify import Measured, decide, judge
from bandmate.core.measures import onset_rate
from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.backends.composer import compose_range
from bandmate.tools.backends.composer.controls import Controls


@pytest.mark.parametrize("request_text, tool, key, sign", [
    ("the horns poke out too much, tuck them in", "gain", "gain_db", -1),
    ("the drums are too much for a ballad, calm them down", "gain", "gain_db", -1),
    ("warm it up, it's a bit cold", "eq", "low_shelf_db", +1),
    ("it's a bit cold", "eq", "low_shelf_db", +1),           # the complaint alone still asks for the opposite
    ("the vocals sound too bright", "eq", "peak1_db", -1),
])
def test_the_instruction_after_a_complaint_is_taken_as_said(offline_planner, band_view, request_text, tool, key,
                                                              sign):
    plan = offline_planner.plan(request_text.replace("horns", "lead"), band_view)
    step = next(s for s in plan.steps if s.tool == tool and key in s.args)
    assert step.args[key] * sign > 0, plan.text()


def test_too_busy_then_simplify_asks_for_fewer_notes(offline_planner, band_view):
    plan = offline_planner.plan("the drums are too busy, simplify them", band_view)
    assert plan.tools() == ["replace_stem"] and plan.steps[0].args["stem"] == "drums"
    assert [(e.measure, e.direction, e.target) for e in plan.expected] == [("onset_rate", "down", "drums")]


@pytest.mark.parametrize("text, complaint", [
    ("double-time feel on the drums for the last 2 bars", False),
    ("the drums feel lazy", True),
    ("the vocals sound muddy", True),
    ("it feels like a demo", True),
])
def test_a_complaint_needs_a_quality_after_its_verb(text, complaint):
    assert find_complaint(text) is complaint


def test_a_ranged_pattern_change_recomposes_only_those_bars(offline_planner, band_view):
    plan = offline_planner.plan("double-time feel on the drums for the last 2 bars", band_view)
    assert plan.tools() == ["inpaint"]
    args = plan.steps[0].args
    assert (args["start_bar"], args["end_bar"], args["stems"]) == (7, 8, ["drums"])
    assert "double" in args["instruction"]
    assert [(e.measure, e.direction) for e in plan.expected] == [("onset_rate", "up")]


def _drum_onsets(instruction: str | None) -> int:
    c = Controls(instruments=["drums", "bass"], drum_feel="funk", tempo_bpm=104, key="E minor", bars=4, seed=9)
    notes = compose_range(c, 3, 4, instruction=instruction, seed=9).parts["drums"].notes
    return len({round(n.start_s, 3) for n in notes})


def test_an_instruction_that_names_a_feel_plays_that_feel_in_the_window():
    plain, double, sparse = _drum_onsets(None), _drum_onsets("double time"), _drum_onsets("sparse")
    assert sparse <= plain // 2  # a hit on each beat (and bar 4's fill) instead of sixteenths
    assert double >= plain


def test_a_measure_that_did_not_move_is_not_the_wrong_way():
    exp = ExpectedChange(measure="onset_rate", direction="up", target="drums")
    assert judge(exp, 5.7, 5.7) == (True, False)
    assert judge(exp, 5.7, 4.0)[0] is False  # the wrong way, by a noticeable amount
    # the other way by less than anyone hears is noise: kept, reported as such, never applied again
    # (tried in bandmate chat: "fewer repeats" on a slapback measured +0.02 s of decay and was undone)
    assert judge(exp, 5.7, 5.6) == (True, False)
    m = Measured(exp, 5.7, 5.6, True, False)
    assert m.unclear and "too small to tell which way" in m.text()
    assert decide([m]) == ("keep", set())


def test_now_the_bass_same_idea_repeats_a_rewrite_on_the_bass(offline_planner, kb, store):
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="instr")
    made = agent.turn("funky groove with drums, bass and keys, 104 bpm, 2 bars", None, store=store)
    session = Session(store, made.session_id)
    first = agent.turn("the drums are too busy, simplify them", session)
    assert first.plan.tools() == ["replace_stem"] and not first.adjusted
    drums_before = session.stem("drums", first.version_before)
    assert onset_rate(session.stem("drums")) < onset_rate(drums_before)
    res = agent.turn("now the bass, same idea", session)
    assert res.plan.tools() == ["replace_stem"] and res.plan.steps[0].args["stem"] == "bass"
    assert res.plan.steps[0].args.get("style") == first.plan.steps[0].args.get("style")
    assert onset_rate(session.stem("bass")) < onset_rate(session.stem("bass", res.version_before))


@pytest.mark.parametrize("request_text", ["nah, that's too busy, put the old drums back",
                                          "bring back the original bass line", "go back to the previous keys"])
def test_asking_for_the_old_part_back_is_an_undo(offline_planner, band_view, request_text):
    plan = offline_planner.plan(request_text, band_view)
    assert plan.kind == "history" and plan.history.action == "undo" and plan.history.steps == 1


def test_a_complaint_that_is_the_reason_for_an_instruction_is_not_a_second_edit(offline_planner, band_view):
    plan = offline_planner.plan("it's too static, give the keys some movement", band_view)
    assert plan.tools() == ["chorus", "stereo_width"] and {s.target for s in plan.steps} == {"keys"}
    both = offline_planner.plan("it's too bright, and turn the drums down", band_view)
    assert {(s.tool, s.target) for s in both.steps} == {("eq", "mix"), ("gain", "drums")}  # two real edits


def test_a_vibe_word_does_not_recompose_a_bar(offline_planner, band_view):
    plan = offline_planner.plan("half-time drums, breakdown vibe", band_view)
    assert plan.tools() == ["replace_stem"] and plan.steps[0].args["style"] == "half-time"


def test_a_statement_about_the_part_an_instruction_names_is_its_reason(offline_planner, band_view):
    plan = offline_planner.plan("I can't make out the bass notes, give it more definition", band_view)
    assert plan.tools() == ["eq"] and plan.steps[0].target == "bass"  # not a busier bass line as well
    two = offline_planner.plan("the drums are too loud, make the bass warmer", band_view)
    assert {(s.tool, s.target) for s in two.steps} == {("gain", "drums"), ("eq", "bass")}


def test_a_caution_is_checked_not_done(offline_planner, band_view):
    plan = offline_planner.plan("tame the cymbals a bit, but don't thin out the kick", band_view)
    assert plan.tools() == ["eq"] and plan.steps[0].args["high_shelf_db"] < 0
    assert plan.steps[0].args["high_shelf_hz"] >= 4000  # the cymbals, far above the kick
    kept = [e for e in plan.expected if e.direction == "same"]
    assert kept and all(e.target == "drums" for e in kept)
    assert any("not done; measuring" in n and "stays the same" in n for n in plan.notes)


@pytest.mark.parametrize("typo, term", [("the hi-hats are peircing", "shrill"), ("the bass is too boomyy", "boomy")])
def test_a_one_letter_slip_in_a_long_word_is_read_as_the_word(offline_planner, band_view, typo, term):
    plan = offline_planner.plan(typo, band_view)
    assert plan.kind == "edit" and f'"less {term}"' in plan.explanation


def test_brighten_is_bright_not_higher(offline_planner, band_view):
    plan = offline_planner.plan("brighten the keys", band_view)
    assert plan.tools() == ["eq"] and "pitch_shift" not in plan.tools()


def test_try_another_one_reruns_the_last_music_step_with_another_seed(offline_planner, kb, store):
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="takes")
    made = agent.turn("swinging jazz quartet with drums, bass and piano, 140 bpm in Bb major, 4 bars", None,
                      store=store)
    session = Session(store, made.session_id)
    first = agent.turn("give me a walking bass line instead", session)
    assert first.plan.tools() == ["replace_stem"]
    take_one = session.stem("bass")
    res = agent.turn("nice. try another one", session)
    assert res.plan.tools() == ["replace_stem"] and res.plan.history is not None
    assert res.plan.steps[0].args["stem"] == "bass" and res.plan.steps[0].args["seed"] is not None
    assert session.head.parent == first.version_before  # the first take was replaced, not stacked on
    assert not np.array_equal(session.stem("bass").samples, take_one.samples)


@pytest.mark.parametrize("text, kind", [("redo bars 3-4 of the keys, something different", "edit"),
                                        ("redo", "history"), ("redo that", "history"),
                                        ("redo the last change", "history")])
def test_redo_bars_recomposes_them_and_plain_redo_is_history(offline_planner, band_view, text, kind):
    plan = offline_planner.plan(text, band_view)
    assert plan.kind == kind
    if kind == "edit":
        assert plan.tools() == ["inpaint"] and plan.steps[0].args["stems"] == ["keys"]


@pytest.mark.parametrize("word, plural", [("hi-hats", True), ("toms", True), ("drums", True), ("bass", False),
                                          ("brass", False), ("piano", False), ("chorus", False)])
def test_the_separation_message_agrees_with_the_part_named(word, plural):
    from bandmate.agent.targets import _plural

    assert _plural(word) is plural


def test_a_part_said_twice_is_named_once_before_separating(offline_planner):
    from bandmate.agent.view import SessionView
    from bandmate.memory.state import StateTable

    upload = SessionView(stems=[], duration_s=30.0, state=StateTable(), version=1)
    plan = offline_planner.plan("the vocal sounds a bit harsh, smooth it out but don't make it dull", upload)
    assert "check that the vocal is really there" in plan.explanation, plan.explanation


def test_a_second_part_with_its_own_verb_is_read_on_its_own(offline_planner):
    """Tried on lets_go_fishin: "push the guitar back a little, the voice should be up front" made the voice
    distant too (the first side's verb was carried into the second)."""
    from bandmate.agent.view import SessionView
    from bandmate.memory.state import StateTable

    view = SessionView(stems=["guitar", "vocals", "bass", "drums"], duration_s=16.0,
                       state=StateTable(tempo_bpm=120), version=2)
    plan = offline_planner.plan("push the guitar back a little, the voice should be up front", view)
    vocal = [e for e in plan.expected if e.target == "vocals"]
    assert vocal and all(e.direction == "up" for e in vocal)  # louder and more present, not further away
    assert not any(s.tool == "reverb" and s.args.get("target") == "vocals" for s in plan.steps)


@pytest.mark.parametrize(("said", "target", "most_db"), [
    ("the bass is too much", "bass", -3.0), ("the bass is a bit much", "bass", -0.5),
    ("the vocals are way too much in the mix", "vocals", -3.0)])
def test_a_part_that_is_too_much_is_turned_down(offline_planner, said, target, most_db):
    """Tried in `bandmate chat` on choice_drum_bass: "the hats are a bit much" asked which way (offering
    punchier or busier drums); "the bass is too much" offered "louder bass" among its options."""
    from bandmate.agent.view import SessionView
    from bandmate.memory.state import StateTable

    view = SessionView(stems=["drums", "bass", "vocals", "other"], duration_s=16.0,
                       state=StateTable(tempo_bpm=120), version=2)
    plan = offline_planner.plan(said, view)
    assert plan.kind == "edit" and plan.targets() == [target], plan.text()
    assert plan.steps[0].tool == "gain" and plan.steps[0].args["gain_db"] <= most_db
    hats = offline_planner.plan("the hats are a bit much", view)  # a part inside the drums: its band
    assert hats.kind == "edit" and hats.targets() == ["drums"] and hats.tools() == ["eq"], hats.text()
    assert offline_planner.plan("it's too much", view).kind == "clarify"  # no part, no last turn: open
