"""A fast CPU separator into drums / bass / vocals / other, built from STFT soft masks.

Conventions: audio is float32 shaped ``(channels, frames)`` with 1 or 2 channels at any sample rate;
stems come back in the same shape and rate. The masks are nested so that they sum to one in every
time-frequency bin, and ``other`` is taken as the time-domain remainder, so the four stems add back
to the input up to float32 rounding (re-mixing after separation reproduces the original).

How each stem is found (no learning, so expect modest quality on dense real mixes):
- drums: percussive part of a harmonic-percussive split (median filtering of the magnitude along
  time for harmonic, along frequency for percussive; soft Wiener-style mask).
  Below the bass crossover a kick is as narrow-band as a bass note, so there a fast rise above the
  bin's own slow median also counts as percussive.
- bass: the harmonic part below a smooth low-pass crossover (~220 Hz).
- vocals: harmonic, above the crossover, inside the voice band (~150 Hz–6 kHz) and centre-panned
  (local left/right coherence near one). A mono mix is all centre, so there (fading in as the side
  signal drops from -15 to -30 dB below the mid) the vocals are also narrowed to the harmonics of
  the predominant pitch line; in a mono mix a loud lead instrument is taken for the voice.
- other: everything left (the time-domain remainder).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError

STEMS = ("drums", "bass", "vocals", "other")


@dataclass(frozen=True)
class DspParams:
    """Tuning of the DSP separator; times in ms and frequencies in Hz so they hold at any rate."""

    # defaults from a coordinate search on the synthetic and gm-fluidsynth bands of separation_eval;
    # the generator bands in benchmarks/bench_separation.py were not used for tuning (held out)
    frame_ms: float = 93.0  # STFT window (4096 samples at 44.1 kHz): fine enough to resolve bass notes
    harmonic_kernel_ms: float = 400.0  # median length along time for the harmonic estimate
    percussive_kernel_hz: float = 1000.0  # median length along frequency for the percussive estimate
    mask_power: float = 2.0  # Wiener-style exponent of the harmonic/percussive soft mask
    bass_cutoff_hz: float = 220.0  # high enough to keep a bass line's second harmonic in the bass
    kick_kernel_ms: float = 800.0  # below the crossover: median length that a kick's decay stands out of
    kick_margin: float = 1.0  # how far above that median a low bin must rise to count as a kick
    kick_weight: float = 1.0  # 0 turns the low-band transient detector off
    crossover_order: float = 6.0  # slope of the smooth crossovers (Butterworth-like magnitude)
    voice_low_hz: float = 150.0
    voice_high_hz: float = 6000.0
    centre_power: float = 3.0  # sharpens the left/right coherence into a centre mask
    melody_low_hz: float = 150.0  # pitch range searched for a lead line in mono mixes
    melody_high_hz: float = 1000.0
    melody_width_cents: float = 200.0  # band kept around each of its harmonics
    block_s: float = 20.0  # longer audio is processed in blocks of this length (bounded memory)
    context_s: float = 1.0  # audio either side of a block that its median filters also see


def separate_array(samples: np.ndarray, sample_rate: int, params: DspParams | None = None) -> dict[str, np.ndarray]:
    """Split ``samples`` (channels, frames) into the four STEMS, each the input's shape, summing to it.

    Long inputs run in blocks of ``block_s`` with ``context_s`` of audio either side (so the median
    filters see their full context) and short crossfades; memory stays bounded and every block's stems
    still sum to its input, so the whole does too.
    """
    p = params or DspParams()
    x = _validate(samples, sample_rate)
    block, context = int(p.block_s * sample_rate), int(p.context_s * sample_rate)
    if x.shape[1] <= block + 2 * context:
        return _separate_block(x, sample_rate, p)
    out = {name: np.zeros_like(x) for name in STEMS}
    fade = min(int(0.05 * sample_rate), context)
    for start in range(0, x.shape[1], block):
        a, b = max(0, start - context), min(x.shape[1], start + block + context)
        stems = _separate_block(x[:, a:b], sample_rate, p)
        w = _block_weights(b - a, start - a, min(block, x.shape[1] - start), fade, first=start == 0,
                           last=start + block >= x.shape[1])
        for name in STEMS:
            out[name][:, a:b] += stems[name] * w
    return out


def _block_weights(length: int, keep_from: int, keep: int, fade: int, first: bool, last: bool) -> np.ndarray:
    """1 over the block's own span, raised-cosine fades half inside / half outside it (sum to one)."""
    w = np.zeros(length, np.float32)
    w[keep_from:keep_from + keep] = 1.0
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)
    half = fade // 2
    if not first:
        w[keep_from - half:keep_from - half + fade] = ramp
    if not last:
        end = keep_from + keep
        w[end - half:end - half + fade] = 1.0 - ramp
    return w


def _separate_block(x: np.ndarray, sample_rate: int, p: DspParams) -> dict[str, np.ndarray]:
    n_fft, spec, masks = stem_masks(x, sample_rate, p)
    out = {name: _istft(spec * m[None], n_fft, x.shape[1]) for name, m in masks.items()}
    out["other"] = x - out["drums"] - out["bass"] - out["vocals"]
    return {name: out[name].astype(np.float32) for name in STEMS}


def stem_masks(x: np.ndarray, sample_rate: int, params: DspParams | None = None
               ) -> tuple[int, np.ndarray, dict[str, np.ndarray]]:
    """The STFT size, the STFT (channels, bins, frames) and the drums/bass/vocals masks (bins, frames)."""
    p = params or DspParams()
    n_fft = _pow2(p.frame_ms * sample_rate / 1000)
    spec = _stft(x, n_fft)  # (channels, bins, frames)
    freqs = np.fft.rfftfreq(n_fft, 1 / sample_rate).astype(np.float32)
    hop_s = n_fft / 4 / sample_rate
    mag = np.sqrt((np.abs(spec) ** 2).sum(axis=0))
    low = _lowpass(freqs, p.bass_cutoff_hz, p.crossover_order)[:, None]
    perc = _percussive_mask(mag, p, hop_s, sample_rate / n_fft, low)
    harm = 1.0 - perc
    band = (_highpass(freqs, p.voice_low_hz, p.crossover_order)
            * _lowpass(freqs, p.voice_high_hz, p.crossover_order))[:, None]
    voice = band * _centre_mask(spec, p.centre_power)
    mono = _mononess(spec)
    if mono > 0:  # with no stereo cue, the predominant pitch line is the best guess at the voice
        melody = _melody_mask(mag * harm * (1.0 - low), freqs, sample_rate / n_fft, p)
        voice = voice * (1.0 - mono + mono * np.sqrt(melody))
    masks = {"drums": perc, "bass": harm * low, "vocals": harm * (1.0 - low) * voice}
    return n_fft, spec, masks


def separate_clip(clip: Clip, params: DspParams | None = None) -> dict[str, Clip]:
    """The four stems of ``clip`` as Clips at its rate and channel count."""
    arrays = separate_array(clip.samples, clip.sample_rate, params)
    return {name: clip.replace(a, f"dsp separation: {name}") for name, a in arrays.items()}


# ---- masks --------------------------------------------------------------------------------------

def _percussive_mask(mag: np.ndarray, p: DspParams, hop_s: float, bin_hz: float,
                     low: np.ndarray | None = None) -> np.ndarray:
    from scipy.ndimage import median_filter

    kt = _odd(p.harmonic_kernel_ms / 1000 / hop_s)
    h = median_filter(mag, size=(1, kt), mode="reflect")
    q = _median_over_frequency(mag, p.percussive_kernel_hz / bin_hz)
    if low is not None and p.kick_weight > 0:
        # a kick is narrow-band like a bass note, so the median across frequency misses it; below the
        # crossover, energy far above its own longer-term median (a fast transient) counts as drums
        nb = int(np.searchsorted(low[:, 0] < 0.01, True))  # only bins where the bass band reaches
        kl = _odd(p.kick_kernel_ms / 1000 / hop_s)
        slow = median_filter(mag[:nb], size=(1, kl), mode="reflect")
        excess = np.maximum(mag[:nb] - slow * p.kick_margin, 0.0)
        q[:nb] = np.maximum(q[:nb], p.kick_weight * low[:nb] * excess)
    hp, qp = h ** p.mask_power, q ** p.mask_power
    return (qp / (hp + qp + 1e-20)).astype(np.float32)


def _median_over_frequency(mag: np.ndarray, kernel_bins: float) -> np.ndarray:
    """Median along frequency; wide kernels run on pairs of bins averaged, which is 4x cheaper."""
    from scipy.ndimage import median_filter

    if kernel_bins < 40:
        return median_filter(mag, size=(_odd(kernel_bins), 1), mode="reflect")
    bins = mag.shape[0]
    even = mag[: bins - bins % 2]
    pooled = 0.5 * (even[0::2] + even[1::2])
    q = median_filter(pooled, size=(_odd(kernel_bins / 2), 1), mode="reflect")
    return np.repeat(q, 2, axis=0)[:bins] if bins % 2 == 0 else np.vstack([np.repeat(q, 2, axis=0), q[-1:]])


def _centre_mask(spec: np.ndarray, power: float) -> np.ndarray:
    """Near 1 where left and right carry the same signal, near 0 where they differ (panned, wide)."""
    if spec.shape[0] == 1:
        return np.ones(spec.shape[1:], np.float32)  # a mono mix is all centre
    from scipy.ndimage import uniform_filter

    left, right = spec[0], spec[1]
    # local averages (3 bins x 3 frames) so uncorrelated content averages towards 0, not to noise
    cross = uniform_filter((left * np.conj(right)).real, size=3)
    energy = uniform_filter(np.abs(left) ** 2 + np.abs(right) ** 2, size=3)
    coherence = np.clip(2 * cross / (energy + 1e-20), 0.0, 1.0)
    return (coherence ** power).astype(np.float32)


def _mononess(spec: np.ndarray) -> float:
    """1 for a mono (or dual-mono) mix, 0 once the side signal is within 15 dB of the mid, linear between."""
    if spec.shape[0] == 1:
        return 1.0
    side = float(np.sum(np.abs(spec[0] - spec[1]) ** 2))
    mid = float(np.sum(np.abs(spec[0] + spec[1]) ** 2)) + 1e-20
    side_db = 10 * np.log10(side / mid + 1e-12)
    return float(np.clip((-side_db - 15.0) / 15.0, 0.0, 1.0))


def _melody_mask(hmag: np.ndarray, freqs: np.ndarray, bin_hz: float, p: DspParams) -> np.ndarray:
    """Soft mask on the harmonics of the strongest pitch of each frame (the predominant melody).

    Salience is a weighted sum over 10 harmonics of the compressed magnitude for pitch candidates a
    third of a semitone apart; the winner is median-smoothed over 5 frames, and its first 20 harmonics
    get triangular bands ``melody_width_cents`` wide, wide enough to hold a sung vibrato.
    """
    from scipy.ndimage import median_filter

    top = int(np.searchsorted(freqs, p.voice_high_hz))
    cands = p.melody_low_hz * 2 ** (np.arange(0, 36 * np.log2(p.melody_high_hz / p.melody_low_hz)) / 36)
    comb = np.zeros((cands.size, top), np.float32)
    for h in range(1, 11):
        pos = cands * h / bin_hz
        ok = np.nonzero(pos < top - 1)[0]
        lo = np.floor(pos[ok]).astype(int)
        frac = (pos[ok] - lo).astype(np.float32)
        comb[ok, lo] += 0.85 ** (h - 1) * (1 - frac)
        comb[ok, lo + 1] += 0.85 ** (h - 1) * frac
    best = median_filter(np.argmax(comb @ np.sqrt(hmag[:top]), axis=0), size=5, mode="nearest")
    f0 = cands[best].astype(np.float32)
    mask = np.zeros_like(hmag)
    f = freqs[:top, None]
    spread = 2 ** (p.melody_width_cents / 1200) - 1
    for h in range(1, 21):
        width = np.maximum(f0 * h * spread, 1.5 * bin_hz)
        np.maximum(mask[:top], np.clip(1 - np.abs(f - f0 * h) / width, 0, 1), out=mask[:top])
    return mask


def _lowpass(freqs: np.ndarray, cutoff_hz: float, order: float) -> np.ndarray:
    # power-complementary would not sum to one; these magnitude curves do (low + (1 - low) = 1)
    return 1.0 / (1.0 + (freqs / cutoff_hz) ** order)


def _highpass(freqs: np.ndarray, cutoff_hz: float, order: float) -> np.ndarray:
    return 1.0 - _lowpass(freqs, cutoff_hz, order)


# ---- STFT with exact overlap-add reconstruction (numpy only: scipy.signal takes seconds to import) ----

def _stft(x: np.ndarray, n_fft: int) -> np.ndarray:
    """(channels, frames) -> (channels, n_fft/2+1 bins, STFT frames); periodic Hann, hop n_fft/4."""
    from numpy.lib.stride_tricks import sliding_window_view

    hop, pad = n_fft // 4, n_fft - n_fft // 4  # the padding gives every sample the full 4-frame overlap
    count = -(-(x.shape[-1] + 2 * pad - n_fft) // hop) + 1
    xp = np.pad(x, [(0, 0), (pad, (count - 1) * hop + n_fft - x.shape[-1] - pad)])
    frames = sliding_window_view(xp, n_fft, axis=-1)[:, ::hop] * _hann(n_fft)
    return np.fft.rfft(frames, axis=-1).astype(np.complex64).transpose(0, 2, 1)


def _istft(spec: np.ndarray, n_fft: int, length: int) -> np.ndarray:
    """Inverse of ``_stft`` (weighted overlap-add), cut to ``length`` frames."""
    hop, pad = n_fft // 4, n_fft - n_fft // 4
    w = _hann(n_fft)
    frames = np.fft.irfft(spec.transpose(0, 2, 1), n=n_fft, axis=-1).astype(np.float32) * w
    channels, count = frames.shape[:2]
    out = np.zeros((channels, count + 3, hop), np.float32)
    norm = np.zeros((count + 3, hop), np.float32)
    blocks, wsq = frames.reshape(channels, count, 4, hop), (w * w).reshape(4, hop)
    for j in range(4):
        out[:, j:j + count] += blocks[:, :, j]
        norm[j:j + count] += wsq[j]
    y = out.reshape(channels, -1) / np.maximum(norm.reshape(-1), 1e-8)
    return y[:, pad:pad + length]


def _hann(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def _validate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise ToolInputError(f"separation expects samples shaped (channels, frames) with 1 or 2 channels, "
                             f"got shape {x.shape}; did you pass (frames, channels)? transpose it")
    if sample_rate < 8000:
        raise ToolInputError(f"sample_rate {sample_rate} Hz is too low for separation; expected >= 8000 Hz")
    if x.shape[1] < sample_rate // 10:
        raise ToolInputError(f"clip of {x.shape[1]} frames is too short to separate; give at least 0.1 s")
    return x.astype(np.float32, copy=False)


def _pow2(n: float) -> int:
    return int(2 ** round(np.log2(max(n, 256))))


def _odd(n: float) -> int:
    k = max(3, int(round(n)))
    return k if k % 2 else k + 1
