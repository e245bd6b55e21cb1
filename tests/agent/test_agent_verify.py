"""agent.verify: each expected change is measured over the range it applies to and proved by a measure
that shows it (issue 8, failures 5 and 7: ranged edits judged on the whole song, a fill "proved" by an
unchanged duration)."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.agent.plan import ExpectedChange, Plan, ToolCall
from bandmate.agent.turn import Agent
from bandmate.agent.verify import NEW_STEM, change_range, judge
from bandmate.core import measures
from bandmate.core.testsignals import mixture, noise, sine
from bandmate.memory.session import Session
from bandmate.memory.state import StateTable
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool


@pytest.fixture
def eight_bars(make_session):
    """8 bars at 120 BPM (16 s): steady keys and pink-noise drums, so every bar reads the same level."""
    stems = {"keys": mixture(sine(440, 16.0, amplitude=0.2), sine(660, 16.0, amplitude=0.1)),
             "drums": noise(16.0, amplitude=0.1, channels=2, color="pink", seed=3)}
    return make_session(stems=stems, tempo_bpm=120, key="A minor")


def test_bars_3_to_4_quieter_is_judged_on_those_bars_and_applied_once(eight_bars, offline_planner, kb):
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="ana")
    before_v = eight_bars.head.id
    res = agent.turn("make bars 3-4 quieter", eight_bars)
    assert [o.tool for o in res.execution.outcomes] == ["gain"], res.message   # not applied twice
    assert not res.adjusted
    [m] = [m for m in res.execution.measured if m.expected.measure == "loudness_lufs"]
    assert m.range_s == pytest.approx((4.0, 8.0))                                # bars 3-4 at 120 BPM
    # the reported change is the change measured in those bars, independently of verify
    b = measures.loudness_lufs(eight_bars.mix(before_v).slice_s(4.0, 8.0))
    a = measures.loudness_lufs(eight_bars.mix().slice_s(4.0, 8.0))
    assert m.delta == pytest.approx(a - b, abs=1e-6)
    assert m.delta == pytest.approx(-3.0, abs=0.2) and m.ok and m.noticeable
    assert f"{m.delta:+.3g} LU, as intended" in res.message and "in 4.00–8.00s" in res.message
    whole = measures.loudness_lufs(eight_bars.mix()) - measures.loudness_lufs(eight_bars.mix(before_v))
    assert abs(whole) < abs(m.delta) - 1.5          # judged on the whole song it would have looked small


@pytest.mark.parametrize(("args", "state", "expected"), [
    ({"start_bar": 3, "end_bar": 4}, {"tempo_bpm": 120}, (4.0, 8.0)),
    ({"start_bar": 2, "end_bar": 2}, {"tempo_bpm": 90, "time_signature": "3/4", "offset_s": 0.5}, (2.5, 4.5)),
    ({"start_s": 1.5, "end_s": 3.0}, {}, (1.5, 3.0)),
    ({"start_bar": 7}, {"tempo_bpm": 120}, (12.0, 16.0)),      # to the end of the piece
    ({}, {"tempo_bpm": 120}, None),                             # the whole clip
    ({"start_bar": 3, "end_bar": 4}, {}, None),                 # bars without a tempo: measured whole
])
def test_change_range_resolves_bars_like_the_tools(args, state, expected):
    plan = Plan(kind="edit", steps=[ToolCall(tool="gain", args={"target": "keys", "gain_db": -3, **args})])
    exp = ExpectedChange(measure="loudness_lufs", direction="down", target="keys")
    got = change_range(plan, exp, StateTable(**state), 16.0)
    assert got == (pytest.approx(expected) if expected else None)


@pytest.mark.parametrize(("args", "expected"), [
    ({"fade_out_s": 5}, (11.0, 16.0)),                                       # only the faded end
    ({"fade_in_s": 3}, (0.0, 3.0)),
    ({"fade_in_s": 2, "fade_out_s": 2}, None),                               # both ends: the whole clip
    ({"fade_out_s": 2, "start_bar": 3, "end_bar": 4}, (6.0, 8.0)),           # the end of its range
])
def test_a_fade_is_measured_where_it_fades(args, expected):
    """Tried on lets_go_fishin: "fade out over the last 5 seconds" measured -0.002 dB over the whole song and
    called the fade 'too small to hear'; its ToolSpec.span says where a fade acts."""
    plan = Plan(kind="edit", steps=[ToolCall(tool="fade", args={"target": "mix", **args})])
    exp = ExpectedChange(measure="band_db:20-20000", direction="down", target="mix")
    got = change_range(plan, exp, StateTable(tempo_bpm=120), 16.0)
    assert got == (pytest.approx(expected) if expected else None)
    on_drums = plan.model_copy(update={"steps": [ToolCall(tool="fade", args={"target": "drums", **args})]})
    assert change_range(on_drums, exp, StateTable(tempo_bpm=120), 16.0) == got  # the mix, where the drums fade


def test_change_range_ignores_helper_steps_and_unions_the_clause():
    steps = [ToolCall(tool="separate", args={}),
             ToolCall(tool="gain", args={"target": "vocals", "gain_db": -2, "start_bar": 2, "end_bar": 2}),
             ToolCall(tool="eq", args={"target": "vocals", "start_bar": 5, "end_bar": 6}),
             ToolCall(tool="gain", args={"target": "drums", "gain_db": 2}, clause=1)]
    plan = Plan(kind="edit", steps=steps)
    st = StateTable(tempo_bpm=120)
    vocals = ExpectedChange(measure="loudness_lufs", direction="down", target="vocals")
    assert change_range(plan, vocals, st, 16.0) == pytest.approx((2.0, 12.0))
    drums = ExpectedChange(measure="loudness_lufs", direction="up", target="drums", clause=1)
    assert change_range(plan, drums, st, 16.0) is None
    length = ExpectedChange(measure="duration_s", direction="same", target="vocals")
    assert change_range(plan, length, st, 16.0) is None         # never cut


def test_construction_floor_is_judged_on_the_value_after():
    fill = ExpectedChange(measure="onset_rate", direction="up", target="drums", at_least=3.0)
    assert judge(fill, 7.0, 7.0) == (True, True)       # as busy as the groove was, and busy enough
    assert judge(fill, 2.0, 3.5) == (True, True)
    assert judge(fill, 2.0, 2.5)[0] is False           # too few hits to be a fill
    assert judge(fill, 8.0, 4.0)[0] is False           # thinner than before


@pytest.fixture(scope="module")
def composed(tmp_path_factory):
    """A composed funk groove (symbolic session: inpaint follows 'drum fill'), 8 bars at 100 BPM."""
    from bandmate.memory.store import Store

    store = Store(tmp_path_factory.mktemp("composed"))
    out = run_tool(default_registry(), "generate", {"prompt": "funk groove with drums bass and keys at 100 bpm",
                                                    "bars": 8, "seed": 3}, store=store, session_id=None)
    return store, out.version.session_id


def test_a_drum_fill_is_proved_by_onsets_in_its_bar(composed, offline_planner, kb):
    store, sid = composed
    session = Session(store, sid)
    start = session.head.id
    agent = Agent(planner=offline_planner, registry=default_registry(), kb=kb, user="ana")
    res = agent.turn("put a drum fill in bar 3", session)
    assert res.plan.tools()[-1] == "inpaint", res.plan.text()
    assert all(e.measure != "duration_s" for e in res.plan.expected)
    [m] = res.execution.measured
    bar = 60 / 100 * 4
    assert m.expected.measure == "onset_rate" and m.expected.target == "drums"
    assert m.range_s == pytest.approx((2 * bar, 3 * bar))
    assert m.ok and session.head.id != start, res.message
    # the proof is real: the second half of bar 3 now holds a run of sixteenths (8 hits in 2 beats)
    half = session.stem("drums").slice_s(2 * bar + bar / 2, 3 * bar)
    assert len(measures.onset_times_s(half)) >= 7
    old = session.stem("drums", start).slice_s(2 * bar, 3 * bar).samples
    assert np.sqrt(np.mean((session.stem("drums").slice_s(2 * bar, 3 * bar).samples - old) ** 2)) > 0.01


def test_a_new_stem_is_proved_by_its_level_from_silence(composed):
    store, sid = composed
    session = Session(store, sid)
    plan = Plan(kind="edit", steps=[ToolCall(tool="add_stem", args={"instrument": "strings"})],
                expected=[ExpectedChange(measure="stem_count", direction="up"),
                          ExpectedChange(measure="loudness_lufs", direction="up", target=NEW_STEM)])
    res = Agent(planner=None, registry=default_registry())._run("add strings", plan, session, None)
    count, level = res.execution.measured
    assert count.delta == 1 and count.ok
    assert level.before == measures.FLOOR_LUFS and level.error is None
    made = next(n for n in session.head.stems if n not in session.version(res.version_before).stems)
    assert level.after == pytest.approx(measures.loudness_lufs(session.stem(made)))
    assert level.after > -45 and level.ok and level.noticeable
