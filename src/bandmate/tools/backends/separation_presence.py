"""How much of a separated stem is really the part, and how much is bleed from the rest of the mix.

Conventions: clips are float32 ``(channels, frames)`` at one rate; levels in dB relative to the mix.

- ``level_db``: the stem's energy against the mix's, over the whole clip.
- ``active_fraction``: the share of non-silent 0.5 s windows in which the stem carries at least a
  quarter of the mix's energy (within 6 dB of the mix). A real part leads some of the music; bleed
  (a separator's leftovers from other instruments) stays well under the mix everywhere.
- ``confidence`` (0-1): rises with the active fraction (0 at 1 %, 1 at 10 % of the windows) and is
  capped by the level (0 at -30 dB, 1 at -15 dB). ``present`` is ``confidence >= 0.5``.
"""

from __future__ import annotations

import numpy as np

from bandmate.core.clip import Clip
from bandmate.memory.state import StemPresence

WINDOW_S = 0.5
ACTIVE_DB = -6.0


def presence(stem: Clip, mix: Clip, backend: str = "") -> StemPresence:
    """The presence of ``stem`` in ``mix`` (same rate and length)."""
    n = max(1, int(WINDOW_S * mix.sample_rate))
    count = max(1, mix.frames // n)
    s = _window_energy(stem.samples, n, count)
    m = _window_energy(mix.samples, n, count)
    loud = m > m.max() * 1e-4  # windows within 40 dB of the loudest: the music, not the silence
    level = 10 * np.log10((s.sum() + 1e-20) / (m.sum() + 1e-20))
    active = float(np.mean(s[loud] >= m[loud] * 10 ** (ACTIVE_DB / 10))) if loud.any() else 0.0
    conf = float(np.clip((active - 0.01) / 0.09, 0, 1) * np.clip((level + 30) / 15, 0, 1))
    return StemPresence(level_db=round(float(level), 2), active_fraction=round(active, 3),
                        confidence=round(conf, 3), present=conf >= 0.5, backend=backend)


def _window_energy(x: np.ndarray, n: int, count: int) -> np.ndarray:
    y = np.asarray(x[:, :n * count], np.float64)
    return np.square(y).sum(axis=0).reshape(count, n).sum(axis=1)
