"""Pitch probes shared by the generator and stem-editing tests."""

from __future__ import annotations

import numpy as np


def downbeat_bass_pcs(bass: np.ndarray, sr: int, downbeats: list[float], beat_s: float) -> list[int | None]:
    """Pitch class the bass plays during the first beat of every bar (YIN at sr/4, median per bar)."""
    import librosa
    from scipy.signal import resample_poly

    y, rate = resample_poly(bass, 1, 4), sr // 4
    out: list[int | None] = []
    for d in downbeats:
        seg = y[int((d + 0.03) * rate):int((d + 0.85 * beat_s) * rate)]
        if seg.size < 2048 or np.abs(seg).max() < 1e-3:
            out.append(None)
            continue
        f0 = librosa.yin(seg, fmin=30, fmax=400, sr=rate, frame_length=2048, hop_length=256, center=False)
        out.append(int(round(12 * np.log2(np.median(f0) / 440) + 69)) % 12)
    return out
