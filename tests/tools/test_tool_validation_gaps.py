"""Regression tests for validation gaps found by hostile use (issue 11)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from bandmate.core.audio_checks import MAX_FRAMES, decode_budget
from bandmate.core.audio_io import AudioWarning, load
from bandmate.core.errors import ToolInputError
from bandmate.core.testsignals import sine
from bandmate.tools import default_registry
from bandmate.tools.json_args import MAX_JSON_DEPTH, loads_arguments
from bandmate.tools.run import run_tool


@pytest.mark.parametrize("tool, args", [
    ("gain", {"gain_db": True}),
    ("pitch_shift", {"semitones": True}),
    ("fade", {"fade_in_s": True}),
])
def test_booleans_are_not_numbers(tool, args):
    spec = default_registry()[tool]
    assert set(args) <= set(spec.Args.model_fields)
    with pytest.raises(ToolInputError, match="got the boolean"):
        spec.parse_args(args)


def test_every_numeric_field_of_every_tool_refuses_a_boolean():
    for spec in default_registry():
        for name, field in spec.Args.model_fields.items():
            text = str(field.annotation)
            if ("float" in text or "int" in text) and "bool" not in text:
                with pytest.raises(ToolInputError, match="boolean"):
                    spec.parse_args({name: True})


def test_add_stem_refuses_the_reserved_name_mix_and_existing_stems(make_session, band_stems, store):
    session = make_session(stems=band_stems, tempo_bpm=120)
    for name, match in [("mix", "reserved"), ("bass", "already exists")]:
        with pytest.raises(ToolInputError, match=match):
            run_tool(default_registry(), "add_stem", {"instrument": "drums", "name": name}, store=store,
                     session_id=session.id)
    assert store.info(session.id).versions == 1


def test_trim_past_the_end_is_refused_not_a_no_op(make_session, store):
    session = make_session(mix=sine(220, 2.0, amplitude=0.2))
    with pytest.raises(ToolInputError, match="keeps the whole 2.00s piece"):
        run_tool(default_registry(), "trim", {"end_s": 1000}, store=store, session_id=session.id)
    assert store.info(session.id).versions == 1


def test_inpaint_seconds_past_the_end_refused_on_the_symbolic_path(store):
    out = run_tool(default_registry(), "generate", {"prompt": "lo-fi loop", "bars": 4, "tempo_bpm": 90},
                   store=store, session_id=None)
    sid = out.version.session_id
    with pytest.raises(ToolInputError, match="past the end"):
        run_tool(default_registry(), "inpaint", {"start_s": 50, "end_s": 60}, store=store, session_id=sid)
    assert store.info(sid).versions == 1


def test_mix_is_not_called_an_unknown_target_with_use_mix_advice(make_session, band_stems, store):
    session = make_session(stems=band_stems)
    with pytest.raises(ToolInputError) as err:
        run_tool(default_registry(), "remove_stem", {"stem": "mix"}, store=store, session_id=session.id)
    assert "Use target='mix'" not in str(err.value) and "not a stem" in str(err.value)


def test_errors_quote_at_most_about_200_characters_of_the_input():
    with pytest.raises(ToolInputError) as err:
        default_registry()["gain"].parse_args({"gain_db": 1.0, "target": "x" * 1_000_000})
    assert len(str(err.value)) < 600 and "1000002 characters" in str(err.value)
    with pytest.raises(ToolInputError) as err:
        default_registry()["y" * 100_000]
    assert len(str(err.value)) < 1000


def test_json_depth_is_limited_before_parsing():
    deep = "[" * 1000 + "]" * 1000
    with pytest.raises(ToolInputError, match=f"more than {MAX_JSON_DEPTH} levels"):
        loads_arguments('{"gain_db": ' + deep + "}")
    assert loads_arguments('{"note": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "gain_db": 1}')["gain_db"] == 1


def test_cli_args_too_deep_is_a_clear_error(make_session):
    from typer.testing import CliRunner

    from bandmate.cli import build_app

    session = make_session(mix=sine(220, 0.3))
    deep = json.dumps({"gain_db": 1}).replace("1", "[" * 2000 + "]" * 2000)
    res = CliRunner().invoke(build_app(), ["tool", "run", "gain", "--session", session.id, "--args", deep])
    assert res.exit_code != 0 and "levels deep" in res.output and "RecursionError" not in res.output


def test_length_cap_is_by_frames_and_memory():
    with pytest.raises(ToolInputError, match="frame limit"):
        decode_budget("long.wav", 19 * 60 * 192_000, 2, 192_000)  # 19 min at 192 kHz
    with pytest.raises(ToolInputError, match="GiB of memory"):
        decode_budget("wide.wav", MAX_FRAMES, 8, 48_000)
    assert decode_budget("ok.wav", 10 * 48_000, 2, 48_000) > 0


def test_truncated_wav_loads_with_a_warning(tmp_path):
    full = tmp_path / "full.wav"
    sf.write(str(full), np.zeros((48_000, 2), np.float32) + 0.1, 48_000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.warns(AudioWarning, match="header says 1.00s"):
        clip = load(cut)
    assert any(p.startswith("warning:") for p in clip.provenance)


def test_float_far_beyond_full_scale_is_refused_or_normalised(tmp_path):
    p = tmp_path / "hot.wav"
    sf.write(str(p), (sine(220, 0.5).samples.T * 400).astype(np.float32), 44_100, subtype="FLOAT")
    with pytest.raises(ToolInputError, match="far beyond full scale"):
        load(p)
    clip = load(p, normalize=True)
    assert float(np.abs(clip.samples).max()) == pytest.approx(1.0, abs=1e-6)
