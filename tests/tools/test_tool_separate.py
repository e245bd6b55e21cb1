"""The `separate` tool on sessions: stems staged, the mix unchanged, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.errors import BackendUnavailable, ToolFailed, ToolInputError
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.backends.separation_eval import sdr_db, synthetic_band
from bandmate.tools.mixing import sum_stems
from bandmate.tools.run import run_tool


@pytest.fixture(scope="module")
def band():
    return synthetic_band(3.0, seed=2)


@pytest.fixture
def mix_only(make_session, band):
    from bandmate.memory.state import StateTable

    return make_session(mix=sum_stems(band, StateTable(), 44100), tempo_bpm=120)


def run(session, tool, settings=None, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id,
                    settings=settings or Settings())


def test_separate_stages_four_stems_that_sum_to_the_unchanged_mix(mix_only, band):
    before = mix_only.mix()
    out = run(mix_only, "separate")
    stems = mix_only.stems()
    assert list(stems) == ["drums", "bass", "vocals", "other"] == out.result.stems
    assert out.result.backend == "spleeter" and out.result.x_realtime > 1
    assert out.result.stem_backends == {"drums": "dsp", "bass": "dsp", "vocals": "spleeter", "other": "dsp"}
    assert mix_only.head.state.stem_presence["vocals"].present  # the sung line is a real part
    assert mix_only.head.state.instrumentation == list(stems)
    assert mix_only.head.state.tempo_bpm == 120  # the rest of the state is kept
    # the stored mix is the stems' sum and equals the old mix to 24-bit storage precision
    assert np.abs(mix_only.mix().samples - before.samples).max() < 2e-6
    # and the stems are real separations: each is closer to its true source than the mix is
    for name, clip in stems.items():
        assert sdr_db(band[name].samples, clip.samples) > sdr_db(band[name].samples, before.samples) + 3, name
    assert out.result.levels_dbfs["vocals"] == pytest.approx(
        20 * np.log10(np.sqrt(np.mean(stems["vocals"].samples.astype(np.float64) ** 2))), abs=0.05)


def test_separate_with_a_subset_keeps_the_rest_together_in_other(mix_only):
    before = mix_only.mix()
    out = run(mix_only, "separate", stems=["vocals"])
    stems = mix_only.stems()
    assert list(stems) == out.result.stems == ["vocals", "other"]
    assert np.abs(stems["vocals"].samples + stems["other"].samples - before.samples).max() < 2e-6


def test_undo_after_separate_gives_the_mix_only_session_back(mix_only):
    run(mix_only, "separate")
    mix_only.undo()
    assert mix_only.stems() == {}


def test_a_session_with_stems_is_refused_and_left_unchanged(make_session, band_stems):
    session = make_session(stems=band_stems)
    head = session.head.id
    with pytest.raises(ToolInputError, match=r"already has stems \(bass, keys, drums\).*remove_stem"):
        run(session, "separate")
    assert session.head.id == head


def test_demucs_without_weights_names_the_setting_and_commits_nothing(mix_only, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    head = mix_only.head.id
    with pytest.raises(BackendUnavailable, match="BANDMATE_DEMUCS"):
        run(mix_only, "separate", backend="demucs")
    with pytest.raises(BackendUnavailable, match="BANDMATE_DEMUCS='/no/such/htdemucs.th' does not exist"):
        run(mix_only, "separate", settings=Settings(separator="demucs", demucs="/no/such/htdemucs.th"))
    assert mix_only.head.id == head


def test_an_unknown_configured_separator_is_a_clear_failure(mix_only):
    with pytest.raises(ToolFailed, match="BANDMATE_SEPARATOR"):
        run(mix_only, "separate", settings=Settings(separator="kazoo"))


@pytest.mark.parametrize("args,match", [
    ({"backend": "kazoo"}, "backend"),
    ({"stems": ["guitar"]}, "stems"),
    ({"stems": []}, "stems"),
    ({"target": "mix"}, "target"),
])
def test_bad_arguments_are_refused(mix_only, args, match):
    with pytest.raises(ToolInputError, match=match):
        run(mix_only, "separate", **args)


def test_schema_is_flat_and_the_first_line_is_for_a_model():
    spec = default_registry()["separate"]
    assert "$defs" not in spec.Args.model_json_schema()
    assert 30 < len(spec.summary) < 125
