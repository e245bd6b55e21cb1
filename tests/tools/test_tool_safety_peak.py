"""The safety stage's true-peak check: the windowed kernel gives exactly the values of the plain
full-array computation it replaced, and a sample peak already over the stop level answers at once."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core import measures
from bandmate.core.clip import Clip
from bandmate.tools.safety import _interpolated_peak, _polyphase, true_peak_near_top


def _reference_peak(x: np.ndarray, at: np.ndarray, block: int = 1 << 15) -> float:
    """The interpolated peak as first written: the whole signal padded in float64, windows gathered."""
    taps, reach = _polyphase()
    padded = np.pad(np.asarray(x, np.float64), ((0, 0), (reach, reach)))
    offsets = np.arange(2 * reach + 1)
    peak = 0.0
    for i in range(0, at.size, block):
        idx = at[i:i + block, None] + offsets[None, :]
        for ch in padded:
            peak = max(peak, float(np.abs(ch[idx] @ taps.T).max()))
    return peak


def _reference_near_top(x: np.ndarray, floor_dbfs: float) -> float:
    level = np.abs(x).max(axis=0)
    loud = np.flatnonzero(level > 10 ** (floor_dbfs / 20))
    if loud.size == 0:
        return measures.FLOOR_DB
    if loud.size > x.shape[1] // 2:
        return measures.peak_dbfs(Clip(np.asarray(x, np.float32), 44100))
    at = np.union1d(loud, np.maximum(loud - 1, 0))
    return float(20 * np.log10(max(float(level[loud].max()), _reference_peak(x, at))))


def _signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 70_000
    t = np.arange(n)
    quarter = 0.95 * np.sin(np.pi / 2 * t + np.pi / 4)  # samples at 0.67, true peak 0.95
    sparse = rng.normal(0, 0.05, (2, n))
    sparse[0, [0, 1, 5000, n - 2, n - 1]] = [0.9, -0.97, 0.93, -0.9, 0.96]  # loud at both ends
    burst = rng.normal(0, 0.02, (2, n))
    burst[:, 30_000:30_400] += 0.9 * np.sin(np.pi / 2 * t[30_000:30_400] + 0.3)
    return {"sparse, loud at the edges": sparse.astype(np.float32),
            "burst at fs/4": burst.astype(np.float32),
            "loud everywhere": np.stack([quarter, -quarter]).astype(np.float32),
            "mono": (0.8 * np.sin(2 * np.pi * 0.23 * t[None, :]) * (t[None, :] % 9000 < 2000)).astype(np.float32),
            "quiet": (rng.normal(0, 0.01, (2, n))).astype(np.float32)}


@pytest.mark.parametrize("name", list(_signals()))
def test_true_peak_near_top_matches_the_full_array_computation(name):
    x = _signals()[name]
    for floor in (-6.3, -20.0):
        assert true_peak_near_top(x, floor) == _reference_near_top(x, floor)


@pytest.mark.parametrize("name", list(_signals()))
def test_windowed_kernel_gives_the_same_values(name):
    x = _signals()[name]
    at = np.flatnonzero(np.abs(x).max(axis=0) > 0.2)
    if at.size:
        assert _interpolated_peak(x, at, block=997) == _reference_peak(x, at)


def test_a_sample_peak_over_the_stop_level_answers_without_oversampling():
    x = _signals()["sparse, loud at the edges"]
    # sample peak -0.26 dBFS: over a -0.3 stop it is returned as it is; with no stop the true peak is >=
    got = true_peak_near_top(x, -6.3, -0.3)
    assert got == pytest.approx(20 * np.log10(0.97), abs=1e-6)
    assert got > -0.3
    assert true_peak_near_top(x, -6.3) >= got
    assert true_peak_near_top(x, -6.3, 0.0) == true_peak_near_top(x, -6.3)  # under the stop: the full answer


@pytest.mark.parametrize("boost_db", [0.0, 6.0])
def test_a_floored_envelope_is_exact_wherever_it_can_pass_floor_plus_the_sure_safe_margin(boost_db):
    """The limiter only reads the envelope above its threshold and the report reads its maximum: frames
    whose sample level stays under the floor keep their sample level, the others get the full value."""
    from bandmate.core.testsignals import mixture, noise, sine
    from bandmate.tools.safety import _SURE_SAFE_DB, true_peak_envelope

    clip = mixture(noise(2.0, amplitude=0.3, channels=2, color="white", seed=5), sine(7000, 2.0, amplitude=0.4,
                                                                                       channels=2))
    x = clip.samples * np.float32(10 ** (boost_db / 20))
    full = true_peak_envelope(x)
    floor = 20 * np.log10(np.abs(x).max()) - _SURE_SAFE_DB
    part = true_peak_envelope(x, floor)
    above = full > 10 ** ((floor + _SURE_SAFE_DB) / 20)
    # the same filter, summed in another order: equal to rounding (~1e-16 relative)
    assert above.any() and np.allclose(part[above], full[above], rtol=1e-12, atol=0)
    assert part.max() == pytest.approx(full.max(), rel=1e-12)
    level = np.abs(x).max(axis=0)
    assert np.all(part >= level) and np.all(part <= full * (1 + 1e-12))
