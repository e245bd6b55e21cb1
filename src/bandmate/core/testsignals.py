"""Synthetic signals with known properties, for tests, benchmarks and the evaluation harness."""

from __future__ import annotations

import numpy as np

from bandmate.core.clip import Clip


def sine(freq_hz: float = 440.0, duration_s: float = 1.0, *, sample_rate: int = 44100, amplitude: float = 0.5,
         channels: int = 1) -> Clip:
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    x = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return Clip(np.repeat(x[None], channels, axis=0), sample_rate, (f"sine {freq_hz:g} Hz",))


def noise(duration_s: float = 1.0, *, sample_rate: int = 44100, amplitude: float = 0.1, channels: int = 1,
          seed: int = 0, color: str = "white") -> Clip:
    """White or pink (1/f power) Gaussian noise; ``amplitude`` is the RMS."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * sample_rate)
    x = rng.standard_normal((channels, n))
    if color == "pink":
        spec = np.fft.rfft(x, axis=1)
        f = np.fft.rfftfreq(n, 1 / sample_rate)
        f[0] = f[1]
        x = np.fft.irfft(spec / np.sqrt(f), n=n, axis=1)
    x = x / np.sqrt(np.mean(x**2)) * amplitude
    return Clip(x.astype(np.float32), sample_rate, (f"{color} noise",))


def clicks(tempo_bpm: float = 120.0, duration_s: float = 4.0, *, sample_rate: int = 44100,
           amplitude: float = 0.8) -> Clip:
    """A decaying 1 kHz blip on every beat."""
    n = int(duration_s * sample_rate)
    x = np.zeros(n, np.float32)
    blip_n = int(0.03 * sample_rate)
    t = np.arange(blip_n) / sample_rate
    blip = amplitude * np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.005)
    step = 60.0 / tempo_bpm
    for k in range(int(duration_s / step) + 1):
        a = int(k * step * sample_rate)
        b = min(n, a + blip_n)
        x[a:b] += blip[: b - a]
    return Clip(x[None], sample_rate, (f"clicks {tempo_bpm:g} BPM",))


def mixture(*clips: Clip) -> Clip:
    """Sum of clips (padded to the longest, all made stereo)."""
    frames = max(c.frames for c in clips)
    out = np.zeros((2, frames), np.float32)
    for c in clips:
        out += c.with_channels(2).padded(frames)
    return Clip(out, clips[0].sample_rate, ("mixture",))
