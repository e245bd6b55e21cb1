"""One knowledge base per test run (indexing the lexicon embeds a few thousand sentences)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def kb(tmp_path_factory):
    from bandmate.memory.knowledge import KnowledgeBase

    return KnowledgeBase(tmp_path_factory.mktemp("kb-home"))


@pytest.fixture(scope="session")
def offline_planner(kb):
    from bandmate.agent.offline import OfflinePlanner
    from bandmate.tools import default_registry

    return OfflinePlanner(kb, default_registry())


@pytest.fixture
def band_view():
    """A view of an 8-bar, 120 BPM session with the usual stems."""
    from bandmate.agent.view import SessionView
    from bandmate.memory.state import StateTable

    return SessionView(stems=["drums", "bass", "keys", "vocals", "guitar", "pad", "lead"], duration_s=16.0,
                       state=StateTable(tempo_bpm=120, key="A minor", time_signature="4/4"), version=3)


@pytest.fixture
def plucked_band(make_session):
    """A 4 s, 120 BPM session of struck sounds with gaps between them, so that reverb and EQ both measure:
    'drums' (noise hits on every beat), 'keys' (harmonic plucks at 220 Hz, partials to 8 kHz, every
    half note), 'bass' (55 Hz plucks on every beat)."""
    import numpy as np

    from bandmate.core.clip import Clip

    sr, dur = 44100, 4.0
    n, beat = int(sr * dur), int(sr * 0.5)
    rng = np.random.default_rng(7)
    t = np.arange(int(0.3 * sr)) / sr

    def struck(sound: np.ndarray, every: int, decay_s: float) -> np.ndarray:
        x = np.zeros(n, np.float32)
        env = np.exp(-t / decay_s)
        for a in range(0, n, every):
            b = min(n, a + len(t))
            x[a:b] += (sound * env)[: b - a]
        return x

    harmonics = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 37))
    keys = struck(0.2 * harmonics, 2 * beat, 0.08)
    drums = struck(0.4 * rng.standard_normal(len(t)), beat, 0.02)
    bass = struck(0.4 * np.sin(2 * np.pi * 55 * t), beat, 0.1)
    stems = {name: Clip(np.stack([x, x]).astype(np.float32), sr, (name,))
             for name, x in (("drums", drums), ("keys", keys), ("bass", bass))}
    return make_session(stems=stems, tempo_bpm=120)
