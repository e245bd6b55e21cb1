"""Vocals / accompaniment with Spleeter's pretrained 2-stem model, run in torch on the CPU.

Conventions: input and output are ``Clip``s (float32 ``(channels, frames)``); the model runs at
44.1 kHz stereo, so other rates are resampled explicitly to 44.1 kHz and back, and mono is doubled
then folded back. The two stems sum to the input exactly: ``accompaniment`` is the time-domain remainder.

Processing follows Spleeter's own: 4096 zeros in front, STFT with a periodic Hann window of 4096 and
hop 1024, magnitudes of the first 1024 bins (0-11 kHz) in segments of 512 frames, one U-Net per stem,
then ratio masks ``m_i = (y_i^2 + eps/2) / (y_v^2 + y_a^2 + eps)`` (exponent 2, so they sum to one)
applied to the complex STFT and inverted by weighted overlap-add. Spleeter fills the bins above 11 kHz
with zeros for every stem; here ``extension="top"`` (the default) gives the vocals, in each frame, the
mean mask of the top octave of the model's band (5.5-11 kHz), so a voice keeps its sibilants and air.
With ``comb=True`` (the default) the vocal mask is then gated by the harmonic comb of the vocal
estimate's own f0 (spleeter_comb): between the voice's partials, below 5 kHz, in voiced frames, it
goes to zero, which takes the accompaniment's notes that share the voice's time out of the vocal stem.
Segments are processed one at a time (memory stays bounded) and overlap-added, which equals
processing the whole signal at once.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.settings import Settings

SAMPLE_RATE = 44100
N_FFT, HOP = 4096, 1024
EPS = 1e-10
Extension = Literal["zeros", "average", "top"]


class SpleeterSeparator:
    """The two loaded U-Nets (vocals, accompaniment) with the verb ``separate``."""

    def __init__(self, tensors: dict[str, np.ndarray], *, origin: str = "?", extension: Extension = "top",
                 exponent: float = 2.0, comb: bool = True, threads: int | None = None):
        from bandmate.tools.backends.spleeter_net import INSTRUMENTS, build_unet

        self.nets = [build_unet(tensors, i) for i in range(len(INSTRUMENTS))]
        self.origin = origin
        self.extension = extension
        self.exponent = exponent
        self.comb = comb
        self.threads = threads

    def with_options(self, *, comb: bool | None = None, exponent: float | None = None) -> SpleeterSeparator:
        """A separator sharing these loaded nets with other mask settings (comparisons, benchmarks)."""
        import copy

        other = copy.copy(self)
        other.comb = self.comb if comb is None else comb
        other.exponent = self.exponent if exponent is None else exponent
        return other

    def vocal_mask(self, magnitude: np.ndarray) -> np.ndarray:
        """Vocal ratio mask for ``magnitude`` (2, T, 2049) of one segment, over all 2049 bins."""
        import torch

        from bandmate.tools.backends.spleeter_net import F_BINS

        x = torch.from_numpy(np.ascontiguousarray(magnitude[None, :, :, :F_BINS], dtype=np.float32))
        with torch.inference_mode():
            voc, acc = (net(x)[0].numpy().astype(np.float64) for net in self.nets)
        p = self.exponent
        total = voc ** p + acc ** p + EPS
        mask = _extend(((voc ** p + EPS / 2) / total).astype(np.float32), magnitude.shape[-1], self.extension)
        if self.comb:
            from bandmate.tools.backends.spleeter_comb import comb_gate

            estimate = (magnitude * mask).mean(axis=0)
            mask *= comb_gate(estimate, sample_rate=SAMPLE_RATE, n_fft=N_FFT)[None]
        return mask

    def separate(self, clip: Clip) -> dict[str, Clip]:
        """``{"vocals", "accompaniment"}`` of ``clip``, at its rate, channel count and length."""
        from bandmate.core.audio_io import resample

        x = clip if clip.sample_rate == SAMPLE_RATE else resample(clip, SAMPLE_RATE)
        stereo = x.with_channels(2).samples.astype(np.float32)
        vocals = self._vocals(stereo)
        voc = Clip(vocals, SAMPLE_RATE, (*clip.provenance, "spleeter vocals"))
        if clip.sample_rate != SAMPLE_RATE:
            voc = resample(voc, clip.sample_rate)
        voc = voc.with_channels(clip.channels)
        voc = voc.replace(voc.padded(clip.frames)[:, :clip.frames], "fit length")
        rest = clip.samples - voc.samples
        return {"vocals": voc, "accompaniment": clip.replace(rest, "spleeter accompaniment (remainder)")}

    def _vocals(self, x: np.ndarray) -> np.ndarray:
        import torch

        from bandmate.tools.backends.spleeter_net import T_FRAMES

        previous = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            length = x.shape[1]
            frames = -(-(length + N_FFT) // HOP)
            padded = np.pad(x, [(0, 0), (N_FFT, (frames - 1) * HOP + N_FFT - length - N_FFT)])
            out = np.zeros((2, padded.shape[1] + T_FRAMES * HOP), np.float32)
            norm = np.zeros(out.shape[1], np.float32)
            window = _hann(N_FFT)
            for start in range(0, frames, T_FRAMES):
                spec = _frames_stft(padded, start, min(T_FRAMES, frames - start), window)
                mag = np.zeros((2, T_FRAMES, spec.shape[-1]), np.float32)
                mag[:, :spec.shape[1]] = np.abs(spec)
                mask = self.vocal_mask(mag)[:, :spec.shape[1]]
                _overlap_add(out, norm, spec * mask, start, window)
        finally:
            torch.set_num_threads(previous)
        y = out / np.maximum(norm, 1e-8)
        return y[:, N_FFT:N_FFT + length]


def _frames_stft(padded: np.ndarray, start: int, count: int, window: np.ndarray) -> np.ndarray:
    """STFT frames ``start .. start+count`` of ``padded`` (channels, samples) -> (channels, count, bins)."""
    from numpy.lib.stride_tricks import sliding_window_view

    seg = padded[:, start * HOP:(start + count - 1) * HOP + N_FFT]
    frames = sliding_window_view(seg, N_FFT, axis=-1)[:, ::HOP] * window
    return np.fft.rfft(frames, axis=-1).astype(np.complex64)


def _overlap_add(out: np.ndarray, norm: np.ndarray, spec: np.ndarray, start: int, window: np.ndarray) -> None:
    frames = np.fft.irfft(spec, n=N_FFT, axis=-1).astype(np.float32) * window
    for k in range(frames.shape[1]):
        a = (start + k) * HOP
        out[:, a:a + N_FFT] += frames[:, k]
        norm[a:a + N_FFT] += window * window


def _extend(mask: np.ndarray, bins: int, extension: Extension) -> np.ndarray:
    """Masks (2, T, 1024) to all ``bins``: zeros (Spleeter's 2-stem setting), mean, or top-octave mean."""
    fill = np.zeros(mask.shape[:2] + (bins - mask.shape[-1],), np.float32)
    if extension == "average":
        fill += mask.mean(axis=-1, keepdims=True)
    elif extension == "top":
        fill += mask[..., mask.shape[-1] // 2:].mean(axis=-1, keepdims=True)
    elif extension != "zeros":
        raise ValueError(f"extension must be 'zeros', 'average' or 'top', got {extension!r}")
    return np.concatenate([mask, fill], axis=-1)


def _hann(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def load_spleeter(settings: Settings) -> SpleeterSeparator:
    """The pretrained 2-stem model from BANDMATE_SPLEETER or the venv (BackendUnavailable if absent)."""
    from bandmate.core.errors import BackendUnavailable
    from bandmate.tools.backends.spleeter_model import MISSING_HINT, load_tensors, locate

    try:
        import torch  # noqa: F401
    except ImportError as err:
        raise BackendUnavailable(f"the spleeter separator needs torch ({err}); {MISSING_HINT}") from None
    path = locate(getattr(settings, "spleeter", None))
    return SpleeterSeparator(load_tensors(path), origin=str(path))


def random_separator(seed: int = 0) -> Any:
    """The real architecture with random weights (tests and benchmarks; separates nothing)."""
    from bandmate.tools.backends.spleeter_net import random_tensors

    return SpleeterSeparator(random_tensors(seed), origin="random weights")
