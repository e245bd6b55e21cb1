"""Stem editing: remove, solo (extract) and the per-stem mixer, on stem sessions and on mix-only ones."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.measures import band_db
from bandmate.core.settings import Settings
from bandmate.memory.state import StateTable
from bandmate.tools import default_registry
from bandmate.tools.backends.separation_eval import sdr_db, synthetic_band
from bandmate.tools.mixing import sum_stems
from bandmate.tools.run import run_tool

STORE_TOL = 2e-6  # clips are stored as 24-bit FLAC: a re-summed mix differs by a few LSB at most


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id,
                    settings=Settings())


def channel(clip: Clip, i: int) -> Clip:
    return Clip(clip.samples[i:i + 1], clip.sample_rate)


@pytest.fixture
def stems_session(make_session, band_stems):
    return make_session(stems=band_stems, tempo_bpm=120)


@pytest.fixture(scope="module")
def band():
    return synthetic_band(3.0, seed=5)


@pytest.fixture
def mix_only(make_session, band):
    return make_session(mix=sum_stems(band, StateTable(), 44100))


# ---- remove_stem -----------------------------------------------------------------------------------

def test_a_removed_stem_is_gone_and_the_rest_bit_identical(stems_session):
    before, keys = stems_session.stems(), dict(stems_session.head.stems)
    out = run(stems_session, "remove_stem", stem="keys")
    after = stems_session.stems()
    assert list(after) == ["bass", "drums"] == out.result.remaining
    for name, clip in after.items():
        assert np.array_equal(clip.samples, before[name].samples), name
        assert stems_session.head.stems[name] == keys[name]  # the very same stored blob
    mix = stems_session.mix()
    assert np.abs(mix.samples - sum_stems(after, StateTable(), 44100).samples).max() < STORE_TOL
    assert band_db(mix, 435, 445) < band_db(stems_session.mix(out.version.parent), 435, 445) - 25  # 440 Hz gone
    assert stems_session.head.state.instrumentation == ["bass", "drums"]


def test_remove_on_a_mix_only_session_separates_first_then_drops_the_stem(mix_only, band):
    original = mix_only.mix()
    out = run(mix_only, "remove_stem", stem="vocals")
    assert out.result.separated_with == "spleeter"
    assert list(mix_only.stems()) == ["drums", "bass", "other"]
    # the new mix is much closer to the true instrumental than the original mix was
    instrumental = band["drums"].samples + band["bass"].samples + band["other"].samples
    assert sdr_db(instrumental, mix_only.mix().samples) > sdr_db(instrumental, original.samples) + 6


def test_removing_drops_the_stems_mixer_settings(stems_session):
    run(stems_session, "mix", stem="keys", gain_db=-6)
    run(stems_session, "remove_stem", stem="keys")
    assert "keys" not in stems_session.head.state.mixer


@pytest.mark.parametrize("stem,match", [
    ("guitar", r"unknown target 'guitar'.*bass, keys, drums"),
    ("", "at least 1 character"),
])
def test_removing_an_unknown_stem_names_the_ones_there(stems_session, stem, match):
    with pytest.raises(ToolInputError, match=match):
        run(stems_session, "remove_stem", stem=stem)


def test_on_a_mix_only_session_an_impossible_stem_fails_before_separating(mix_only):
    head = mix_only.head.id
    with pytest.raises(ToolInputError, match="'guitar' is not one of them.*land in 'other'"):
        run(mix_only, "remove_stem", stem="guitar")
    assert mix_only.head.id == head


def test_the_last_stem_cannot_be_removed(make_session, band_stems):
    session = make_session(stems={"bass": band_stems["bass"]})
    with pytest.raises(ToolInputError, match="only stem"):
        run(session, "remove_stem", stem="bass")


# ---- extract_stem ----------------------------------------------------------------------------------

def test_extract_keeps_only_the_named_stems_bit_identical(stems_session):
    before = stems_session.stems()
    out = run(stems_session, "extract_stem", stem="drums", also_keep=["bass"])
    after = stems_session.stems()
    assert sorted(after) == ["bass", "drums"] and out.result.removed == ["keys"]
    for name in after:
        assert np.array_equal(after[name].samples, before[name].samples)
    assert np.abs(stems_session.mix().samples - sum_stems(after, StateTable(), 44100).samples).max() < STORE_TOL


def test_extracting_a_muted_stem_unmutes_it(stems_session):
    run(stems_session, "mix", stem="bass", mute=True)
    out = run(stems_session, "extract_stem", stem="bass")
    assert out.result.unmuted == ["bass"] and not stems_session.head.state.mixer["bass"].mute
    assert band_db(stems_session.mix(), 40, 70) > -30  # the 55 Hz bass is audible


def test_extract_on_a_mix_only_session_isolates_the_vocals(mix_only, band):
    original = mix_only.mix()
    out = run(mix_only, "extract_stem", stem="vocals")
    assert out.result.separated_with == "spleeter" and list(mix_only.stems()) == ["vocals"]
    vocals = band["vocals"].samples
    assert sdr_db(vocals, mix_only.mix().samples) > sdr_db(vocals, original.samples) + 6


def test_extract_of_an_unknown_stem_is_refused(stems_session):
    with pytest.raises(ToolInputError, match="unknown target 'vocals'"):
        run(stems_session, "extract_stem", stem="vocals")


# ---- mix ------------------------------------------------------------------------------------------

def test_pan_moves_the_stem_between_channels(stems_session):
    stems = stems_session.stems()
    # the pan law itself, before the bus's level-safety stage (a hard-panned bass at +3 dB goes over it)
    run_tool(default_registry(), "mix", {"stem": "bass", "pan": -1.0}, store=stems_session.store,
             session_id=stems_session.id, settings=Settings(), allow_clipping=True)
    mix = stems_session.mix().samples
    others = stems["drums"].samples + stems["keys"].samples
    bass = stems["bass"].with_channels(2).samples
    assert np.abs(mix[1] - others[1]).max() < STORE_TOL  # nothing of the bass on the right
    assert np.abs(mix[0] - others[0] - np.sqrt(2) * bass[0]).max() < STORE_TOL  # constant power: +3 dB left


def test_fader_level_sets_not_adds_and_mute_silences(stems_session):
    stems = stems_session.stems()
    others = stems["drums"].samples + stems["keys"].samples
    bass = stems["bass"].with_channels(2).samples

    def bass_gain_in_mix() -> float:  # least-squares gain of the bass inside the mix
        rest = stems_session.mix().samples - others
        return float(np.sum(rest * bass) / np.sum(bass * bass))

    out = run(stems_session, "mix", stem="bass", gain_db=-6.0)
    assert 20 * np.log10(bass_gain_in_mix()) == pytest.approx(-6.0, abs=0.01)
    assert out.result.before.gain_db == 0 and out.result.after.gain_db == -6
    again = run(stems_session, "mix", stem="bass", gain_db=-6.0)  # the same setting again: no new version
    assert again.version is None and 20 * np.log10(bass_gain_in_mix()) == pytest.approx(-6.0, abs=0.01)
    run(stems_session, "mix", stem="bass", mute=True)
    assert np.abs(stems_session.mix().samples - others).max() < STORE_TOL
    run(stems_session, "mix", stem="bass", mute=False, gain_db=0.0)
    assert np.abs(stems_session.mix().samples - others - bass).max() < STORE_TOL


def test_mixer_moves_leave_the_stem_audio_alone(stems_session):
    keys = dict(stems_session.head.stems)
    run(stems_session, "mix", stem="keys", gain_db=-12, pan=0.5)
    assert stems_session.head.stems == keys


def test_mix_on_a_mix_only_session_separates_first(mix_only):
    out = run(mix_only, "mix", stem="drums", mute=True)
    assert out.result.separated_with == "spleeter" and mix_only.head.state.mixer["drums"].mute
    assert list(mix_only.stems()) == ["drums", "bass", "vocals", "other"]


@pytest.mark.parametrize("args,match", [
    ({"stem": "bass"}, "at least one of gain_db, pan or mute"),
    ({"stem": "bass", "pan": 1.5}, "pan"),
    ({"stem": "bass", "gain_db": 30}, "gain_db"),
    ({"stem": "tuba", "mute": True}, "unknown target 'tuba'"),
])
def test_mix_refuses_bad_calls(stems_session, args, match):
    with pytest.raises(ToolInputError, match=match):
        run(stems_session, "mix", **args)


def test_stem_tools_have_flat_schemas_and_model_first_lines():
    reg = default_registry()
    for name in ("remove_stem", "extract_stem", "mix"):
        assert "$defs" not in reg[name].Args.model_json_schema(), name
        assert 30 < len(reg[name].summary) < 125, name
