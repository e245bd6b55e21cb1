"""Filling a time range or extending a recording when there is no score: similarity fill and MusicGen prefix.

Conventions
- Audio is a ``Clip``; times are seconds from the start; ``beats_s`` are ascending beat times of that
  clip (from the state table, a tempo grid, or ``beat_grid``). Keyword-only after the clip.
- Similarity fill replaces a range with material from elsewhere in the same piece, shifted by a
  whole number of beats (whole bars when possible) so the beat grid runs on unbroken. The shift is
  chosen by comparing beat-synchronous features (chroma, MFCC, onset strength) of the beats just
  before and just after the hole with those around each candidate source, then refined by a few
  milliseconds of waveform cross-correlation so the material also lines up sample by sample.
- MusicGen fill is the prefix approach (AIR, IJCAI 2024): continue from the audio before the range,
  then crossfade into the audio after it. MusicGen continuation extends the audio the same way.
- Joins: inside a filled range the old audio crossfades into the new at the start and the new back
  into the old at the end (equal-power sine/cosine); every sample outside the range is bit-identical.
  When extending, the original is untouched and the new audio starts with a short decaying offset so
  the waveform has no step at the join.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolFailed, ToolInputError

FEATURE_SR = 22_050
FEATURE_HOP = 512
REFINE_MS = 25.0  # waveform alignment search around the beat-grid shift
REFINE_WINDOW_S = 0.25
JOIN_FADE_MS = 5.0  # decaying offset at the start of extended audio
MIN_BEATS = 4
BEAT_CAP = 2.0  # per-beat squared feature distance cap (two unit chroma vectors differ by at most 4)


# ---- beats --------------------------------------------------------------------------------------------
def beat_grid(clip: Clip, *, beats_s: list[float] | np.ndarray | None = None, tempo_bpm: float | None = None,
              offset_s: float = 0.0) -> np.ndarray:
    """Beat times covering the whole clip: given beats, else a tempo grid, else beats tracked with librosa."""
    if beats_s is not None and len(beats_s) >= MIN_BEATS:
        beats = np.asarray(beats_s, dtype=float)
    elif tempo_bpm:
        beats = offset_s + np.arange(0, clip.duration_s + 60 / tempo_bpm, 60 / tempo_bpm)
    else:
        beats = track_beats(clip)
    return _cover(np.sort(beats), clip.duration_s)


def track_beats(clip: Clip) -> np.ndarray:
    """Beat times (s) from librosa's beat tracker; ToolFailed when no steady beat is found."""
    import librosa

    y = _mono_at(clip, FEATURE_SR)
    _, beats = librosa.beat.beat_track(y=y, sr=FEATURE_SR, hop_length=FEATURE_HOP, units="time", trim=True)
    beats = _steady_edges(np.asarray(beats, dtype=float))
    if len(beats) < MIN_BEATS or np.median(np.diff(beats)) <= 0:
        raise ToolFailed(f"found no steady beat in {clip.duration_s:.1f}s of audio ({len(beats)} beats), so "
                         "material cannot be aligned to a beat grid; set the tempo (analyze) or use the "
                         "musicgen backend")
    return beats


def _steady_edges(beats: np.ndarray, tolerance: float = 0.08) -> np.ndarray:
    """Drop tracked beats at either end whose spacing strays from the median (trackers bunch them there)."""
    if len(beats) < MIN_BEATS + 2:
        return beats
    ibi = float(np.median(np.diff(beats)))
    while len(beats) > MIN_BEATS and abs(beats[-1] - beats[-2] - ibi) > tolerance * ibi:
        beats = beats[:-1]
    while len(beats) > MIN_BEATS and abs(beats[1] - beats[0] - ibi) > tolerance * ibi:
        beats = beats[1:]
    return beats


def _cover(beats: np.ndarray, duration_s: float) -> np.ndarray:
    """Extend a beat list at its median spacing so it spans 0 .. duration_s + one beat."""
    if len(beats) < 2:
        raise ToolInputError(f"need at least {MIN_BEATS} beats to align material, got {len(beats)}")
    ibi = float(np.median(np.diff(beats)))
    if not ibi > 0:
        raise ToolInputError("beat times must increase")
    before = beats[0] - ibi * np.arange(int(np.ceil(beats[0] / ibi)), 0, -1)
    after = beats[-1] + ibi * np.arange(1, int(np.ceil((duration_s - beats[-1]) / ibi)) + 2)
    return np.concatenate([before, beats, after])


# ---- beat-synchronous features ---------------------------------------------------------------------------
def beat_features(clip: Clip, beats_s: np.ndarray) -> np.ndarray:
    """One row per beat interval ``[beats[i], beats[i+1])``: unit chroma, z-scored MFCC and onset strength."""
    import librosa

    y = _mono_at(clip, FEATURE_SR)
    chroma = librosa.feature.chroma_stft(y=y, sr=FEATURE_SR, hop_length=FEATURE_HOP)
    mfcc = librosa.feature.mfcc(y=y, sr=FEATURE_SR, hop_length=FEATURE_HOP, n_mfcc=13)
    onset = librosa.onset.onset_strength(y=y, sr=FEATURE_SR, hop_length=FEATURE_HOP)[None]
    n = min(chroma.shape[1], mfcc.shape[1], onset.shape[1])
    frames = np.clip(np.round(beats_s * FEATURE_SR / FEATURE_HOP).astype(int), 0, n)
    rows = []
    for feat, scale in ((chroma[:, :n], "unit"), (mfcc[:, :n], "z"), (onset[:, :n], "z")):
        per_beat = _segment_means(feat, frames)
        if scale == "unit":
            per_beat /= np.linalg.norm(per_beat, axis=1, keepdims=True) + 1e-9
        else:
            per_beat = (per_beat - per_beat.mean(0)) / (per_beat.std(0) + 1e-9) / np.sqrt(per_beat.shape[1])
        rows.append(per_beat)
    out = np.concatenate(rows, axis=1)
    out[(beats_s[:-1] < 0) | (beats_s[1:] > clip.duration_s + 1e-3)] = np.nan  # beats outside the audio
    return out


def _segment_means(feat: np.ndarray, frames: np.ndarray) -> np.ndarray:
    csum = np.concatenate([np.zeros((feat.shape[0], 1)), np.cumsum(feat, axis=1)], axis=1)
    a, b = frames[:-1], np.maximum(frames[1:], frames[:-1] + 1)
    b = np.minimum(b, feat.shape[1])
    a = np.minimum(a, b - 1).clip(0)
    return ((csum[:, b] - csum[:, a]) / np.maximum(b - a, 1)).T


# ---- choosing the source --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FillPlan:
    """Where the fill comes from: the range shifted by ``shift_s`` (a whole number of beats, refined)."""

    shift_s: float
    shift_beats: int
    score: float  # mean squared feature distance of the contexts (lower is closer)


def plan_fill(clip: Clip, start_s: float, end_s: float, *, beats_s: np.ndarray, beats_per_bar: int = 4,
              context_beats: int = 4, features: np.ndarray | None = None) -> FillPlan:
    """The whole-beat shift whose surroundings best match the beats before and after ``start_s..end_s``."""
    _check_range(clip, start_s, end_s)
    beats = _cover(np.asarray(beats_s, float), clip.duration_s)
    feats = beat_features(clip, beats) if features is None else features
    idx = np.arange(len(beats), dtype=float)
    b0, b1 = np.interp(start_s, beats, idx), np.interp(end_s, beats, idx)
    pre = np.arange(int(np.floor(b0)) - context_beats, int(np.floor(b0)))
    post = np.arange(int(np.ceil(b1)), int(np.ceil(b1)) + context_beats)
    candidates = []
    for m in range(-int(np.floor(b0)), len(beats) - int(np.ceil(b1))):
        src0 = np.interp(b0 + m, idx, beats)
        src1 = src0 + (end_s - start_s)  # the block is copied whole, at the original speed
        if m == 0 or src0 < 0 or src1 > clip.duration_s or (src0 < end_s and src1 > start_s):
            continue
        score = _context_distance(feats, pre, post, m)
        if np.isfinite(score):
            candidates.append((m % beats_per_bar != 0, score, abs(m), m, src0 - start_s))
    if not candidates:
        raise ToolInputError(f"no material of {end_s - start_s:.2f}s on the beat grid outside {start_s:.2f}–"
                             f"{end_s:.2f}s in a {clip.duration_s:.2f}s clip; choose a shorter range")
    off_bar, score, _, m, shift = min(candidates)  # whole bars first, then the closest contexts
    shift = _refine_shift(clip, start_s, end_s, shift)
    return FillPlan(shift_s=shift, shift_beats=m, score=float(score))


def _context_distance(feats: np.ndarray, pre: np.ndarray, post: np.ndarray, m: int) -> float:
    """Weighted mean per-beat distance; beats next to the hole weigh most, and one odd beat (a fill, the
    first beat of the file) counts as different without swamping the rest (capped at BEAT_CAP)."""
    total, weight = 0.0, 0.0
    for ctx, w in ((pre, np.arange(1, len(pre) + 1)), (post, np.arange(len(post), 0, -1))):
        ok = (ctx >= 0) & (ctx < len(feats)) & (ctx + m >= 0) & (ctx + m < len(feats))
        if not ok.any():
            continue
        d = np.minimum(((feats[ctx[ok]] - feats[ctx[ok] + m]) ** 2).sum(1), BEAT_CAP)
        good = np.isfinite(d)
        total += float((d[good] * w[ok][good]).sum())
        weight += float(w[ok][good].sum())
    return total / weight if weight else float("inf")


def _refine_shift(clip: Clip, start_s: float, end_s: float, shift_s: float) -> float:
    """Nudge the shift by up to REFINE_MS so the waveforms around both joins line up best."""
    x, sr = clip.to_mono(), clip.sample_rate
    lag_max, win = int(REFINE_MS * sr / 1000), int(REFINE_WINDOW_S * sr)
    base = int(round(shift_s * sr))
    score = np.zeros(2 * lag_max + 1)
    for centre in (clip.frame_at(start_s), clip.frame_at(end_s)):
        ref = x[max(0, centre - win): centre + win]
        lo = max(0, centre - win) + base - lag_max
        hi = lo + len(ref) + 2 * lag_max
        if len(ref) < 16 or lo < 0 or hi > len(x):
            continue
        seg = x[lo:hi]
        corr = np.correlate(seg, ref, mode="valid")
        energy = np.sqrt(np.convolve(seg**2, np.ones(len(ref)), mode="valid")) * np.sqrt((ref**2).sum())
        score += corr / (energy + 1e-9)
    if not score.any():
        return base / sr
    lags = np.arange(-lag_max, lag_max + 1)
    best = int(np.argmax(score - 1e-6 * np.abs(lags)))  # ties go to the grid's own shift
    return (base + lags[best]) / sr


# ---- splicing ---------------------------------------------------------------------------------------------
def splice(clip: Clip, new: np.ndarray, start_s: float, end_s: float, *, fade_in_ms: float,
           fade_out_ms: float, label: str) -> Clip:
    """Put ``new`` (channels, range frames) into ``start_s..end_s`` with equal-power crossfades inside the range."""
    a, b = clip.frame_at(start_s), min(clip.frame_at(end_s), clip.frames)
    n = b - a
    new = _fit(new, clip.channels, n)
    fi = min(int(fade_in_ms * clip.sample_rate / 1000), n // 2) if a > 0 else 0
    fo = min(int(fade_out_ms * clip.sample_rate / 1000), n - fi) if b < clip.frames else 0
    w = np.ones(n)
    if fi:
        w[:fi] = np.sin(np.arange(fi) / fi * np.pi / 2)  # exactly old at the first sample
    if fo:
        w[n - fo:] = np.cos(np.arange(1, fo + 1) / fo * np.pi / 2)  # exactly old at the last sample
    old = clip.samples[:, a:b]
    out = clip.samples.copy()
    out[:, a:b] = old * np.sqrt(1 - w**2) + new * w
    return clip.replace(out, f"{label} {start_s:.2f}-{end_s:.2f}s")


def append(clip: Clip, new: np.ndarray, *, previous: np.ndarray | None = None, label: str) -> Clip:
    """``clip`` followed by ``new``; the start of ``new`` is offset so the waveform continues without a step.

    ``previous`` is the sample that preceded ``new`` where it came from (per channel); by default it is
    extrapolated from the first two samples of ``new``.
    """
    new = _fit(new, clip.channels, new.shape[1]).astype(np.float64)
    if previous is None:
        previous = 2 * new[:, 0] - new[:, 1] if new.shape[1] > 1 else new[:, 0]
    fade = min(new.shape[1], max(1, int(JOIN_FADE_MS * clip.sample_rate / 1000)))
    decay = 0.5 + 0.5 * np.cos(np.arange(fade) / fade * np.pi)
    new[:, :fade] += (clip.samples[:, -1] - previous)[:, None] * decay
    out = np.concatenate([clip.samples, new.astype(np.float32)], axis=1)
    return clip.replace(out, f"{label} +{new.shape[1] / clip.sample_rate:.2f}s")


# ---- the verbs ----------------------------------------------------------------------------------------------
def similarity_fill(clip: Clip, start_s: float, end_s: float, *, beats_s: np.ndarray, beats_per_bar: int = 4,
                    context_beats: int = 4, crossfade_ms: float = 30.0, plan: FillPlan | None = None) -> Clip:
    """Replace ``start_s..end_s`` with the best-matching beat-aligned material from elsewhere in ``clip``.

    Pass ``plan`` (from ``plan_fill`` on the mix) to give several stems the same source.
    """
    plan = plan or plan_fill(clip, start_s, end_s, beats_s=beats_s, beats_per_bar=beats_per_bar,
                             context_beats=context_beats)
    a, b = clip.frame_at(start_s), min(clip.frame_at(end_s), clip.frames)
    d = int(np.clip(round(plan.shift_s * clip.sample_rate), -a, clip.frames - b))  # keep the source inside
    src = clip.samples[:, a + d: b + d]
    return splice(clip, src, start_s, end_s, fade_in_ms=crossfade_ms, fade_out_ms=crossfade_ms,
                  label=f"similarity fill from {plan.shift_beats:+d} beats")


def plan_continue(clip: Clip, *, beats_s: np.ndarray, beats_per_bar: int = 4, context_beats: int = 8) -> FillPlan:
    """The backwards whole-bar shift whose preceding beats best match the last beats of ``clip``."""
    beats = _cover(np.asarray(beats_s, float), clip.duration_s)
    feats = beat_features(clip, beats)
    idx = np.arange(len(beats), dtype=float)
    end_b = np.interp(clip.duration_s, beats, idx)
    pre = np.arange(int(np.floor(end_b)) - context_beats, int(np.floor(end_b)))
    candidates = []
    for m in range(-beats_per_bar, -len(beats), -beats_per_bar):
        src = np.interp(end_b + m, idx, beats)
        if src <= 0.05 * clip.duration_s:
            break
        score = _context_distance(feats, pre, pre[:0], m)
        if np.isfinite(score):
            candidates.append((score, -m, m, src - clip.duration_s))
    if not candidates:
        raise ToolInputError(f"a {clip.duration_s:.2f}s clip is too short to continue from its own material "
                             f"(needs at least two bars of {beats_per_bar} beats)")
    score, _, m, shift = min(candidates)
    shift = _refine_shift(clip, clip.duration_s, clip.duration_s, shift)
    return FillPlan(shift_s=shift, shift_beats=m, score=float(score))


def similarity_continue(clip: Clip, duration_s: float, *, beats_s: np.ndarray, beats_per_bar: int = 4,
                        plan: FillPlan | None = None) -> Clip:
    """``clip`` extended by ``duration_s`` of its own bars, repeating from the best-matching earlier point."""
    if not 0 < duration_s <= 600:
        raise ToolInputError(f"duration_s {duration_s} is outside (0, 600] s")
    plan = plan or plan_continue(clip, beats_s=beats_s, beats_per_bar=beats_per_bar)
    d = int(round(plan.shift_s * clip.sample_rate))  # negative: the source lies |d| frames back
    n, e = int(round(duration_s * clip.sample_rate)), clip.frames
    y = np.concatenate([clip.samples, np.zeros((clip.channels, n), np.float32)], axis=1)
    pos = e
    while pos < e + n:  # copy in blocks no longer than the shift, so long extensions loop the material
        k = min(-d, e + n - pos)
        y[:, pos: pos + k] = y[:, pos + d: pos + d + k]
        pos += k
    return append(clip, y[:, e:], previous=clip.samples[:, e + d - 1],
                  label=f"similarity continue from {plan.shift_beats:+d} beats")


def musicgen_continue(model: Any, clip: Clip, duration_s: float, *, prompt: str = "", seed: int = 0,
                      prefix_s: float = 10.0, on_chunk: Any = None) -> Clip:
    """``clip`` extended by ``duration_s`` of MusicGen continuation from its last ``prefix_s`` seconds."""
    prefix = clip.slice_s(max(0.0, clip.duration_s - prefix_s))
    new = model.continue_audio(prefix, prompt, duration_s, seed=seed, on_chunk=on_chunk)
    return append(clip, _to_rate(new, clip.sample_rate, round(duration_s * clip.sample_rate)),
                  label=f"musicgen continue seed {seed}")


def musicgen_inpaint(model: Any, clip: Clip, start_s: float, end_s: float, *, prompt: str = "", seed: int = 0,
                     prefix_s: float = 10.0, crossfade_in_ms: float = 30.0, crossfade_out_ms: float = 250.0) -> Clip:
    """Regenerate ``start_s..end_s``: MusicGen continues the audio before it, then crossfades into the audio after."""
    _check_range(clip, start_s, end_s)
    a, b = clip.frame_at(start_s), min(clip.frame_at(end_s), clip.frames)
    dur = (b - a) / clip.sample_rate
    if start_s >= 0.1:
        prefix = clip.slice_s(max(0.0, start_s - prefix_s), start_s)
        new = model.continue_audio(prefix, prompt, dur, seed=seed)
    else:  # nothing before the range to continue from
        new = model.generate(prompt, dur, seed=seed)
    return splice(clip, _to_rate(new, clip.sample_rate, b - a), start_s, end_s, fade_in_ms=crossfade_in_ms,
                  fade_out_ms=crossfade_out_ms, label=f"musicgen inpaint seed {seed}")


# ---- helpers ------------------------------------------------------------------------------------------------
def _to_rate(new: Clip, sample_rate: int, frames: int) -> np.ndarray:
    from bandmate.core.audio_io import resample

    return resample(new, sample_rate).padded(frames)


def _fit(x: np.ndarray, channels: int, frames: int) -> np.ndarray:
    if x.shape[0] != channels:
        x = np.repeat(x.mean(0, keepdims=True), channels, axis=0)
    if x.shape[1] < frames:
        x = np.pad(x, ((0, 0), (0, frames - x.shape[1])))
    return x[:, :frames]


def _mono_at(clip: Clip, sample_rate: int) -> np.ndarray:
    from bandmate.core.audio_io import resample

    return resample(clip.with_channels(1), sample_rate).samples[0]


def _check_range(clip: Clip, start_s: float, end_s: float) -> None:
    if not 0 <= start_s < end_s <= clip.duration_s + 1e-6:
        raise ToolInputError(f"range {start_s:.3f}–{end_s:.3f}s is not inside the {clip.duration_s:.3f}s clip; "
                             "expected 0 <= start_s < end_s <= duration")
