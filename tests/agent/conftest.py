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
