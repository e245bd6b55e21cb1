"""Level safety: the last stage of the mix bus keeps every edited mix at or under a true-peak ceiling.

Conventions
-----------
- The ceiling is ``CEILING_DBFS`` (-0.3 dBFS) *true peak*, read as ``core.measures.peak_dbfs`` reads it
  (4x oversampled, so peaks between samples count).
- The stage is transparent: a mix already under the ceiling is returned untouched (the same object;
  checking costs little, since only the stretches within 6 dB of the ceiling are oversampled);
  over it, a look-ahead peak limiter (``tools.limiter``) driven by the oversampled peak envelope pulls
  only the overs down, and a final static trim of at most a few hundredths of a dB covers what the
  smooth gain curve leaves between samples. The limiter takes at most ``LIMIT_DB`` (3 dB) off the
  peaks, ``GENTLE_LIMIT_DB`` (1 dB) with ``keep_dynamics`` ("louder but don't squash it"); a plain gain
  cut before it takes whatever is over that, so the stage never squashes a mix audibly.
- It touches only what the edit changed: ``tools.run`` passes the mix before the edit, frames that did
  not change stay bit-identical (a ranged edit keeps the tools' "outside the range untouched"
  promise) and overs already in them are left as they were; gain cuts ramp in over 10 ms inside a
  changed stretch.
- It acts on every committed mix (``tools.run``) unless the caller allows clipping (``allow_clipping``:
  the user asked for it), and says so: ``SafetyAction.text()`` reads "safety limiter: peak +2.6 → -0.3
  dBFS" and is recorded on the step and in the turn's report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bandmate.core import measures
from bandmate.core.clip import Clip
from bandmate.tools.limiter import limit

CEILING_DBFS = -0.3
LIMIT_DB = 3.0  # the most the limiter takes off the peaks: beyond that a limiter is no longer transparent
GENTLE_LIMIT_DB = 1.0  # keep_dynamics: the most it may take (about 1 dB of crest factor)
_AIM_DB = 0.02  # the limiter aims this far under the ceiling, so the inter-sample check rarely trims
_RELEASE_MS = 80.0
_SURE_SAFE_DB = 6.0  # a sample peak this far under the ceiling cannot have a true peak over it in practice
_CHUNK, _PAD = 1 << 18, 64
_SAME_TOL = 2.0**-20  # a few steps of the store's 24-bit grid: a re-summed unchanged mix differs by that


@dataclass(frozen=True)
class SafetyAction:
    peak_before_dbfs: float
    peak_after_dbfs: float
    ceiling_dbfs: float = CEILING_DBFS
    trim_db: float = 0.0  # plain gain taken off before limiting (what the limiter may not take)

    def text(self) -> str:
        how = f" ({self.trim_db:.1f} dB of it as plain gain, to keep the dynamics)" if self.trim_db else ""
        return f"safety limiter: peak {self.peak_before_dbfs:+.1f} → {self.peak_after_dbfs:+.1f} dBFS{how}"

    def to_json(self) -> dict[str, float | str]:
        return {"peak_before_dbfs": round(self.peak_before_dbfs, 3), "peak_after_dbfs": round(self.peak_after_dbfs, 3),
                "ceiling_dbfs": self.ceiling_dbfs, "trim_db": self.trim_db, "text": self.text()}


def true_peak_envelope(x: np.ndarray, floor_dbfs: float | None = None) -> np.ndarray:
    """Per frame of ``x`` (channels, frames): the largest absolute value of any channel, itself or in
    the 4x-oversampled stretch that follows it up to the next frame.

    ``floor_dbfs``: the oversampled stretch is computed only where the sample level (of the frame or the
    next) is above it, with the same filter as a polyphase kernel; elsewhere the frame keeps its sample
    level. The envelope is then the same (to rounding: the filter's products are summed in another order)
    wherever it can exceed ``floor_dbfs + _SURE_SAFE_DB``, which is all its callers look at (the limiter's
    threshold, the peak over the changed frames)."""
    if floor_dbfs is not None:
        level = np.abs(x).max(axis=0).astype(np.float64)
        loud = level > 10 ** (floor_dbfs / 20)
        loud[:-1] |= loud[1:]
        if np.count_nonzero(loud) <= x.shape[1] // 2:  # else the chunked full pass below is as cheap
            at = np.flatnonzero(loud)
            if at.size:
                level[at] = np.maximum(level[at], _interpolated_frames(x, at))
            return level
    from scipy.signal import resample_poly

    k = measures.TRUE_PEAK_OVERSAMPLE
    n = x.shape[1]
    env = np.abs(x).max(axis=0).astype(np.float64)
    for start in range(0, n, _CHUNK):
        lo, hi = max(0, start - _PAD), min(n, start + _CHUNK + _PAD)
        up = np.abs(resample_poly(x[:, lo:hi].astype(np.float64), k, 1, axis=1)).max(axis=0)
        stop = min(n, start + _CHUNK)
        seg = up[(start - lo) * k:(stop - lo) * k].reshape(-1, k).max(axis=1)
        env[start:stop] = np.maximum(env[start:stop], seg)
    return env


def true_peak_near_top(x: np.ndarray, floor_dbfs: float, stop_above_dbfs: float | None = None) -> float:
    """True peak in dBFS of ``x`` (channels, frames), oversampled only around samples above ``floor_dbfs``
    (``FLOOR_DB`` when none is): between quieter samples no realistic signal peaks ``_SURE_SAFE_DB``
    higher, and most of a mix sits under its top, so this costs a fraction of ``peak_dbfs``.
    The interpolated values are those of ``resample_poly`` (the same filter, as a polyphase kernel
    applied at the chosen samples only). ``stop_above_dbfs``: when the sample peak is already above it,
    that sample peak is returned as it is (the true peak is at least that): a caller asking "over the
    ceiling?" gets its answer without oversampling."""
    level = np.abs(x).max(axis=0)
    loud = level > 10 ** (floor_dbfs / 20)
    count = int(np.count_nonzero(loud))
    if count == 0:
        return measures.FLOOR_DB
    top = float(level.max())
    if stop_above_dbfs is not None and 20 * np.log10(top) > stop_above_dbfs:
        return float(20 * np.log10(top))
    if count > x.shape[1] // 2:  # loud almost everywhere: the chunked full pass is as cheap
        return measures.peak_dbfs(Clip(np.asarray(x, np.float32), 44100))
    # the stretches after each loud sample and after the sample before it (a peak between two samples)
    loud[:-1] |= loud[1:]
    return float(20 * np.log10(max(top, _interpolated_peak(x, np.flatnonzero(loud)))))


@lru_cache(maxsize=1)
def _polyphase() -> tuple[np.ndarray, int]:
    """(kernel, reach): ``resample_poly(x, 4, 1)[k*n + p] == sum_j kernel[p, j] * x[n + j - reach]``."""
    from scipy.signal import resample_poly

    k, m = measures.TRUE_PEAK_OVERSAMPLE, 64
    impulse = np.zeros(2 * m + 1)
    impulse[m] = 1.0
    response = resample_poly(impulse, k, 1)  # response[k*(m+d) + p]: weight of x[n - d] in output k*n + p
    d = np.arange(-m, m + 1)
    kernel = np.stack([response[k * (m + d) + p] for p in range(k)])  # kernel[p, i] weighs x[n - d[i]]
    used = np.flatnonzero(np.abs(kernel).max(axis=0) > 1e-12)
    lo, hi = used.min(), used.max()
    # reorder as taps on x[n + j - reach], j = 0..2*reach
    reach = max(abs(int(d[lo])), abs(int(d[hi])))
    taps = np.zeros((k, 2 * reach + 1))
    for i in range(lo, hi + 1):
        taps[:, reach - int(d[i])] = kernel[:, i]
    return taps, reach


def _interpolated_frames(x: np.ndarray, at: np.ndarray, block: int = 1 << 15) -> np.ndarray:
    """Per frame n in ``at``: the largest |value| over channels of ``x`` 4x oversampled at k*n + p, p = 0..k-1."""
    from numpy.lib.stride_tricks import sliding_window_view

    taps, reach = _polyphase()
    # padded in x's own dtype; each window is widened to float64 (exactly) just before the product
    padded = np.pad(x, ((0, 0), (reach, reach)))
    out = np.zeros(at.size)
    for ch in padded:
        windows = sliding_window_view(ch, 2 * reach + 1)
        for i in range(0, at.size, block):
            near = windows[at[i:i + block]].astype(np.float64)
            np.maximum(out[i:i + block], np.abs(near @ taps.T).max(axis=1), out=out[i:i + block])
    return out


def _interpolated_peak(x: np.ndarray, at: np.ndarray, block: int = 1 << 15) -> float:
    """The largest |value| of ``x`` 4x oversampled at the outputs k*n + p for n in ``at``, p = 0..k-1."""
    return float(_interpolated_frames(x, at, block).max()) if at.size else 0.0


def make_safe(mix: Clip, *, ceiling_dbfs: float = CEILING_DBFS, keep_dynamics: bool = False,
              previous: Callable[[], Clip | None] | None = None) -> tuple[Clip, SafetyAction | None]:
    """``mix`` brought to a true peak at or under ``ceiling_dbfs``; the action taken, or None if none was needed.

    The limiter shaves at most ``LIMIT_DB`` off the peaks, or ``GENTLE_LIMIT_DB`` with ``keep_dynamics``
    (the user said "don't squash it"); a plain gain cut takes the rest, so the crest factor falls by
    no more than that. With ``previous`` (gives the mix before the edit; read only when the stage acts)
    only the frames the edit changed are touched: an edit of bars 4-5 leaves every other sample bit-identical, and overs that
    were already in the untouched part stay (the edit did not make them).
    """
    x = mix.samples
    if not x.size or true_peak_near_top(x, ceiling_dbfs - _SURE_SAFE_DB, ceiling_dbfs) <= ceiling_dbfs:
        return mix, None
    inside = _changed(x, previous() if previous is not None else None)
    threshold_db = ceiling_dbfs - _AIM_DB
    envelope = true_peak_envelope(x, min(threshold_db, _top_db(x, inside)) - _SURE_SAFE_DB) * inside
    before = float(20 * np.log10(max(envelope.max(), 1e-12)))
    if before <= ceiling_dbfs:
        return mix, None
    trim_db = max(0.0, before - ceiling_dbfs - (GENTLE_LIMIT_DB if keep_dynamics else LIMIT_DB))
    ramp = _ramped(inside, mix.sample_rate)
    trim = (1 - (1 - 10 ** (-trim_db / 20)) * ramp).astype(np.float32)
    y = limit(x * trim, mix.sample_rate, threshold_db=threshold_db, release_ms=_RELEASE_MS,
              peak=envelope * trim).astype(np.float32)
    y = np.where(inside > 0, y, x)
    after = _top_true_peak_db(y, inside)
    if after > ceiling_dbfs:  # the smooth gain let an inter-sample peak through: trim the rest
        y = y * (1 - (1 - 10 ** ((ceiling_dbfs - after - 0.01) / 20)) * ramp).astype(np.float32)
        after = _top_true_peak_db(y, inside)
    return mix.replace(y, f"safety limiter {ceiling_dbfs:g} dBFS true peak"), \
        SafetyAction(before, after, ceiling_dbfs, round(trim_db, 3))


def _top_db(x: np.ndarray, inside: np.ndarray) -> float:
    """The sample peak in dBFS over the frames ``inside`` marks."""
    return float(20 * np.log10(max(float((np.abs(x).max(axis=0) * inside).max()), 1e-12)))


def _top_true_peak_db(y: np.ndarray, inside: np.ndarray) -> float:
    """The true peak in dBFS over the frames ``inside`` marks (only frames near their sample peak can hold it)."""
    env = true_peak_envelope(y, _top_db(y, inside) - _SURE_SAFE_DB) * inside
    return float(20 * np.log10(max(env.max(), 1e-12)))


def _changed(x: np.ndarray, previous: Clip | None) -> np.ndarray:
    """1.0 on frames the edit changed (beyond the 24-bit store's rounding), else 0.0. A mix that grew
    (continue) is compared over the old length and the new frames count as changed; without a
    comparable ``previous`` (other channel count, a shorter mix: trimmed or stretched) all frames do."""
    inside = np.ones(x.shape[1])
    if previous is None or previous.channels != x.shape[0] or previous.frames > x.shape[1]:
        return inside
    n = previous.frames
    inside[:n] = np.abs(x[:, :n] - previous.samples).max(axis=0) > _SAME_TOL
    return inside


def _ramped(inside: np.ndarray, sample_rate: int) -> np.ndarray:
    """``inside`` rising over 10 ms from each edge of a changed stretch, so a gain cut there has no step."""
    if inside.all():
        return inside
    from scipy.ndimage import distance_transform_edt

    return np.minimum(distance_transform_edt(inside) / max(1, sample_rate // 100), 1.0)
