"""Harmonic-comb gating of a vocal mask: keep what sits on the voice's partials, drop what sits between.

Conventions: spectra are magnitudes ``(frames, bins)`` of a real STFT of ``n_fft`` samples at
``sample_rate`` Hz (bin k is ``k * sample_rate / n_fft`` Hz); gates are float32 ``(frames, bins)`` in
[floor, 1] and multiply a soft mask.

A U-Net's soft vocal mask lets through some of the accompaniment that shares the voice's time and
band: guitar notes between the voice's partials. The vocal estimate (mask x mixture) is dominated by the
voice, so its own f0 can be read cheaply by harmonic summation (Klapuri-style weighted sum of the
compressed magnitude at ``h * f`` for candidates ``f``); in frames where the best candidate's comb holds
at least ``voicing`` of the estimate's energy below ``comb_top_hz``, the gate is 1 within
``width_cents`` (and at least the Hann main lobe, 2 bins) of every harmonic and ``floor`` between them,
up to ``comb_top_hz``. Above it (sibilants, air) and in unvoiced frames the mask is left as it is.
Only the vocal estimate is read: no reference, no oracle pitch.
"""

from __future__ import annotations

import numpy as np

HARMONICS = 10  # partials summed for the salience
MAIN_LOBE_BINS = 2.0  # a Hann window's main lobe half-width: a partial's own energy reaches this far


def voice_f0(magnitude: np.ndarray, *, sample_rate: float, n_fft: int, fmin_hz: float = 150.0,
             fmax_hz: float = 1000.0, comb_top_hz: float = 5000.0) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame f0 (Hz) of the strongest harmonic series in ``magnitude`` (frames, bins), and the share of
    the frame's energy below ``comb_top_hz`` that lies on that series' partials (0..1)."""
    mag = np.asarray(magnitude, np.float32)
    if mag.ndim != 2 or mag.shape[1] != n_fft // 2 + 1:
        raise ValueError(f"magnitude must be (frames, {n_fft // 2 + 1}) for n_fft={n_fft}, got {mag.shape}")
    bin_hz = sample_rate / n_fft
    candidates = fmin_hz * 2 ** (np.arange(int(12 * 8 * np.log2(fmax_hz / fmin_hz)) + 1) / 96)  # 1/8 semitone
    comp = np.sqrt(mag)
    # a partial falls between bins: take the larger of its two neighbours
    peak = np.maximum(comp, np.roll(comp, -1, axis=1))
    h = np.arange(1, HARMONICS + 1)
    idx = np.minimum(np.floor(np.outer(candidates, h) / bin_hz).astype(int), mag.shape[1] - 2)  # (C, H)
    weights = (0.84 ** (h - 1)).astype(np.float32)
    salience = peak[:, idx] @ weights  # (frames, C)
    f0 = candidates[np.argmax(salience, axis=1)]
    on = _near_harmonics(f0, mag.shape[1], bin_hz, width_cents=50.0, top_hz=comb_top_hz)
    power = mag.astype(np.float64) ** 2
    band = np.arange(mag.shape[1]) * bin_hz <= comb_top_hz
    share = (power * on).sum(axis=1) / np.maximum((power * band).sum(axis=1), 1e-20)
    return f0, share


def comb_gate(magnitude: np.ndarray, *, sample_rate: float, n_fft: int, floor: float = 0.0,
              width_cents: float = 50.0, voicing: float = 0.5, comb_top_hz: float = 5000.0) -> np.ndarray:
    """Gate (frames, bins) for a vocal mask from the vocal estimate's ``magnitude`` (frames, bins)."""
    if not 0.0 <= floor <= 1.0:
        raise ValueError(f"floor is a gain in [0, 1], got {floor}")
    f0, share = voice_f0(magnitude, sample_rate=sample_rate, n_fft=n_fft, comb_top_hz=comb_top_hz)
    bins = magnitude.shape[1]
    near = _near_harmonics(f0, bins, sample_rate / n_fft, width_cents=width_cents, top_hz=comb_top_hz)
    above = np.arange(bins) * sample_rate / n_fft > comb_top_hz
    gate = np.where(near | above[None, :], 1.0, floor).astype(np.float32)
    gate[share < voicing] = 1.0
    return gate


def _near_harmonics(f0: np.ndarray, bins: int, bin_hz: float, *, width_cents: float, top_hz: float) -> np.ndarray:
    """(frames, bins) True within ``width_cents`` (at least the main lobe) of a harmonic of ``f0``."""
    freqs = np.arange(bins) * bin_hz
    f = np.asarray(f0, np.float64)[:, None]
    order = np.maximum(np.round(freqs[None, :] / f), 1.0)
    dist = np.abs(freqs[None, :] - order * f)
    reach = np.maximum(order * f * (2 ** (width_cents / 1200) - 1), MAIN_LOBE_BINS * bin_hz)
    return (dist <= reach) & (freqs[None, :] <= top_hz)
