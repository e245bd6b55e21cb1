"""The store's 24-bit grid: the fast path for clips within full scale gives, bit for bit, what the
general rounding gives (the clip itself when already on the grid, else the same rounded clip and codes)."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.memory.blobs import _FULL, _on_grid, _scale_for

FULL = 2.0**23


def _reference(clip: Clip) -> tuple[Clip, np.ndarray, float]:
    """The general rounding as it was written before the fast path (any scale)."""
    scale = _scale_for(clip.samples)
    ints = np.clip(np.round(clip.samples / scale * _FULL), -_FULL, _FULL - 1)
    q = (ints / _FULL * scale).astype(np.float32)
    if _scale_for(q) != scale:
        return _reference(Clip(q, clip.sample_rate, clip.provenance))
    return (clip if np.array_equal(q, clip.samples) else Clip(q, clip.sample_rate, clip.provenance)), ints, scale


def _cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    noise = rng.uniform(-0.9, 0.9, (2, 4000)).astype(np.float32)
    on_grid = (np.round(noise * FULL) / FULL).astype(np.float32)
    edges = np.array([[1.0, -1.0, (FULL - 1) / FULL, -0.0, 0.0, 1e-30, -1e-45, 0.5 / FULL, 1.5 / FULL,
                       (FULL - 0.5) / FULL, (FULL - 0.25) / FULL]], np.float32)
    return {
        "noise": noise,
        "on grid": on_grid,
        "on grid, one sample off": np.where(np.arange(4000) == 17, on_grid + 2**-30, on_grid).astype(np.float32),
        "exactly +1.0": np.concatenate([on_grid[:, :-1], np.ones((2, 1), np.float32)], axis=1),
        "exactly -1.0 (fits)": np.concatenate([on_grid[:, :-1], -np.ones((2, 1), np.float32)], axis=1),
        "edges": edges,
        "rounds up to full scale": np.array([[(FULL - 0.5) / FULL, 0.25]], np.float32),
        "mono quiet": (noise[:1] * 1e-4).astype(np.float32),
        "silence": np.zeros((2, 64), np.float32),
        "headroom": noise * 3.0,
        "just over full scale": np.array([[1.0000001, -0.3]], np.float32),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_fast_grid_matches_the_general_rounding(name):
    clip = Clip(_cases()[name], 44100, ("t",))
    got, ints, scale = _on_grid(clip)
    want, want_ints, want_scale = _reference(clip)
    assert scale == want_scale
    assert (got is clip) == (want is clip)
    assert got.samples.dtype == want.samples.dtype == np.float32
    assert got.samples.tobytes() == want.samples.tobytes()  # bit for bit, signed zeros too
    assert ints.dtype == want_ints.dtype and np.array_equal(ints, want_ints)
    assert got.provenance == want.provenance
    again, _, _ = _on_grid(got)
    assert again is got  # idempotent


def test_clip_keys_stay_the_sha256_of_the_samples():
    """Keys name blobs already on disk: hashing without a copy must hash the same bytes."""
    import hashlib

    from bandmate.memory.blobs import clip_key

    clip = Clip(np.random.default_rng(1).uniform(-0.5, 0.5, (2, 3000)).astype(np.float32), 48000)
    h = hashlib.sha256(b"48000:2:3000:" + clip.samples.tobytes())
    assert clip_key(clip) == h.hexdigest()[:32]
