"""Measurements of a Clip: the numbers that say what an edit changed and by how much.

Conventions
-----------
- Every measure is a pure function of a :class:`~bandmate.core.clip.Clip` (never modified) returning a
  Python float whose unit is in its name: ``_hz`` hertz, ``_db`` decibels, ``_lufs`` loudness units re
  full scale (ITU-R BS.1770), ``_s`` seconds; ``onset_rate`` is onsets per second and ``stereo_width``
  a plain energy ratio.
- dB re full scale follows AES17: a full-scale sine reads 0 dB, i.e. a level is
  ``10*log10(2 * mean square)``.
- Silence never gives -inf or NaN: levels (and ``peak_dbfs``) read ``FLOOR_DB`` (-120), loudness
  ``FLOOR_LUFS`` (-120), frequencies, times, rates, crest, width and the onset ratios read 0.0.
- ``peak_dbfs`` is the true peak (ITU-R BS.1770-4 style: 4x oversampled), 20*log10 of the largest
  absolute value of any channel between samples too: a full-scale sine reads 0 dBFS whatever its phase.
- ``attack_db`` compares the attack (-10..+25 ms) with the tail (+40..+200 ms, cut at the next onset)
  of every onset (``onset_times_s``), as mean powers summed over onsets: a slower-attack compressor or
  a transient shaper raises it. ``ambience_db`` is how far the quiet frames sit under the loud ones,
  per band: a reverb raises it even on music that already has a tail (where ``decay_s``, which reads
  only the final tail, may not move).
- Stereo: spectral measures (centroid, rolloff, band levels, eq response) average the two channels'
  *power spectra*. For identical channels that equals analysing the channel average; unlike the
  channel-average signal, a part moved by a constant-power pan keeps its level and out-of-phase
  parts do not cancel (a mono clip and its two-channel copy read the same). Time-domain measures (crest, decay, onsets) analyse the
  channel-average signal (``Clip.to_mono``). Loudness weights channels as BS.1770 says; stereo width
  compares the side and mid signals.
- Spectra: periodic-Hann frames of about 93 ms (a power of two scaled with the rate: 4096 points at
  44.1 and 48 kHz, so about 11 Hz per bin), hop a quarter frame. At that hop the squared windows sum to
  exactly 1.5, so the long-term spectrum holds exactly the clip's mean-square power (Parseval), for any
  clip length. Band edges cut bins fractionally, so a band narrower than a bin still measures
  something. Power above the Nyquist frequency is zero: a band wholly above it reads ``FLOOR_DB``.
- Clips are analysed at their own sample rate; nothing is resampled (``peak_dbfs`` oversamples
  internally only to find peaks between samples).

Names: ``MEASURE_NAMES`` are the plain measures; ``band_db:LO-HI`` (Hz) is the one parametric form.
``measure(name, clip)`` reads either; ``measure_all(clip)`` gives the plain ones plus
``STANDARD_BANDS_HZ``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError

FLOOR_DB = -120.0
FLOOR_LUFS = -120.0
WIDTH_CAP = 100.0  # side/mid ratio reported for (almost) pure side signals, instead of infinity
MEASURE_NAMES = ("centroid_hz", "rolloff_hz", "loudness_lufs", "crest_db", "stereo_width", "decay_s",
                 "onset_rate", "duration_s", "peak_dbfs", "attack_db", "ambience_db")
PARAMETRIC_MEASURES = ("band_db:LO-HI",)
STANDARD_BANDS_HZ = ((20, 120), (120, 500), (500, 2000), (2000, 6000), (6000, 16000))

_POWER_FLOOR = 0.5 * 10 ** (FLOOR_DB / 10)  # mean square of a sine at FLOOR_DB
_BAND_RE = re.compile(r"^band_db:\s*(\d+(?:\.\d*)?)\s*-\s*(\d+(?:\.\d*)?)$")
_LOUDNESS_BLOCK_S = 0.4
TRUE_PEAK_OVERSAMPLE = 4
_PEAK_CHUNK, _PEAK_PAD = 1 << 15, 64  # samples per oversampled chunk, filter context
_INTERP_GAIN = 2.25  # >= the largest L1 norm of resample_poly's 4x polyphase branches (2.2414): an exact bound
ATTACK_WINDOW_S, TAIL_WINDOW_S = (-0.01, 0.025), (0.04, 0.2)
AMBIENCE_BANDS_HZ = ((150, 600), (600, 2400), (2400, 9600))


def _check(clip: Clip, what: str = "clip") -> Clip:
    if not isinstance(clip, Clip):
        hint = " — wrap an array with Clip.mono(x, sample_rate) or Clip(x, sample_rate)" \
            if isinstance(clip, np.ndarray) else ""
        raise ToolInputError(f"{what} must be a Clip, got {type(clip).__name__}{hint}")
    return clip


# ---- long-term spectrum ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spectrum:
    freqs_hz: np.ndarray  # bin centres
    power: np.ndarray  # mean-square power per bin, channel mean; sums to the clip's mean square
    bin_hz: float


def _n_fft(sample_rate: int, seconds: float) -> int:
    return int(2 ** round(math.log2(sample_rate * seconds)))


def _frames(x: np.ndarray, n: int, hop: int, pad_left: int, pad_right: int) -> np.ndarray:
    padded = np.pad(x, (pad_left, pad_right))
    return np.lib.stride_tricks.sliding_window_view(padded, n)[::hop]


def _hann(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def _spectrum(clip: Clip) -> _Spectrum:
    import scipy.fft

    n = _n_fft(clip.sample_rate, 0.093)
    hop = n // 4
    win = _hann(n)
    scale = np.full(n // 2 + 1, 2.0 / n)
    scale[[0, -1]] = 1.0 / n  # DC and Nyquist have no mirrored twin
    total = np.zeros(n // 2 + 1)
    for channel in clip.samples:
        # 3 hops of zeros before and a frame after: every sample is seen by exactly 4 frames
        frames = _frames(channel, n, hop, n - hop, n)
        for start in range(0, len(frames), 256):  # chunks bound memory on long clips
            spec = scipy.fft.rfft(frames[start:start + 256] * win, axis=1)  # float32 in, complex64 out: 3x faster
            total += (spec.real**2 + spec.imag**2).sum(axis=0, dtype=np.float64)
    # sum over frames of squared windows is 1.5 at every sample (periodic Hann, hop n/4)
    power = total * scale / (1.5 * clip.frames * clip.channels)
    return _Spectrum(np.fft.rfftfreq(n, 1.0 / clip.sample_rate), power, clip.sample_rate / n)


def _band_power(spec: _Spectrum, lo_hz: np.ndarray | float, hi_hz: np.ndarray | float) -> np.ndarray:
    lower = spec.freqs_hz - spec.bin_hz / 2
    lo = np.atleast_1d(np.asarray(lo_hz, dtype=np.float64))[:, None]
    hi = np.atleast_1d(np.asarray(hi_hz, dtype=np.float64))[:, None]
    overlap = np.clip(np.minimum(lower + spec.bin_hz, hi) - np.maximum(lower, lo), 0.0, None)
    return (overlap / spec.bin_hz) @ spec.power


def _level_db(power: float) -> float:
    return float(10 * np.log10(max(2 * power, 2 * _POWER_FLOOR)))


def _centroid(spec: _Spectrum) -> float:
    total = spec.power.sum()
    return float(spec.freqs_hz @ spec.power / total) if total > _POWER_FLOOR else 0.0


def _rolloff(spec: _Spectrum, fraction: float) -> float:
    cum = np.cumsum(spec.power)
    if cum[-1] <= _POWER_FLOOR:
        return 0.0
    target = fraction * cum[-1]
    i = int(np.searchsorted(cum, target))
    below = cum[i - 1] if i > 0 else 0.0
    # interpolate inside bin i, which spans its centre ± half a bin
    inside = (target - below) / spec.power[i] if spec.power[i] > 0 else 0.0
    return float(max(0.0, spec.freqs_hz[i] - spec.bin_hz / 2 + inside * spec.bin_hz))


def _check_band(lo_hz: float, hi_hz: float) -> None:
    if not (math.isfinite(lo_hz) and math.isfinite(hi_hz)) or lo_hz < 0 or hi_hz <= lo_hz:
        raise ToolInputError(f"band {lo_hz}–{hi_hz} Hz is not a band; expected 0 <= lo_hz < hi_hz, "
                             "both in Hz (e.g. 80–400)")


# ---- spectral measures -------------------------------------------------------------------------
def centroid_hz(clip: Clip) -> float:
    """Power-weighted spectral centroid in Hz over the whole clip.

    Equal to the per-frame centroids averaged with frame energy as weight, so silent frames do not
    pull it anywhere. Silence reads 0.0.
    """
    return _centroid(_spectrum(_check(clip)))


def rolloff_hz(clip: Clip, fraction: float = 0.85) -> float:
    """Frequency in Hz below which ``fraction`` of the clip's spectral power lies (long-term spectrum)."""
    if not 0.0 < fraction < 1.0:
        raise ToolInputError(f"rolloff fraction {fraction} is outside (0, 1); e.g. 0.85 for 85%")
    return _rolloff(_spectrum(_check(clip)), fraction)


def band_db(clip: Clip, lo_hz: float, hi_hz: float) -> float:
    """Level of the ``lo_hz``–``hi_hz`` band in dB re full scale (a full-scale sine in the band: 0 dB).

    The power of the band over the whole clip: a +6 dB gain moves it by exactly +6.0.
    """
    _check_band(lo_hz, hi_hz)
    return _level_db(float(_band_power(_spectrum(_check(clip)), lo_hz, hi_hz)[0]))


def eq_response_db(before: Clip, after: Clip, freqs_hz: np.ndarray | list[float]) -> np.ndarray:
    """Level change in dB from ``before`` to ``after`` at each of ``freqs_hz``, over a 1/3-octave band.

    Both clips must have the same sample rate and length (pad or cut one first, e.g. with
    ``Clip.padded``). Each value compares the power in the band ``f / 2**(1/6)`` .. ``f * 2**(1/6)``;
    a band silent in both reads 0.0. Returns a float64 array shaped like ``freqs_hz``.
    """
    _check(before, "before")
    _check(after, "after")
    if before.sample_rate != after.sample_rate:
        raise ToolInputError(f"before is {before.sample_rate} Hz but after is {after.sample_rate} Hz; "
                             "resample one (audio_io.resample) before comparing")
    if before.frames != after.frames:
        raise ToolInputError(f"before has {before.frames} frames but after has {after.frames}; expected "
                             "equal lengths: pad or cut one (Clip.padded) before comparing")
    f = np.asarray(freqs_hz, dtype=np.float64)
    if f.size == 0 or not np.isfinite(f).all() or (f <= 0).any():
        raise ToolInputError(f"freqs_hz must be a non-empty list of positive frequencies in Hz, got {f!r}")
    lo, hi = f.ravel() * 2 ** (-1 / 6), f.ravel() * 2 ** (1 / 6)
    p_before = _band_power(_spectrum(before), lo, hi) + _POWER_FLOOR
    p_after = _band_power(_spectrum(after), lo, hi) + _POWER_FLOOR
    return (10 * np.log10(p_after / p_before)).reshape(f.shape)


# ---- level and image ---------------------------------------------------------------------------
def loudness_lufs(clip: Clip) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, K-weighted and gated, via pyloudnorm).

    BS.1770 needs at least one 400 ms block: a shorter clip is tiled (repeated end to end) until it is
    long enough, which keeps its mean-square level, so it reads as that sound sustained. Mono counts as
    one front channel (a full-scale 1 kHz sine: -3.01 LUFS; the same sine in both stereo channels:
    0.0). Silence, or anything under the -70 LUFS absolute gate, reads ``FLOOR_LUFS``.
    """
    import pyloudnorm

    _check(clip)
    x = clip.samples.T.astype(np.float64)
    need = math.ceil(_LOUDNESS_BLOCK_S * clip.sample_rate) + 1
    if len(x) < need:
        x = np.tile(x, (math.ceil(need / len(x)), 1))
    if not np.any(x):
        return FLOOR_LUFS
    value = pyloudnorm.Meter(clip.sample_rate).integrated_loudness(x)
    return float(max(value, FLOOR_LUFS)) if math.isfinite(value) else FLOOR_LUFS


def crest_db(clip: Clip) -> float:
    """Peak over RMS in dB of the channel-average signal (a sine: 3.01 dB). Silence reads 0.0."""
    x = _check(clip).to_mono().astype(np.float64)
    rms = math.sqrt(float(np.mean(x * x)))
    if rms < 1e-9:
        return 0.0
    return float(20 * np.log10(np.abs(x).max() / rms))


def stereo_width(clip: Clip) -> float:
    """Side-to-mid energy ratio, mid = (L+R)/2, side = (L-R)/2.

    0 for mono or identical channels, 1.0 for one channel alone or for uncorrelated channels of equal
    level, large for out-of-phase channels (capped at ``WIDTH_CAP``). Silence reads 0.0.
    """
    if _check(clip).channels == 1:
        return 0.0
    left, right = clip.samples.astype(np.float64)
    mid = float(np.sum((left + right) ** 2))
    side = float(np.sum((left - right) ** 2))
    if side <= 0.0:
        return 0.0
    return WIDTH_CAP if mid * WIDTH_CAP <= side else side / mid


# ---- time-domain shape -------------------------------------------------------------------------
def _block_db(x: np.ndarray, block: int) -> np.ndarray:
    n = -(-len(x) // block) * block
    energy = np.pad(x * x, (0, n - len(x))).reshape(-1, block).mean(axis=1)
    return 10 * np.log10(energy + 1e-30)


def _tail_start(x: np.ndarray, sample_rate: int) -> int:
    """First sample of the final tail: the loudest point just after the last clear onset.

    An onset is a 10 ms block at most 30 dB under the clip's peak and at least 10 dB over the
    quietest block of the 200 ms before it (silence before the clip counts).
    """
    block = max(1, sample_rate // 100)
    level = _block_db(x, block)
    history = np.concatenate([np.full(20, -300.0), level])
    quietest = np.lib.stride_tricks.sliding_window_view(history[:-1], 20).min(axis=1)
    onsets = np.flatnonzero((level >= level.max() - 30) & (level - quietest >= 10))
    first = int(onsets[-1]) if len(onsets) else int(np.argmax(level))
    peak = first + int(np.argmax(level[first:first + 20]))
    return peak * block


def decay_s(clip: Clip) -> float:
    """Reverb time in seconds of the clip's final tail: RT60 estimated as T20.

    From the loudest point after the last clear onset (see ``_tail_start``), the Schroeder backward
    integral of the channel-average energy gives an energy decay curve; a straight line fitted where it
    falls from -5 to -25 dB is extrapolated to 60 dB. A dry click reads a few hundredths of a second,
    a hall several seconds. A clip cut off while still ringing reads shorter than the true tail;
    silence, or a tail too short to fit, reads 0.0.
    """
    x = _check(clip).to_mono().astype(np.float64)
    if not np.any(x):
        return 0.0
    start = _tail_start(x, clip.sample_rate)
    edc = np.cumsum((x[start:] ** 2)[::-1])[::-1]
    edc_db = 10 * np.log10(edc / edc[0] + 1e-300)
    i5 = int(np.argmax(edc_db <= -5.0))
    i25 = int(np.argmax(edc_db <= -25.0))
    if edc_db[-1] > -25.0 or i25 - i5 < 4:
        return 0.0
    step = max(1, (i25 - i5) // 2000)  # a couple of thousand points fit the line just as well
    idx = np.arange(i5, i25 + 1, step)
    slope_db_per_s = np.polyfit(idx / clip.sample_rate, edc_db[idx], 1)[0]
    return float(-60.0 / slope_db_per_s) if slope_db_per_s < 0 else 0.0


def _novelty(x: np.ndarray, n: int, hop: int) -> np.ndarray:
    """Log-magnitude spectral flux per frame: how much new energy appeared since the last frame."""
    # zeros before the clip make its first sound an onset; none after it, since cutting a sound off
    # smears energy over every bin and would read as one
    frames = _frames(x.astype(np.float32), n, hop, n, 0)
    mag = np.abs(np.fft.rfft(frames * _hann(n), axis=1))
    peak = float(mag.max())
    if peak <= 1e-9:
        return np.zeros(len(frames))
    logmag = np.log1p(1000.0 * mag / peak)  # level-independent, ~60 dB of range
    return np.maximum(np.diff(logmag, axis=0, prepend=0.0), 0.0).mean(axis=1)


def onset_times_s(clip: Clip) -> np.ndarray:
    """Onset times in seconds (spectral-flux peaks of the channel-average signal), ascending.

    A peak counts when it is the largest within ±50 ms, stands 10% of the clip's strongest flux above
    the local median (±0.25 s) and exceeds 1.5 times that median; onsets are at least 50 ms apart.
    """
    from scipy.ndimage import maximum_filter1d, median_filter

    sr = _check(clip).sample_rate
    n = _n_fft(sr, 0.023)
    hop = n // 2
    flux = _novelty(clip.to_mono(), n, hop)
    if not flux.any():
        return np.zeros(0)
    near = max(1, round(0.05 * sr / hop))
    local_median = median_filter(flux, size=2 * round(0.25 * sr / hop) + 1, mode="nearest")
    is_peak = (flux == maximum_filter1d(flux, 2 * near + 1, mode="nearest")) \
        & (flux >= local_median + 0.1 * flux.max()) & (flux > 1.5 * local_median)
    # frame t spans t*hop - n .. t*hop in the clip; a click peaks the flux near the frame centre
    times = (np.flatnonzero(is_peak) * hop - n / 2) / sr
    times = np.clip(times, 0.0, clip.duration_s)
    kept: list[float] = []
    for t in times:
        if not kept or t - kept[-1] >= 0.05:
            kept.append(float(t))
    return np.asarray(kept)


def onset_rate(clip: Clip) -> float:
    """Onsets per second over the clip (a 120 BPM click track: 2.0). Silence reads 0.0."""
    return len(onset_times_s(clip)) / clip.duration_s


def duration_s(clip: Clip) -> float:
    """Length of the clip in seconds."""
    return float(_check(clip).duration_s)

def peak_dbfs(clip: Clip) -> float:
    """True peak in dBFS: the largest absolute value of any channel, 4x oversampled (peaks between samples).

    A sine at a quarter of the sample rate with phase pi/4 has samples of +-0.707 (sample peak -3 dB)
    but a true peak of 1.0 (0 dBFS). Silence reads ``FLOOR_DB``.
    """
    from scipy.signal import resample_poly

    x = _check(clip).samples
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak <= 0.0:
        return FLOOR_DB
    n = x.shape[1]
    # A chunk's interpolated values are bounded by _INTERP_GAIN x the largest sample the filter sees, so
    # chunks too quiet to beat the peak found so far are skipped (exact, not an estimate); loudest first.
    edges = np.arange(0, n, _PEAK_CHUNK)
    loud = [float(np.abs(x[:, max(0, a - _PEAK_PAD):min(n, a + _PEAK_CHUNK + _PEAK_PAD)]).max()) for a in edges]
    for i in np.argsort(loud)[::-1]:
        if loud[i] * _INTERP_GAIN <= peak:
            break
        start = int(edges[i])
        # overlapping chunks let the interpolation filter see the neighbours of each chunk's edges
        lo, hi = max(0, start - _PEAK_PAD), min(n, start + _PEAK_CHUNK + _PEAK_PAD)
        up = resample_poly(x[:, lo:hi].astype(np.float64), TRUE_PEAK_OVERSAMPLE, 1, axis=1)
        a = (start - lo) * TRUE_PEAK_OVERSAMPLE
        b = up.shape[1] - (hi - min(n, start + _PEAK_CHUNK)) * TRUE_PEAK_OVERSAMPLE
        peak = max(peak, float(np.abs(up[:, a:b]).max()))
    return float(max(20 * np.log10(peak), FLOOR_DB))


def attack_db(clip: Clip) -> float:
    """Attack-to-tail ratio in dB: mean power -10..+25 ms around each onset over +40..+200 ms after it.

    Powers are summed over onsets; a tail window stops at the next onset, and an onset whose tail is
    shorter than 10 ms is skipped. Higher means harder, shorter hits ("punchier"): a slower-attack
    compressor or a transient shaper raises it, a fast compressor or a reverb lowers it. No onsets or
    silence reads 0.0.
    """
    x = _check(clip).to_mono().astype(np.float64)
    onsets = onset_times_s(clip)
    if len(onsets) == 0 or not np.any(x):
        return 0.0
    sr = clip.sample_rate
    cum = np.concatenate([[0.0], np.cumsum(x * x)])

    def mean_power(start_s: float, end_s: float) -> float | None:
        a, b = max(0, round(start_s * sr)), min(len(x), round(end_s * sr))
        return (cum[b] - cum[a]) / (b - a) if b - a >= sr // 100 else None

    attack = tail = 0.0
    for t, following in zip(onsets, np.append(onsets[1:], np.inf), strict=True):
        head = mean_power(t + ATTACK_WINDOW_S[0], t + ATTACK_WINDOW_S[1])
        rest = mean_power(t + TAIL_WINDOW_S[0], min(t + TAIL_WINDOW_S[1], following + ATTACK_WINDOW_S[0]))
        if head is not None and rest is not None:
            attack, tail = attack + head, tail + rest
    if attack <= 1e-20 or tail <= 1e-20:
        return 0.0
    return float(10 * np.log10(attack / tail))


def ambience_db(clip: Clip) -> float:
    """How loud the sound between notes is next to the notes, in dB (closer to 0: gaps filled).

    In each of three bands (150-600, 600-2400, 2400-9600 Hz) the 10th percentile of ~23 ms frame
    levels (hop 10 ms) minus their 90th percentile, averaged over the bands; frame levels are floored
    80 dB under the band's loudest frame. A reverb or echo raises it even on music that already has a
    tail, since it rings into the gaps between notes in every band (``decay_s`` reads only the final
    tail); a static EQ barely moves it; compression raises it too (it lifts the quiet parts). Silence
    reads 0.0.
    """
    x = _check(clip).to_mono().astype(np.float32)
    sr = clip.sample_rate
    n, hop = _n_fft(sr, 0.023), max(1, sr // 100)
    if len(x) < n or not np.any(x):
        return 0.0
    frames = _frames(x, n, hop, 0, 0)
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    bands = np.zeros((len(AMBIENCE_BANDS_HZ), len(frames)))
    for start in range(0, len(frames), 512):
        spec = np.fft.rfft(frames[start:start + 512] * _hann(n), axis=1)
        power = spec.real**2 + spec.imag**2
        for i, (lo, hi) in enumerate(AMBIENCE_BANDS_HZ):
            bands[i, start:start + 512] = power[:, (freqs >= lo) & (freqs < hi)].sum(axis=1)
    spreads = []
    for band in bands:
        if band.max() <= 0.0:
            continue
        level = 10 * np.log10(np.maximum(band, band.max() * 1e-8))
        spreads.append(float(np.percentile(level, 10) - np.percentile(level, 90)))
    return float(np.mean(spreads)) if spreads else 0.0


# ---- access by name ----------------------------------------------------------------------------
def _plain(spec_of: Callable[[], _Spectrum]) -> dict[str, Callable[[Clip], float]]:
    return {
        "centroid_hz": lambda c: _centroid(spec_of()),
        "rolloff_hz": lambda c: _rolloff(spec_of(), 0.85),
        "loudness_lufs": loudness_lufs, "crest_db": crest_db, "stereo_width": stereo_width,
        "decay_s": decay_s, "onset_rate": onset_rate, "duration_s": duration_s, "peak_dbfs": peak_dbfs,
        "attack_db": attack_db, "ambience_db": ambience_db,
    }


def _unknown(name: object) -> ToolInputError:
    valid = ", ".join((*MEASURE_NAMES, *PARAMETRIC_MEASURES))
    return ToolInputError(f"unknown measure {name!r}; valid measures: {valid} "
                          "(band edges in Hz, e.g. band_db:80-400)")


def long_term_spectrum(clip: Clip) -> _Spectrum:
    """The spectrum the spectral measures read (``band_db``, ``centroid_hz``, ``rolloff_hz``): compute it
    once to read several of them (``measure(..., spectrum=...)``)."""
    return _spectrum(_check(clip))


def measure(name: str, clip: Clip, spectrum: Callable[[], _Spectrum] | None = None) -> float:
    """The measure called ``name`` (one of ``MEASURE_NAMES`` or ``band_db:LO-HI``) of ``clip``.

    ``spectrum``: gives ``long_term_spectrum(clip)`` (from a cache, say); called only by spectral measures.
    """
    _check(clip)
    spec_of = spectrum if spectrum is not None else (lambda: _spectrum(clip))
    if not isinstance(name, str):
        raise _unknown(name)
    key = name.strip()
    if key.startswith("band_db"):
        match = _BAND_RE.match(key)
        if match is None:
            raise ToolInputError(f"measure {name!r} should look like 'band_db:LO-HI' with LO and HI in "
                                 "Hz, e.g. 'band_db:80-400'")
        lo, hi = float(match[1]), float(match[2])
        _check_band(lo, hi)
        return _level_db(float(_band_power(spec_of(), lo, hi)[0]))  # band_db, on the spectrum given
    if key not in MEASURE_NAMES:
        raise _unknown(name)
    return float(_plain(spec_of)[key](clip))


def measure_all(clip: Clip) -> dict[str, float]:
    """Every plain measure plus ``band_db`` over ``STANDARD_BANDS_HZ``, computing the spectrum once."""
    spec = _spectrum(_check(clip))
    out = {name: float(fn(clip)) for name, fn in _plain(lambda: spec).items()}
    for lo, hi in STANDARD_BANDS_HZ:
        out[f"band_db:{lo}-{hi}"] = _level_db(float(_band_power(spec, lo, hi)[0]))
    return out
