"""The Demucs backend's real loading and separation code, on a tiny random HTDemucs built here.

The checkpoint is written the way demucs writes them (class + init args + state, sha256 prefix in the
file name), so BANDMATE_DEMUCS, the torch hub cache and the HuggingFace cache are read by the same
demucs functions that read the released htdemucs weights.
"""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("demucs")
torch = pytest.importorskip("torch")

from bandmate.core.errors import BackendUnavailable  # noqa: E402
from bandmate.core.settings import Settings  # noqa: E402
from bandmate.core.testsignals import mixture, noise, sine  # noqa: E402
from bandmate.tools import default_registry  # noqa: E402
from bandmate.tools.backends.demucs_backend import (  # noqa: E402
    SOURCES,
    DemucsSeparator,
    load_demucs,
    random_htdemucs,
    save_checkpoint,
)
from bandmate.tools.context import Backends  # noqa: E402
from bandmate.tools.run import run_tool  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(model, directory holding its checkpoint, the checkpoint file)."""
    model = random_htdemucs("tiny", seed=3)
    directory = tmp_path_factory.mktemp("demucs")
    return model, directory, save_checkpoint(model, directory)


@pytest.fixture(autouse=True)
def _empty_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)


def same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def inner(model):
    """The single HTDemucs inside whatever demucs returned (a model or a one-model bag)."""
    return model.models[0] if hasattr(model, "models") else model


def test_separate_tool_runs_demucs_from_bandmate_demucs(tiny, make_session):
    model, directory, _ = tiny
    sr = 22050  # not the model's 44.1 kHz: resampled there and back explicitly
    mix = mixture(sine(110, 1.0, sample_rate=sr, amplitude=0.3), noise(1.0, sample_rate=sr, amplitude=0.05))
    session = make_session(mix=mix)
    backends = Backends()
    out = run_tool(default_registry(), "separate", {"backend": "demucs"}, store=session.store,
                   session_id=session.id, settings=Settings(demucs=str(directory)), backends=backends)
    stems = session.stems()
    assert out.result.backend == "demucs" and list(stems) == ["drums", "bass", "vocals", "other"]
    for clip in stems.values():
        assert clip.sample_rate == sr and clip.samples.shape == mix.samples.shape
    # other takes the model's residual, so the stems still add back to the mix
    assert np.abs(sum(c.samples for c in stems.values()) - mix.samples).max() < 2e-6
    assert same_weights(inner(backends.get("demucs", lambda: None).model), model)


def test_model_output_has_one_stem_per_source_at_the_clip_rate_and_shape(tiny):
    model, _, _ = tiny
    clip = sine(220, 0.8, sample_rate=48000, channels=1, amplitude=0.3)
    stems = DemucsSeparator(model).separate(clip)
    assert sorted(stems) == sorted(SOURCES)
    for stem in stems.values():
        assert stem.sample_rate == 48000 and stem.samples.shape == clip.samples.shape
        assert np.isfinite(stem.samples).all() and stem.peak() > 0
    assert not np.allclose(stems["drums"].samples, stems["vocals"].samples)  # separate output heads


def test_loads_a_checkpoint_file_named_directly(tiny):
    model, _, file = tiny
    sep = load_demucs(Settings(demucs=str(file)))
    assert same_weights(inner(sep.model), model) and sep.sample_rate == 44100


def test_a_checkpoint_whose_checksum_does_not_match_is_refused(tiny, tmp_path):
    _, _, file = tiny
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(file, bad / "htdemucs-00000000.th")
    with pytest.raises(BackendUnavailable, match="BANDMATE_DEMUCS=.*could not be loaded.*checksum"):
        load_demucs(Settings(demucs=str(bad)))


@pytest.mark.parametrize("content,match", [
    ([], "no .th or .safetensors file"),
    (["a.th", "b.th"], "a.th, b.th; expected exactly one checkpoint"),
    (["notes.txt"], "no .th"),
])
def test_a_directory_without_exactly_one_model_is_explained(tmp_path, content, match):
    for name in content:
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(BackendUnavailable, match=match):
        load_demucs(Settings(demucs=str(tmp_path)))


def test_a_file_that_is_not_a_checkpoint_is_explained(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(BackendUnavailable, match="expected a .th or .safetensors checkpoint"):
        load_demucs(Settings(demucs=str(tmp_path / "model.bin")))


def test_offline_with_no_weights_anywhere_names_the_setting():
    with pytest.raises(BackendUnavailable, match="BANDMATE_DEMUCS is not set.*offline.*set BANDMATE_DEMUCS"):
        load_demucs(Settings(), online=False)


def test_the_torch_hub_cache_is_read_without_network(tiny, tmp_path):
    model, _, file = tiny
    target = tmp_path / "torch" / "hub" / "checkpoints" / "955717e8-8726e21a.th"
    target.parent.mkdir(parents=True)
    shutil.copy(file, target)
    sep = load_demucs(Settings(), online=False)
    assert "torch hub cache" in sep.origin and same_weights(inner(sep.model), model)


def test_the_huggingface_cache_is_read_without_network(tiny, tmp_path):
    from safetensors.torch import save_file

    model, _, _ = tiny
    snapshot = tmp_path / "hf" / "hub" / "models--adefossez--HTDemucs" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("abc123")
    (snapshot / "htdemucs.yaml").write_text("models: ['955717e8']\n")
    args, kwargs = model._init_args_kwargs
    meta = {"klass": "demucs.htdemucs.HTDemucs", "args": json.dumps(list(args)),
            "kwargs": json.dumps(kwargs, default=_fraction_json)}
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(snapshot / "955717e8.safetensors"), metadata=meta)
    sep = load_demucs(Settings(), online=False)
    assert "HuggingFace cache" in sep.origin and same_weights(inner(sep.model), model)


def _fraction_json(value):
    if isinstance(value, Fraction):
        return {"_type": "fraction", "numerator": value.numerator, "denominator": value.denominator}
    raise TypeError(f"cannot encode {value!r}")


def test_random_htdemucs_sizes_are_the_real_architecture():
    from demucs.htdemucs import HTDemucs

    with pytest.raises(ValueError, match="tiny' or 'full"):
        random_htdemucs("medium")
    tiny_model = random_htdemucs("tiny")
    assert isinstance(tiny_model, HTDemucs) and tiny_model.sources == SOURCES
    assert sum(p.numel() for p in tiny_model.parameters()) < 1_000_000

