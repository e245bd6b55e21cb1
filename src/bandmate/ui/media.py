"""Audio for the browser and numbers for A/B, without Streamlit.

Players fetch audio by URL from the player component's own folder (``<home>/studio/www``), which the
Streamlit server already serves: each stored FLAC blob is hard-linked there once (no re-encoding, so a
new version costs the studio a link per stem, not seconds of encoding). The browser decodes the FLAC
and draws the waveform itself. Blobs keep float headroom as a power-of-two scale in their name
(``<key>.s<N>.flac`` = samples / 2**N); the player applies that gain back.

Conventions: levels in dB / LUFS, frequencies in Hz, times in seconds.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bandmate.core.clip import Clip

BLOB_NAME = re.compile(r"^(?P<key>[0-9a-f]{8,64})\.s(?P<scale>-?\d+)\.flac$")
COMPONENT_DIR = Path(__file__).parent / "components" / "player"


@dataclass(frozen=True)
class Track:
    name: str
    url: str
    gain_db: float = 0.0  # applied in the player (blob headroom + loudness matching)

    def to_json(self) -> dict:
        return {"name": self.name, "url": self.url, "gain_db": round(self.gain_db, 3)}


class Publisher:
    """Puts stored audio where the player component can fetch it."""

    def __init__(self, home: str | Path):
        self.www = Path(home) / "studio" / "www"
        (self.www / "audio").mkdir(parents=True, exist_ok=True)
        for f in COMPONENT_DIR.iterdir():  # the component's page, refreshed on every server start
            if f.is_file():
                shutil.copyfile(f, self.www / f.name)

    def track(self, store, key: str, name: str, gain_db: float = 0.0) -> Track:
        src = _blob_file(store, key)
        m = BLOB_NAME.match(src.name)
        scale = int(m.group("scale")) if m else 0
        dst = self.www / "audio" / src.name
        if not dst.exists():
            tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
            try:
                os.link(src, tmp)
            except OSError:  # another filesystem: copy once
                shutil.copyfile(src, tmp)
            tmp.replace(dst)
        return Track(name, f"audio/{src.name}", gain_db + 20 * np.log10(2.0) * scale)


def _blob_file(store, key: str) -> Path:
    d = Path(store.blobs.root) / key[:2]
    hits = sorted(d.glob(f"{key}.s*.flac")) if d.is_dir() else []
    if hits:
        return hits[0]
    store.clip(key)  # raises the store's own "missing blob" error
    raise FileNotFoundError(key)


def duration_s(store, key: str) -> float:
    """A stored clip's length from its file header (no decoding)."""
    import soundfile as sf

    return float(sf.info(str(_blob_file(store, key))).duration)


# ---- timeline -------------------------------------------------------------------------------------
def timeline(state, duration_s: float) -> dict:
    """Chords, beats, downbeats (bars) and sections for the lanes under the waveform."""
    sections = getattr(state, "sections", None) or (state.model_extra or {}).get("sections") or []
    secs = []
    for s in sections:
        if isinstance(s, dict) and {"start_s", "end_s"} <= set(s):
            secs.append([float(s["start_s"]), float(s["end_s"]), str(s.get("label", ""))])
    return {"duration_s": float(duration_s),
            "chords": [[c.start_s, c.end_s, pretty_chord(c.label)] for c in state.chords],
            "beats": [round(b, 4) for b in state.beats_s], "downbeats": [round(b, 4) for b in state.downbeats_s],
            "sections": secs, "tempo_bpm": state.tempo_bpm, "key": state.key}


def pretty_chord(label: str) -> str:
    """'A:min7' -> 'Am7', 'Bb:maj7' -> 'Bbmaj7', 'C:maj' -> 'C', 'N' -> '–'."""
    if label in ("N", "X", ""):
        return "–"
    root, _, quality = label.partition(":")
    quality, _, bass = quality.partition("/")
    short = {"maj": "", "min": "m", "min7": "m7", "maj7": "maj7", "7": "7", "dim": "dim", "aug": "aug",
             "sus4": "sus4", "sus2": "sus2", "min6": "m6", "maj6": "6", "hdim7": "m7b5", "dim7": "dim7"}
    return root + short.get(quality, quality) + (f"/{bass}" if bass else "")


# ---- A/B ------------------------------------------------------------------------------------------
def match_gains_db(a: Clip, b: Clip) -> tuple[float, float, float, float]:
    """(gain A, gain B, LUFS A, LUFS B): the louder one is turned down to the quieter one."""
    from bandmate.core.measures import loudness_lufs

    la, lb = loudness_lufs(a), loudness_lufs(b)
    return (*matching_gains_db(la, lb), la, lb)


def matching_gains_db(lufs_a: float, lufs_b: float) -> tuple[float, float]:
    """(gain A, gain B) in dB that bring both to the quieter one's loudness (never a boost)."""
    if not (np.isfinite(lufs_a) and np.isfinite(lufs_b)):
        return 0.0, 0.0
    target = min(lufs_a, lufs_b)
    return target - lufs_a, target - lufs_b


def band_spectrum_db(clip: Clip, bands_per_octave: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Long-term spectrum in fractional-octave bands from 30 Hz to 16 kHz: (centre_hz, level_db)."""
    x = clip.samples.mean(axis=0)
    n = 8192
    if x.size < n:
        x = np.pad(x, (0, n - x.size))
    hop = n // 2
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    power = (np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(n, 1.0 / clip.sample_rate)
    top = min(16000.0, clip.sample_rate / 2 * 0.95)
    edges = 30.0 * 2.0 ** (np.arange(0, np.log2(top / 30.0) * bands_per_octave + 1) / bands_per_octave)
    centres, levels = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (freqs >= lo) & (freqs < hi)
        if sel.any():
            centres.append(float(np.sqrt(lo * hi)))
            levels.append(10 * np.log10(power[sel].mean() + 1e-20))
    return np.array(centres), np.array(levels)


def level_numbers(clip: Clip) -> dict[str, float]:
    """Loudness (LUFS), peak (dBFS), RMS (dBFS) and crest (dB) of a clip."""
    from bandmate.core.measures import crest_db, loudness_lufs

    x = clip.samples
    peak = float(np.abs(x).max()) if x.size else 0.0
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0
    return {"loudness (LUFS)": loudness_lufs(clip), "peak (dBFS)": 20 * np.log10(peak + 1e-12),
            "RMS (dBFS)": 20 * np.log10(rms + 1e-12), "crest (dB)": crest_db(clip)}
