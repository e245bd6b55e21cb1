"""`analyze` on clips too short to hold a few beats: one clear ToolInputError, no OpenCV traceback."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool

SR = 44100


def _tone(duration_s: float) -> Clip:
    t = np.arange(int(duration_s * SR)) / SR
    y = (0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0)).astype(np.float32)
    return Clip(np.repeat(y[None], 2, axis=0), SR, ("test tone",))


@pytest.mark.parametrize("duration_s", [0.3, 1.0, 1.9])
@pytest.mark.parametrize("backend", ["madmom", "librosa"])
def test_short_clip_gives_one_line_error_with_the_minimum(make_session, duration_s, backend):
    if backend == "madmom":
        from bandmate.tools.backends.madmom_shim import madmom_installed

        if not madmom_installed():
            pytest.skip("madmom is not installed")
    session = make_session(mix=_tone(duration_s))
    before = session.head.id
    with pytest.raises(ToolInputError, match=r"too short to analyze: the minimum is 2s") as err:
        run_tool(default_registry(), "analyze", {"backend": backend}, store=session.store,
                 session_id=session.id, settings=Settings())
    assert "\n" not in str(err.value) and f"{duration_s:.2f}s" in str(err.value)
    assert session.head.id == before  # nothing recorded


def test_two_second_clip_is_analyzed(make_session):
    session = make_session(mix=_tone(3.0))
    out = run_tool(default_registry(), "analyze", {"backend": "librosa", "what": ["tempo"]},
                   store=session.store, session_id=session.id, settings=Settings())
    assert out.result.tempo_bpm == pytest.approx(120, rel=0.05)
