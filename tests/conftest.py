"""Shared fixtures: every test gets its own BANDMATE_HOME; helpers to build sessions from clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from bandmate.core.clip import Clip
from bandmate.core.testsignals import mixture, noise, sine
from bandmate.memory.session import Session
from bandmate.memory.state import StateTable
from bandmate.memory.store import Store

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "home")


@pytest.fixture
def make_session(store):
    """make_session(stems={'bass': clip, ...}, tempo_bpm=120) or make_session(mix=clip) -> Session."""

    def _make(*, stems: dict[str, Clip] | None = None, mix: Clip | None = None, **state) -> Session:
        from bandmate.tools.mixing import sum_stems

        st = StateTable(**state)
        if mix is None:
            mix = sum_stems(stems, st, next(iter(stems.values())).sample_rate)
        sid = store.create_session(mix=mix, stems=stems or {}, state=st)
        return Session(store, sid)

    return _make


@pytest.fixture
def band_stems() -> dict[str, Clip]:
    """A 2 s stereo band of known spectra: 'bass' (55+110 Hz), 'keys' (440 Hz), 'drums' (pink noise)."""
    bass = mixture(sine(55, 2.0, amplitude=0.3), sine(110, 2.0, amplitude=0.15))
    keys = sine(440, 2.0, amplitude=0.2, channels=2)
    drums = noise(2.0, amplitude=0.1, channels=2, color="pink", seed=1)
    return {"bass": bass, "keys": keys, "drums": drums}


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir() or not any(REAL_DATA.glob("*.ogg")):
        pytest.skip("../shared/data/real is absent")
    return REAL_DATA
