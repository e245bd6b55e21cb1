"""Sections of a recording: novelty segmentation over bar-synchronous features, repeat labels, names.

Conventions: mono float32 ``y`` with an explicit ``sample_rate`` (keyword-only), resampled once with
soxr to 22 050 Hz; downbeats in seconds (from the beat tracker) define the bars; output times are
seconds. Labels are letters by first appearance ('A', 'B' …); a repeat that is close but clearly varied
gets a prime ("A'"). Names are proposals with a confidence in 0–1 (never above ``MAX_NAME_CONFIDENCE``:
a measured name is a guess, a written form is not).

Method:
1. Per bar: the chroma of each beat stacked (the chord sequence inside the bar, 12 × beats), the mean
   MFCC 1–13 (timbre) and the RMS level in dB; each block z-scored over the piece.
2. Two bar × bar self-similarity matrices (cosine; beat-chroma sequences with a 2-bar time-delay
   embedding; MFCC plus level), averaged; a Foote checkerboard kernel (``KERNEL_BARS`` each side, Gaussian taper) slid along
   the diagonal gives a novelty curve; its peaks at least ``MIN_BARS`` apart and above mean + 0.3 std of
   the curve are the boundaries (no closer than ``EDGE_BARS`` to either end). Phrases run in 4 bars:
   the bars of the 4-bar phase that collects the most novelty get their novelty raised by ``PHRASE_BONUS``.
3. Segments are compared bar by bar along their diagonals (chroma and timbre); similarity over
   ``SAME`` gives the same letter, over ``VARIED`` the letter with a prime, else a new letter.
4. Names: the repeated letter with the highest level is the chorus, the other repeated letter before
   it the verse; a first segment that never returns is the intro, a last one the outro, one in between
   the bridge. Confidence grows with the number of repeats and the level contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SR = 22_050
HOP = 512
KERNEL_BARS = 4
MIN_BARS = 4
PHRASE_BONUS = 0.5
EDGE_BARS = 2  # a boundary may sit this close to the start or end (a short intro, a tag)
MIN_DURATION_S = 20.0  # below this (or under 12 bars) the piece is one section
SAME, VARIED = 0.75, 0.55
MAX_NAME_CONFIDENCE = 0.8


@dataclass
class Segment:
    start_s: float
    end_s: float
    label: str
    name: str | None
    confidence: float


def segment_sections(*, y: np.ndarray, sample_rate: int, downbeats_s: list[float], beats_s: list[float],
                     beats_per_bar: int | None) -> list[Segment]:
    """Sections of mono audio ``y``; [] when the piece is too short or has too few bars to segment."""
    import soxr

    duration = len(y) / sample_rate
    bars = _bar_edges(downbeats_s, duration)
    if duration < MIN_DURATION_S or len(bars) < 13:
        return []
    y = np.asarray(y, np.float32)
    if sample_rate != SR:
        y = soxr.resample(y, sample_rate, SR).astype(np.float32)
    chroma, timbre = bar_features(y, bars, beats_s, beats_per_bar or 4)
    sim = 0.5 * (_cosine_ssm(_embed(chroma)) + _cosine_ssm(timbre))
    cuts = _boundaries(sim)
    edges = [0, *cuts, len(bars) - 1]
    labels = _labels(edges, chroma, timbre)
    level = timbre[:, -1]
    segs = [Segment(round(float(bars[a]), 3), round(float(bars[b]), 3), lab, None, 0.0)
            for a, b, lab in zip(edges[:-1], edges[1:], labels, strict=False)]
    segs[0].start_s, segs[-1].end_s = 0.0, round(duration, 3)
    _name(segs, [float(level[a:b].mean()) for a, b in zip(edges[:-1], edges[1:], strict=False)])
    return segs


def _bar_edges(downbeats_s: list[float], duration_s: float) -> np.ndarray:
    """Bar start times plus the end of the last bar (bars before the first downbeat are not counted)."""
    db = np.asarray([d for d in downbeats_s if d < duration_s], float)
    if db.size < 2:
        return db
    period = float(np.median(np.diff(db)))
    end = min(duration_s, db[-1] + period)
    return np.append(db, end) if end - db[-1] > 0.5 * period else db


def bar_features(y: np.ndarray, bars: np.ndarray, beats_s: list[float], bpb: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_bars, 12·bpb) beat-chroma sequences and (n_bars, 14) MFCC + level, z-scored per column."""
    import librosa

    chroma = librosa.feature.chroma_stft(y=y, sr=SR, hop_length=HOP, n_fft=4096)
    mfcc = librosa.feature.mfcc(y=y, sr=SR, hop_length=HOP, n_mfcc=14)[1:]
    rms = librosa.feature.rms(y=y, hop_length=HOP)[0]
    times = librosa.frames_to_time(np.arange(chroma.shape[1]), sr=SR, hop_length=HOP)
    n = len(bars) - 1
    seq = np.zeros((n, 12 * bpb))
    tim = np.zeros((n, 14))
    for i in range(n):
        a, b = bars[i], bars[i + 1]
        edges = np.linspace(a, b, bpb + 1)
        for k in range(bpb):
            sel = (times >= edges[k]) & (times < edges[k + 1])
            if sel.any():
                col = chroma[:, sel].mean(axis=1)
                seq[i, 12 * k: 12 * k + 12] = col / (np.linalg.norm(col) + 1e-9)
        sel = (times >= a) & (times < b)
        if sel.any():
            tim[i, :13] = mfcc[:, sel].mean(axis=1)
            tim[i, 13] = 20 * np.log10(float(np.sqrt(np.mean(rms[sel] ** 2))) + 1e-6)
    return _zscore(seq), _zscore(tim)


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)


def _embed(x: np.ndarray) -> np.ndarray:
    """Each bar with the next one appended: harmony is compared as two-bar phrases."""
    return np.hstack([x, np.vstack([x[1:], x[-1:]])])


def _cosine_ssm(x: np.ndarray) -> np.ndarray:
    unit = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
    return unit @ unit.T


def novelty(sim: np.ndarray, half: int = KERNEL_BARS) -> np.ndarray:
    """Foote novelty: a Gaussian-tapered checkerboard kernel correlated along the diagonal."""
    idx = np.arange(-half, half) + 0.5
    taper = np.exp(-0.5 * (idx / (0.5 * half)) ** 2)
    kernel = np.outer(np.sign(idx), np.sign(idx)) * np.outer(taper, taper)
    n = sim.shape[0]
    padded = np.pad(sim, half, mode="edge")
    out = np.zeros(n)
    for i in range(n):
        out[i] = float(np.sum(padded[i: i + 2 * half, i: i + 2 * half] * kernel))
    return np.maximum(out, 0.0)


def _boundaries(sim: np.ndarray) -> list[int]:
    """Bar indices where a new section starts (the first bar excluded)."""
    nov = novelty(sim)
    phase = int(np.argmax([nov[p::4].sum() for p in range(4)]))
    nov[phase::4] *= 1.0 + PHRASE_BONUS
    thresh = nov.mean() + 0.3 * nov.std()
    order = np.argsort(nov)[::-1]
    chosen: list[int] = []
    n = len(nov)
    for i in order:
        if nov[i] < thresh or i < EDGE_BARS or n - i < EDGE_BARS:
            continue
        if all(abs(i - j) >= MIN_BARS for j in chosen):
            chosen.append(int(i))
    return sorted(chosen)


def _pair_similarity(a: tuple[int, int], b: tuple[int, int], chroma: np.ndarray, timbre: np.ndarray) -> float:
    """Mean cosine similarity of the two segments' bars taken in step (the shorter length)."""
    n = min(a[1] - a[0], b[1] - b[0])
    if n <= 0:
        return 0.0
    vals = []
    for feats in (chroma, timbre):
        x, y = feats[a[0]: a[0] + n], feats[b[0]: b[0] + n]
        x = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
        y = y / (np.linalg.norm(y, axis=1, keepdims=True) + 1e-9)
        vals.append(float(np.mean(np.sum(x * y, axis=1))))
    length_ratio = n / max(a[1] - a[0], b[1] - b[0])
    return float(np.mean(vals)) * (0.8 + 0.2 * length_ratio)


def _labels(edges: list[int], chroma: np.ndarray, timbre: np.ndarray) -> list[str]:
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    labels: list[str] = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for i, span in enumerate(spans):
        best, best_sim = None, -1.0
        for j in range(i):
            s = _pair_similarity(spans[j], span, chroma, timbre)
            if s > best_sim:
                best, best_sim = j, s
        if best is not None and best_sim >= SAME:
            labels.append(labels[best])
        elif best is not None and best_sim >= VARIED:
            labels.append(labels[best].rstrip("'") + "'")
        else:
            labels.append(next(letters, "Z"))
    return labels


def _name(segs: list[Segment], levels: list[float]) -> None:
    """Propose intro / verse / chorus / bridge / outro, with a confidence, in place."""
    base = [s.label.rstrip("'") for s in segs]
    counts = {b: base.count(b) for b in base}
    repeated = [b for b in dict.fromkeys(base) if counts[b] >= 2]
    level_of = {b: float(np.mean([lv for lv, x in zip(levels, base, strict=False) if x == b])) for b in counts}
    spread = float(np.ptp(levels)) + 1e-6
    chorus = max(repeated, key=lambda b: level_of[b]) if repeated else None
    first_chorus = base.index(chorus) if chorus else len(segs)
    verse = next((b for b in repeated if b != chorus and base.index(b) < first_chorus), None) or \
        next((b for b in repeated if b != chorus), None)
    for i, (seg, b) in enumerate(zip(segs, base, strict=False)):
        contrast = (level_of[b] - min(level_of.values())) / spread
        if b == chorus:
            seg.name, conf = "chorus", 0.35 + 0.1 * counts[b] + 0.25 * contrast
        elif b == verse:
            seg.name, conf = "verse", 0.3 + 0.1 * counts[b] + 0.2 * (1 - contrast)
        elif counts[b] == 1 and i == 0:
            seg.name, conf = "intro", 0.45 + 0.25 * (1 - contrast)
        elif counts[b] == 1 and i == len(segs) - 1:
            seg.name, conf = "outro", 0.45 + 0.25 * (1 - contrast)
        elif counts[b] == 1 and 0 < i < len(segs) - 1 and i > first_chorus:
            seg.name, conf = "bridge", 0.35
        else:
            seg.name, conf = None, 0.2
        seg.confidence = round(float(min(MAX_NAME_CONFIDENCE, conf)), 2)
