"""Reading requests the way musicians mean them (issue 8, failures 2 and 4).

Questions never change the music; stated constraints are kept or the plan is refused; a clause with no
part named inherits the sentence's part; a generation prompt is one request whatever its punctuation.
"""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.agent.constraints import enforce, read_constraints
from bandmate.agent.parser import find_topics, parse
from bandmate.agent.plan import ToolCall
from bandmate.agent.turn import Agent
from bandmate.core.clip import Clip
from bandmate.core.testsignals import mixture, noise, sine
from bandmate.tools import default_registry


@pytest.fixture
def band(make_session):
    """8 s at 120 BPM (4 bars): bass and keys play throughout, vocals only in bars 3–4."""
    sr, n = 44100, 8 * 44100
    tone = sine(330, 8.0, amplitude=0.2).samples.copy()
    tone[:, : n // 2] = 0.0
    vocals = Clip(tone, sr)
    stems = {
        "bass": mixture(sine(55, 8.0, amplitude=0.3), sine(110, 8.0, amplitude=0.15)),
        "keys": mixture(sine(440, 8.0, amplitude=0.2), sine(3000, 8.0, amplitude=0.05)),
        "drums": noise(8.0, amplitude=0.1, channels=1, color="pink", seed=3),
        "vocals": vocals,
    }
    assert all(c.sample_rate == sr for c in stems.values())
    return make_session(stems=stems, tempo_bpm=120, key="A minor")


@pytest.fixture
def agent(offline_planner, kb):
    return Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="reader")


# ---- 1. questions never change the music ------------------------------------------------------------
@pytest.mark.parametrize("text, topics", [
    ("whats the bpm", ["tempo"]),
    ("don't change anything, just tell me the key and tempo", ["key", "tempo"]),
    ("what key is this in?", ["key"]),
    ("how loud is it", ["loudness"]),
    ("what's playing in bar 3", ["playing"]),
    ("speed it up?", []),
    ("can you make it brighter?", []),
    ("how about more reverb", []),
    ("maybe a bit brighter?", []),
    ("is the bass louder than the piano?", ["compare"]),
    ("is this in 4/4?", ["time_signature"]),
    ("is it in C minor?", ["key"]),
    ("waht key is it in", ["key"]),
    ("is it possible to make it brighter", []),
])
def test_questions_are_recognised(text, topics):
    assert find_topics(text) == topics


@pytest.mark.parametrize("request_text, said", [
    ("whats the bpm", "120 BPM"),
    ("don't change anything, just tell me the key and tempo", "A minor"),
    ("what key is this in?", "A minor"),
    ("how loud is it", "LUFS"),
])
def test_a_question_is_answered_without_a_new_version(agent, band, request_text, said):
    head, mix = band.head.id, band.mix().samples.copy()
    res = agent.turn(request_text, band)
    assert res.plan.kind == "answer" and not res.plan.steps
    assert said in res.answer
    assert band.head.id == head and np.array_equal(band.mix().samples, mix)


def test_key_and_tempo_are_both_answered(agent, band):
    res = agent.turn("don't change anything, just tell me the key and tempo", band)
    assert res.plan.topics == ["key", "tempo"]
    assert "A minor" in res.answer and "120 BPM" in res.answer
    assert [c.kind for c in res.plan.constraints] == ["no_change"]


def test_what_is_playing_in_a_bar_is_measured_per_stem(agent, band):
    before = agent.turn("what's playing in bar 1", band).answer
    after = agent.turn("what's playing in bar 3", band).answer
    assert "vocals" in before.split("silent:")[1]          # the vocals enter in bar 3
    assert "vocals" in after.split("silent:")[0] if "silent:" in after else "vocals" in after
    assert band.head.id == 1


def test_comparisons_descriptions_and_the_last_change_are_answered_from_measurements(agent, band):
    res = agent.turn("is the bass louder than the keys?", band)
    assert res.plan.kind == "answer" and res.plan.topics == ["compare"] and res.plan.about == ["bass", "keys"]
    assert "The bass is" in res.answer and "louder" in res.answer      # 0.3+0.15 vs 0.2+0.05 amplitude
    assert "describe" in agent.turn("describe the drums for me", band).plan.topics
    assert "Nothing has been changed" in agent.turn("what did you just change?", band).answer
    agent.turn("turn the drums down 3 dB", band)
    res = agent.turn("what did you just change?", band)
    assert "gain" in res.answer and band.head.id == 2


def test_a_question_on_an_unanalysed_upload_keeps_the_audio_bit_identical(agent, make_session):
    mix = mixture(sine(220, 6.0, amplitude=0.3), noise(6.0, amplitude=0.05, channels=1, seed=2))
    session = make_session(mix=mix)
    res = agent.turn("what key is this in?", session)
    assert res.plan.kind == "answer" and res.plan.tools() == ["analyze"]
    # analysis records what it measured in a state-only version: the audio is bit-identical
    assert session.head.mix == session.version(1).mix
    assert np.array_equal(session.mix().samples, session.mix(1).samples)


# ---- 2. constraints -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, kinds, rest", [
    ("raise the key by 3 semitones, keep the tempo", ["keep_tempo"], "raise the key by 3 semitones"),
    ("don't change the tempo, just move it up a semitone", ["keep_tempo"], "just move it up a semitone"),
    ("just drums and bass", [], "just drums and bass"),
    ("speed it up a touch without changing the pitch", ["keep_key"], "speed it up a touch"),
    ("louder but don't squash it", ["keep_dynamics"], "louder"),
    ("don't make it louder, just punchier", ["keep_level"], "just punchier"),
    ("keep the vocals as they are and make it brighter", ["keep_stem"], "make it brighter"),
    ("more space in the mix, but leave the kick and bass dry", ["keep_stem", "keep_stem"], "more space in the mix"),
    ("leave it as it is", ["no_change"], ""),
    ("keep everything, just a different bassline", [], "a different bassline"),
    ("don't change it too much", [], "don't change it too much"),
])
def test_constraints_are_read_and_taken_out_of_the_request(text, kinds, rest):
    found, left = read_constraints(text, ["drums", "bass", "keys", "vocals"])
    assert [c.kind for c in found] == kinds and left == rest


def test_a_plan_that_breaks_a_constraint_is_refused_before_it_runs(agent, band):
    head = band.head.id
    res = agent.turn("speed it up, but don't change the tempo", band)
    assert res.plan.kind == "clarify" and band.head.id == head
    assert "not to change the tempo" in res.message and "time_stretch" in res.message


def test_loud_but_not_squashed_uses_no_compressor(offline_planner, band_view):
    plan = offline_planner.plan("make it louder but don't squash it", band_view)
    assert plan.kind == "edit" and not {"compressor", "limiter"} & set(plan.tools())
    assert [c.kind for c in plan.constraints] == ["keep_dynamics"]
    refused = offline_planner.plan("compress the drums hard, but don't squash them", band_view)
    assert refused.kind == "clarify" and "squash" in refused.explanation


def test_a_kept_stem_is_left_out_of_a_whole_mix_edit(agent, band):
    vocals = band.stem("vocals").samples.copy()
    res = agent.turn("make it brighter but keep the vocals as they are", band)
    assert res.plan.kind == "edit" and "vocals" not in res.plan.targets() and "mix" not in res.plan.targets()
    assert np.array_equal(band.stem("vocals").samples, vocals)
    assert not np.array_equal(band.stem("keys").samples, band.stem("keys", 1).samples)


def test_enforce_names_the_constraint_for_a_step_on_the_kept_stem():
    found, _ = read_constraints("don't touch the vocals", ["vocals", "drums"])
    steps = [ToolCall(tool="eq", args={"target": "vocals", "high_shelf_db": 3.0})]
    _, refused = enforce(steps, found, ["vocals", "drums"])
    assert refused and "keep the vocals as they are" in refused


# ---- 3. compound requests -----------------------------------------------------------------------------
def test_a_clause_without_a_part_inherits_the_sentence_part():
    a, b = parse("make the vocals warmer and a bit louder", ["drums", "bass", "vocals"])
    assert a.stems == b.stems == ["vocals"] and b.inherited
    first, second = parse("remove the vocals and make it brighter", ["drums", "bass", "vocals"])
    assert second.stems == []           # the removed part is not the target of the next clause
    *_, tempo = parse("make the vocals warmer and speed it up", ["vocals"])
    assert tempo.stems == []            # tempo is the whole song's


def test_warmer_and_louder_both_land_on_the_vocals(agent, band):
    drums, keys = band.stem("drums").samples.copy(), band.stem("keys").samples.copy()
    res = agent.turn("make the vocals warmer and a bit louder", band)
    assert res.plan.kind == "edit" and res.plan.targets() == ["vocals"]
    assert {"eq", "gain"} <= set(res.plan.tools())
    assert np.array_equal(band.stem("drums").samples, drums) and np.array_equal(band.stem("keys").samples, keys)
    loud = [m for m in res.execution.measured if m.expected.measure == "loudness_lufs"]
    assert loud and loud[0].expected.target == "vocals" and loud[0].after > loud[0].before


def test_each_part_gets_its_own_edit_without_a_second_verb():
    stems = ["drums", "bass", "keys", "vocals"]
    bass, drums = parse("make the bass warmer and the drums quieter", stems)
    assert (bass.stems, drums.stems) == (["bass"], ["drums"])
    assert [c.stems for c in parse("warmer bass and quieter drums", stems)] == [["bass"], ["drums"]]
    up, down = parse("turn the bass up and the drums down", stems)
    assert down.text == "turn the drums down"  # the verb is the sentence's: 'down' is a level, not a filter
    # a side with its own verb keeps it (tried on lets_go_fishin: "push … the voice should be up front"
    # pushed the voice back)
    _, voice = parse("push the guitar back a little, the voice should be up front", ["guitar", *stems])
    assert voice.text == "the voice should be up front" and voice.stems == ["vocals"]
    # a side that only names parts is one request on all of them
    (both,) = parse("make the bass and drums quieter", stems)
    assert both.stems == ["bass", "drums"]
    (wet,) = parse("add reverb to the vocals and the keys", stems)
    assert wet.stems == ["vocals", "keys"]


@pytest.mark.parametrize("request_, expected", [
    ("make the bass warmer and the keys brighter", [("eq", "bass"), ("eq", "keys")]),
    ("turn the bass up and the drums down", [("gain", "bass"), ("gain", "drums")]),
    ("the bass and drums are too loud", [("gain", "bass"), ("gain", "drums")]),
    ("add reverb to the drums and keys", [("reverb", "drums"), ("reverb", "keys")]),
    ("remove the drums and the bass", [("remove_stem", "drums"), ("remove_stem", "bass")]),
])
def test_every_named_part_is_edited(offline_planner, band_view, request_, expected):
    plan = offline_planner.plan(request_, band_view)
    got = [(s.tool, s.args.get("target") or s.args.get("stem")) for s in plan.steps]
    assert got == expected, plan.text()
    if request_.startswith("turn"):
        assert [s.args["gain_db"] > 0 for s in plan.steps] == [True, False]
    if "warmer" in request_:  # each part read with its own word
        assert plan.steps[0].args["low_shelf_db"] > 0 > plan.steps[1].args["low_shelf_db"]


def test_parts_read_together_stay_one_step(offline_planner, band_view):
    plan = offline_planner.plan("keep only the drums and bass", band_view)
    assert [s.tool for s in plan.steps] == ["extract_stem"] and plan.steps[0].args["also_keep"] == ["bass"]


# ---- 4. a generation request is one request -------------------------------------------------------
def test_a_generation_prompt_is_one_generate_call(offline_planner):
    from bandmate.agent.view import SessionView

    text = "cinematic strings and piano in D minor at 70 bpm, slow and sad"
    plan = offline_planner.plan(text, SessionView())
    assert plan.tools() == ["generate"]
    assert plan.steps[0].args["prompt"] == text.lower()


def test_controls_the_composer_cannot_use_are_named(offline_planner):
    from bandmate.agent.view import SessionView

    plan = offline_planner.plan("a distorted rock song with brushes and a harp, happy", SessionView())
    assert plan.tools() == ["generate"]
    said = " ".join(plan.notes)
    assert "'distorted'" in said and "harp" in said and "brushes" not in said
    clean = offline_planner.plan("cinematic strings and piano in D minor at 70 bpm, slow and sad", SessionView())
    assert clean.notes == []   # every control there is read: instruments, key, tempo, mood


# ---- 5. read the way the built-in cases talk ------------------------------------------------------
@pytest.mark.parametrize("request_text", [
    "fix the bass", "do something cool with it", "more", "bar 3 isn't right", "that bit in the middle is strange",
    "improve this", "make it different", "can you tweak the keys a bit?",
])
def test_a_truly_open_request_is_asked_back(offline_planner, band_view, request_text):
    plan = offline_planner.plan(request_text, band_view)
    assert plan.kind == "clarify" and 2 <= len(plan.clarification.options) <= 4


@pytest.mark.parametrize("request_text, tool, args", [
    ("up a minor third, same tempo", "pitch_shift", {"semitones": 3.0}),
    ("speed up by 8 bpm", "time_stretch", {"target_bpm": 128.0}),
    ("10 bpm slower", "time_stretch", {"target_bpm": 110.0}),
    ("in bars 3-4, drop the piano out", "gain", {"target": "keys", "gain_db": -60.0, "start_bar": 3, "end_bar": 4}),
    ("keep everything, just a different bassline", "replace_stem", {"stem": "bass"}),
    ("keep the peaks under -3 dB", "limiter", {"threshold_db": -3.0}),
    ("make it loud, club loud, but no clipping", "limiter", {"threshold_db": -1.0}),
])
def test_requests_read_as_said(offline_planner, band_view, request_text, tool, args):
    plan = offline_planner.plan(request_text, band_view)
    assert plan.kind == "edit" and plan.steps[-1].tool == tool
    assert {k: plan.steps[-1].args.get(k) for k in args} == args


def test_the_clause_after_an_addition_is_about_the_new_part(offline_planner, band_view):
    plan = offline_planner.plan("add a string pad and push it a little to the right", band_view)
    assert plan.tools() == ["add_stem", "mix"] and plan.steps[1].args["stem"] == "pad2"   # 'pad' is taken


def test_an_unclear_clause_beside_a_clear_one_becomes_a_note(offline_planner, band_view):
    plan = offline_planner.plan("hmm, something's off, make the bass louder", band_view)
    assert plan.kind == "edit" and plan.targets() == ["bass"]
    assert any("did not understand" in n for n in plan.notes)


def test_a_clause_whose_steps_were_all_dropped_expects_no_change(offline_planner):
    from bandmate.agent.view import SessionView
    from bandmate.memory.state import StateTable

    view = SessionView(stems=["drums", "bass", "guitar"], duration_s=7.5, state=StateTable(tempo_bpm=128), version=1)
    plan = offline_planner.plan("guitar sounds thin, fill it out", view)
    assert plan.kind == "edit" and plan.targets() == ["guitar"]
    assert {e.clause for e in plan.expected} <= {s.clause for s in plan.steps}


# ---- 5. adding a part, the way people ask for one ---------------------------------------------------
@pytest.mark.parametrize("request_, instrument", [
    ("throw a vibraphone melody in", "vibraphone melody"),
    ("write a lead synth hook", "lead synth hook"),
    ("write a string part", "strings"),
    ("bring some strings in", "strings"),
])
def test_a_new_part_is_added_not_asked_about(offline_planner, request_, instrument):
    from bandmate.agent.view import SessionView

    view = SessionView(stems=["drums", "bass", "keys"], duration_s=8.0, version=1)
    plan = offline_planner.plan(request_, view)
    assert plan.kind == "edit" and [s.tool for s in plan.steps if s.tool != "analyze"] == ["add_stem"], plan.text()
    assert plan.steps[-1].args["instrument"] == instrument


def test_a_prompt_with_a_comma_is_one_part(offline_planner):
    from bandmate.agent.view import SessionView

    view = SessionView(stems=["drums", "bass", "guitar"], duration_s=8.0, version=1)
    plan = offline_planner.plan("write a new guitar part, power chords", view)
    # (the view knows no tempo, so the new part's fitting is measured first)
    assert [(s.tool, s.args.get("stem")) for s in plan.steps] == [("analyze", None), ("replace_stem", "guitar")], \
        plan.text()


# ---- 6. tempo, level and frequency words, read the way they are meant --------------------------------
def _view(stems=("drums", "bass", "keys", "strings"), bpm=128.0):
    from bandmate.agent.view import SessionView
    from bandmate.memory.state import StateTable

    return SessionView(stems=list(stems), duration_s=16.0, state=StateTable(tempo_bpm=bpm, key="A minor"), version=3)


@pytest.mark.parametrize("request_, target_bpm", [("drag it down to 72", 72.0), ("push it to 140", 140.0),
                                                  ("its rushing, bring the tempo donw to 120", 120.0)])
def test_a_tempo_said_without_bpm_is_the_target(offline_planner, request_, target_bpm):
    plan = offline_planner.plan(request_, _view())
    assert [(s.tool, s.args) for s in plan.steps] == [("time_stretch", {"target_bpm": target_bpm})], plan.text()


@pytest.mark.parametrize("request_, slower", [("it's rushing", True), ("it feels like it's dragging", False)])
def test_a_tempo_complaint_goes_the_other_way(offline_planner, request_, slower):
    (step,) = offline_planner.plan(request_, _view()).steps
    assert step.tool == "time_stretch" and (step.args["rate"] < 1) == slower


def test_a_bare_number_is_not_a_tempo_when_it_is_something_else(offline_planner):
    assert "time_stretch" not in offline_planner.plan("bring the bass up 3 db", _view()).tools()
    assert "time_stretch" not in offline_planner.plan("trim it to 12 seconds", _view()).tools()


def test_cut_it_after_bar_two_keeps_bars_one_and_two(offline_planner):
    plan = offline_planner.plan("cut it after bar 2 and put a short fade on the end", _view())
    assert [s.tool for s in plan.steps] == ["trim", "fade"] and plan.steps[0].args == {"end_bar": 2}


def test_a_part_and_a_direction_is_its_level(offline_planner):
    plan = offline_planner.plan("bass up a bit and the keys down a bit", _view())
    assert [(s.tool, s.target, s.args["gain_db"] > 0) for s in plan.steps] == [("gain", "bass", True),
                                                                           ("gain", "keys", False)]


@pytest.mark.parametrize("request_, target, key, sign, band", [
    ("the keys have too much low end, they're fighting the bass", "keys", "low_shelf_db", -1, "band_db:60-250"),
    ("more mids in the strings", "strings", "peak1_db", +1, "band_db:500-2000"),
    ("tame the highs on the drums a bit", "drums", "high_shelf_db", -1, "band_db:6000-16000"),
])
def test_a_named_frequency_region_is_cut_or_lifted(offline_planner, request_, target, key, sign, band):
    plan = offline_planner.plan(request_, _view())
    (step,) = plan.steps
    assert step.tool == "eq" and step.target == target and sign * step.args[key] > 0, plan.text()
    assert [(e.measure, e.direction) for e in plan.expected] == [(band, "up" if sign > 0 else "down")]


def test_a_part_named_as_a_reason_is_left_alone(offline_planner):
    for request_, edited in [("turn the drums down so the piano comes through", ["drums"]),
                             ("strings quieter pls, they're drowning the piano", ["strings"])]:
        plan = offline_planner.plan(request_, _view())
        assert plan.targets() == edited, plan.text()


def test_fade_the_keys_in_is_a_fade_in_and_is_measured(offline_planner):
    plan = offline_planner.plan("fade the keys in over the first bar", _view(bpm=100.0))
    (step,) = plan.steps
    assert step.tool == "fade" and step.target == "keys" and step.args["fade_in_s"] == pytest.approx(2.4)
    assert [(e.measure, e.target) for e in plan.expected] == [("band_db:20-20000", "keys")]


def test_a_transposed_stem_is_measured_on_the_stem(offline_planner):
    plan = offline_planner.plan("the bass down an octave", _view())
    assert ("centroid_hz", "down", "bass") in [(e.measure, e.direction, e.target) for e in plan.expected]


def test_only_edits_that_stack_are_applied_again_when_too_subtle():
    from bandmate.agent.verify import _stacks

    assert _stacks("eq") and _stacks("gain") and _stacks("reverb")
    for tool in ("pitch_shift", "time_stretch", "fade", "trim", "add_stem", "replace_stem", "separate"):
        assert not _stacks(tool), tool
    assert not _stacks("no_such_tool")


@pytest.mark.parametrize("request_", ["change it up", "brighten this up a bit"])
def test_up_after_a_verb_is_not_a_level(offline_planner, request_):
    assert "gain" not in offline_planner.plan(request_, _view()).tools()


def test_a_mix_edit_re_aimed_by_a_constraint_is_measured_on_the_stems_it_edits(offline_planner):
    plan = offline_planner.plan("more space in the mix, but leave the kick and bass dry",
                                _view(stems=("drums", "bass", "synth", "pad"), bpm=124.0))
    assert set(plan.targets()) == {"synth", "pad"}
    assert {(e.measure, e.target) for e in plan.expected} == {("ambience_db", "synth"), ("ambience_db", "pad"),
                                                             ("stereo_width", "mix")}


@pytest.mark.parametrize("request_", ["get rid of the reverb", "remove the reverb", "take the reverb off the keys"])
def test_reverb_in_the_recording_is_not_removed_nor_added(offline_planner, request_):
    plan = offline_planner.plan(request_, _view())
    assert plan.kind == "clarify" and "can't take out reverb" in plan.clarification.question
    for option in plan.clarification.options:  # each option is a plan that makes it drier, never wetter
        tools = offline_planner.plan(option, _view()).tools()
        assert tools and "reverb" not in tools and "delay" not in tools, option


def test_karaoke_removes_the_vocals_and_lower_goes_down(offline_planner):
    view = _view(stems=("drums", "bass", "vocals", "other"))
    plan = offline_planner.plan("karaoke version please", view)
    assert [(s.tool, s.args.get("stem")) for s in plan.steps] == [("remove_stem", "vocals")]
    (shift,) = offline_planner.plan("lower it a whole step so I can sing along", view).steps
    assert shift.tool == "pitch_shift" and shift.args["semitones"] == -2


@pytest.mark.parametrize(("said", "semitones"), [("can you put the whole thing up a tone", 2),
                                                  ("transpose it up a tone", 2), ("take it down two whole tones", -4)])
def test_a_tone_is_two_semitones(offline_planner, said, semitones):
    """Tried in `bandmate chat` on choice_drum_bass: "put the whole thing up a tone" was read as 'mellow'
    (an EQ), and "transpose it up a tone" as one semitone."""
    (shift,) = offline_planner.plan(said, _view(stems=("drums", "bass", "vocals", "other"))).steps
    assert shift.tool == "pitch_shift" and shift.args["semitones"] == semitones
    assert offline_planner.plan("give the keys a warmer tone", _view()).tools() == ["eq"]  # tone as timbre


def test_a_note_value_delay_follows_the_tempo_and_a_second_verb_is_heard(offline_planner):
    plan = offline_planner.plan("narrow the piano a little and throw a quarter-note delay on it", _view(bpm=100.0))
    assert [s.tool for s in plan.steps] == ["stereo_width", "delay"] and plan.targets() == ["keys"]
    assert plan.steps[1].args["delay_beats"] == 1.0 and "delay_ms" not in plan.steps[1].args
    dotted = offline_planner.plan("add a dotted eighth delay to the keys", _view(bpm=100.0)).steps[0]
    assert dotted.args["delay_beats"] == 0.75


def test_the_whole_beat_is_the_mix(offline_planner):
    assert offline_planner.plan("add a bit of reverb to the whole beat", _view()).targets() == ["mix"]


@pytest.mark.parametrize("request_, target, size", [("put the horns in a short, tight room", "brass", 0.3),
                                                    ("give the drums a big hall", "drums", 0.85)])
def test_a_room_said_by_its_size_is_a_reverb_of_that_size(offline_planner, request_, target, size):
    plan = offline_planner.plan(request_, _view(stems=("drums", "bass", "keys", "brass")))
    (step,) = plan.steps
    assert (step.tool, step.target, step.args["room_size"]) == ("reverb", target, size)
    assert [(e.measure, e.direction) for e in plan.expected] == [("ambience_db", "up")]


def test_a_named_tempo_the_other_way_from_the_verb_is_done_and_said(offline_planner):
    """Tried in `bandmate chat` on lets_go_fishin (88 BPM): "slow it down to 100 bpm" went faster, silently."""
    plan = offline_planner.plan("slow it down to 100 bpm", _view(bpm=88.0))
    assert plan.steps[0].args["target_bpm"] == 100.0
    assert "faster than now, not slower" in plan.explanation
    assert "than now" not in offline_planner.plan("slow it down to 80 bpm", _view(bpm=88.0)).explanation
