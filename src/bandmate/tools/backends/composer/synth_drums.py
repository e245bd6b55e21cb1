"""Built-in drum sounds for the General-MIDI percussion map: swept sines for kick and toms, filtered
noise for snares, hats and cymbals. Noise is drawn from a generator seeded by the hit's pitch,
velocity and index, so a part renders identically every time while no two hits are the same copy.
"""

from __future__ import annotations

import numpy as np

from bandmate.tools.backends.composer.arrangement import Note

# GM pitch -> sound family
FAMILY = {35: "kick", 36: "kick", 37: "stick", 38: "snare", 40: "snare", 39: "clap", 42: "hat", 44: "pedal",
          46: "open_hat", 49: "crash", 57: "crash", 52: "crash", 55: "crash", 51: "ride", 59: "ride", 53: "bell",
          41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom", 54: "shaker", 69: "shaker",
          70: "shaker", 56: "cowbell", 75: "stick", 76: "stick", 77: "stick"}


def _noise(n: int, seed: list[int]) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n)


def _filtered(x: np.ndarray, sample_rate: int, low_hz: float | None, high_hz: float | None,
              designs: dict) -> np.ndarray:
    """Butterworth band/high/low-pass; ``designs`` keeps the coefficients for the rest of the render."""
    from scipy.signal import butter, sosfilt

    key = (sample_rate, low_hz, high_hz)
    if key not in designs:
        nyq = sample_rate / 2
        if low_hz and high_hz:
            designs[key] = butter(2, [low_hz / nyq, min(high_hz / nyq, 0.99)], btype="band", output="sos")
        elif low_hz:
            designs[key] = butter(2, low_hz / nyq, btype="high", output="sos")
        else:
            designs[key] = butter(2, min(high_hz / nyq, 0.99), btype="low", output="sos")
    return sosfilt(designs[key], x)


def _tom_hz(pitch: int) -> float:
    return {41: 75.0, 43: 90.0, 45: 110.0, 47: 130.0, 48: 155.0, 50: 185.0}.get(pitch, 120.0)


def render_drum_hit(note: Note, sample_rate: int, index: int, designs: dict | None = None) -> tuple[int, np.ndarray]:
    """(start frame, stereo samples) of one hit; its length is the sound's own decay, not the note's."""
    designs = {} if designs is None else designs
    fam = FAMILY.get(note.pitch, "stick")
    sr = sample_rate
    seed = [note.pitch, note.velocity, index]
    dur = {"kick": 0.5, "snare": 0.3, "clap": 0.35, "stick": 0.08, "hat": 0.09, "pedal": 0.07,
           "open_hat": 0.45, "crash": 1.8, "ride": 0.9, "bell": 0.8, "tom": 0.55, "shaker": 0.09,
           "cowbell": 0.3}[fam]
    n = int(dur * sr)
    t = np.arange(n) / sr
    if fam == "kick":
        f = 48 + 120 * np.exp(-t / 0.025)
        x = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / 0.22)
        x += 0.3 * _filtered(_noise(n, seed), sr, 1500, None, designs) * np.exp(-t / 0.004)
        pan = 0.0
    elif fam == "tom":
        f0 = _tom_hz(note.pitch)
        f = f0 * (1 + 0.4 * np.exp(-t / 0.04))
        x = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / 0.18)
        pan = (note.pitch - 45) / 20
    elif fam in ("snare", "clap", "stick"):
        body = np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.05)
        noise = _filtered(_noise(n, seed), sr, 1200, 9000, designs)
        if fam == "clap":
            bursts = sum(np.exp(-np.clip(t - d, 0, None) / 0.008) * (t >= d) for d in (0.0, 0.011, 0.023))
            x = noise * (0.6 * bursts + 0.5 * np.exp(-t / 0.09) * (t >= 0.023))
        elif fam == "stick":
            x = 0.6 * np.sin(2 * np.pi * 1700 * t) * np.exp(-t / 0.012) + 0.3 * noise * np.exp(-t / 0.01)
        else:
            x = 0.55 * body + 0.8 * noise * np.exp(-t / 0.09)
        pan = -0.1
    elif fam in ("hat", "pedal", "open_hat", "shaker"):
        decay = {"hat": 0.025, "pedal": 0.018, "open_hat": 0.16, "shaker": 0.03}[fam]
        low = 7000 if fam != "shaker" else 5000
        x = 0.7 * _filtered(_noise(n, seed), sr, low, None, designs) * np.exp(-t / decay)
        pan = 0.3
    elif fam in ("crash", "ride", "bell"):
        noise = _filtered(_noise(n, seed), sr, 4000 if fam == "crash" else 6000, None, designs)
        x = (0.6 if fam == "crash" else 0.3) * noise * np.exp(-t / (0.6 if fam == "crash" else 0.3))
        if fam in ("ride", "bell"):
            x += (0.25 if fam == "ride" else 0.6) * sum(np.sin(2 * np.pi * f * t) for f in (2900, 4150, 5430)) \
                * np.exp(-t / 0.35) / 3
        pan = -0.35 if fam == "crash" else 0.35
    else:  # cowbell
        x = 0.5 * (np.sin(2 * np.pi * 560 * t) + np.sin(2 * np.pi * 845 * t)) * np.exp(-t / 0.08)
        pan = 0.2
    x = x * (note.velocity / 127.0) ** 1.5
    theta = (pan + 1) * np.pi / 4  # constant-power pan
    stereo = np.stack([x * np.cos(theta), x * np.sin(theta)]) * np.sqrt(2)
    return int(round(note.start_s * sr)), stereo
