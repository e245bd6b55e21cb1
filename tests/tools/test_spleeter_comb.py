"""The harmonic-comb gate: it finds a sung line's f0 and drops a second instrument between its partials."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.tools.backends.spleeter_comb import comb_gate, voice_f0

SR, N_FFT, HOP = 44100, 4096, 1024


def _tone(f0_hz: np.ndarray, amps: list[float]) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(f0_hz) / SR
    return sum(a * np.sin((h + 1) * phase) for h, a in enumerate(amps))


def _stft(x: np.ndarray) -> np.ndarray:
    from numpy.lib.stride_tricks import sliding_window_view

    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    return np.fft.rfft(sliding_window_view(x, N_FFT)[::HOP] * w, axis=-1)


@pytest.fixture(scope="module")
def voice_and_guitar():
    t = np.arange(3 * SR) / SR
    f0 = 220.0 * 2 ** (0.35 / 12 * np.sin(2 * np.pi * 5.5 * t))  # A3 with +-35 cents vibrato
    voice = _tone(f0, [1.0, 0.7, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1])
    guitar = 0.3 * _tone(np.full(t.size, 220.0 * 2 ** (6 / 12)), [1.0, 0.5, 0.3, 0.2])  # a tritone up
    return _stft(voice), _stft(guitar)


def test_the_f0_of_the_dominant_harmonic_series_is_found(voice_and_guitar):
    voice, guitar = voice_and_guitar
    f0, share = voice_f0(np.abs(voice + guitar), sample_rate=SR, n_fft=N_FFT)
    cents = 1200 * np.log2(f0 / 220.0)
    assert np.mean(np.abs(cents) <= 60) >= 0.9, np.round(cents)
    assert np.median(share) >= 0.6, share


def test_the_gate_keeps_the_partials_and_drops_what_sits_between(voice_and_guitar):
    voice, guitar = voice_and_guitar
    gate = comb_gate(np.abs(voice + guitar), sample_rate=SR, n_fft=N_FFT)
    kept_voice = np.sum(np.abs(voice * gate) ** 2) / np.sum(np.abs(voice) ** 2)
    guitar_db = 10 * np.log10(np.sum(np.abs(guitar * gate) ** 2) / np.sum(np.abs(guitar) ** 2))
    assert kept_voice >= 0.95, kept_voice
    assert guitar_db <= -15.0, guitar_db


def test_noise_is_not_voiced_and_passes_untouched():
    rng = np.random.default_rng(0)
    noise = _stft(rng.standard_normal(2 * SR))
    gate = comb_gate(np.abs(noise), sample_rate=SR, n_fft=N_FFT)
    assert np.mean(gate == 1.0) >= 0.95, np.mean(gate == 1.0)


def test_wrong_inputs_are_named():
    with pytest.raises(ValueError, match=r"magnitude must be \(frames, 2049\)"):
        voice_f0(np.ones((4, 1024)), sample_rate=SR, n_fft=N_FFT)
    with pytest.raises(ValueError, match="floor is a gain"):
        comb_gate(np.ones((4, 2049)), sample_rate=SR, n_fft=N_FFT, floor=2.0)
