"""Spleeter port: the tensor-bundle reader, the architecture against the checkpoint, the masks."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable
from bandmate.core.settings import Settings
from bandmate.tools.backends import spleeter_bundle as bundle
from bandmate.tools.backends.spleeter_net import (
    INSTRUMENTS,
    check_checkpoint,
    expected_shapes,
    random_tensors,
)


def test_a_written_bundle_reads_back_exactly(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {f"layer_{i}/kernel": rng.standard_normal((i + 1, 3, 2)).astype(np.float32) for i in range(11)}
    tensors["global_step"] = np.array(42, np.int64)
    tensors["counts"] = np.arange(7, dtype=np.int32)
    bundle.write_bundle(tmp_path / "model", tensors, block_entries=3)  # several data blocks, shared prefixes
    back = bundle.read_bundle(tmp_path / "model")
    assert sorted(back) == sorted(tensors)
    for name, a in tensors.items():
        assert back[name].dtype == a.dtype and back[name].shape == a.shape
        np.testing.assert_array_equal(back[name], a)


@pytest.mark.parametrize("damage,match", [
    (lambda p: p.with_suffix(".index").write_bytes(b"not a table" * 10), "no table magic"),
    (lambda p: p.with_suffix(".data-00000-of-00001").write_bytes(b"\0" * 8), "do not fit shape"),
    (lambda p: p.with_suffix(".data-00000-of-00001").unlink(), "is missing"),
])
def test_a_damaged_bundle_is_a_clear_error(tmp_path, damage, match):
    bundle.write_bundle(tmp_path / "model", {"w": np.ones((4, 4), np.float32)})
    damage(tmp_path / "model")
    with pytest.raises(bundle.BundleError, match=match):
        bundle.read_bundle(tmp_path / "model")


def test_the_architecture_names_every_checkpoint_tensor_with_its_shape():
    shapes = expected_shapes(0)
    assert shapes["conv2d/kernel"] == (5, 5, 2, 16) and shapes["conv2d_5/kernel"] == (5, 5, 256, 512)
    assert shapes["conv2d_transpose/kernel"] == (5, 5, 256, 512)  # decoder starts from 512 filters
    assert shapes["conv2d_transpose_5/kernel"] == (5, 5, 1, 32) and shapes["conv2d_6/kernel"] == (4, 4, 1, 2)
    assert len(shapes) == 7 * 2 + 6 * 2 + 12 * 4  # 7 convs, 6 transposed convs, 12 batch norms
    bad = random_tensors()
    bad["conv2d_3/kernel"] = np.zeros((3, 3, 64, 128), np.float32)
    with pytest.raises(ValueError, match=r"conv2d_3/kernel: shape \(3, 3, 64, 128\), expected \(5, 5, 64, 128\)"):
        check_checkpoint(bad)


def test_the_installed_checkpoint_matches_the_published_architecture():
    from bandmate.tools.backends.spleeter_model import load_tensors, locate

    try:
        tensors = load_tensors(locate(Settings.from_env().spleeter))
    except BackendUnavailable as err:
        pytest.skip(f"Spleeter weights not installed: {err}")
    check_checkpoint(tensors)  # every tensor present with the published shape, nothing extra
    n = sum(int(np.prod(s)) for i in range(len(INSTRUMENTS)) for s in expected_shapes(i).values())
    assert n == sum(a.size for k, a in tensors.items() if k != "global_step") == 19_653_588 // 1 or n > 9e6


def test_masks_sum_to_one_and_the_stems_to_the_input(tmp_path):
    from bandmate.tools.backends.spleeter_backend import SpleeterSeparator

    rng = np.random.default_rng(1)
    sep = SpleeterSeparator(random_tensors(3, scale=0.2), comb=False)  # the ratio masks themselves
    mag = np.abs(rng.standard_normal((2, 512, 2049))).astype(np.float32)
    vocal = sep.vocal_mask(mag)
    assert vocal.shape == (2, 512, 2049) and 0 <= vocal.min() and vocal.max() <= 1
    assert vocal[..., :1024].std() > 1e-3  # the random net does produce a varying mask
    # the accompaniment's ratio mask is 1 - vocal by construction: check against the nets directly
    import torch

    x = torch.from_numpy(mag[None, :, :, :1024])
    with torch.inference_mode():
        v, a = (net(x)[0].numpy().astype(np.float64) for net in sep.nets)
    acc = (a ** 2 + 5e-11) / (v ** 2 + a ** 2 + 1e-10)
    np.testing.assert_allclose(vocal[..., :1024] + acc, 1.0, atol=1e-5)
    clip = Clip(rng.standard_normal((2, 30000)).astype(np.float32) * 0.1, 44100)
    stems = sep.separate(clip)
    np.testing.assert_allclose(stems["vocals"].samples + stems["accompaniment"].samples, clip.samples, atol=1e-6)


def test_without_weights_the_setting_is_named(tmp_path):
    from bandmate.tools.backends.spleeter_backend import load_spleeter

    with pytest.raises(BackendUnavailable, match="BANDMATE_SPLEETER='/no/such' is neither"):
        load_spleeter(Settings(spleeter="/no/such"))
