"""A/B on a real recording: both players sound equally loud, and the spectrum difference shows a timbre edit.

The audio checked is what the browser's player gets: the published file plus the track's ``gain_db``
(blob headroom + loudness matching), decoded and measured here.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from bandmate.core.clip import Clip
from bandmate.core.measures import loudness_lufs
from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool
from bandmate.ui import media, uploads


@pytest.fixture
def orchestra(real_data, store):
    """A session opened from 10 s of the string orchestra (hungarian_dance_5), as the upload box does."""
    with sf.SoundFile(str(real_data / "hungarian_dance_5.ogg")) as f:
        f.seek(int(20 * f.samplerate))
        x, sr = f.read(int(10 * f.samplerate), dtype="float32", always_2d=True), f.samplerate
    buf = io.BytesIO()
    sf.write(buf, x, sr, format="WAV", subtype="FLOAT")
    return Session(store, uploads.create_from_uploads(store, [("dance.wav", buf.getvalue())]))


def _edit(session, tool: str, **args) -> None:
    run_tool(default_registry(), tool, {"target": "mix", **args}, store=session.store, session_id=session.id)


def _played(publisher, track: media.Track) -> Clip:
    """What the player sounds: the published file scaled by the track's gain."""
    x, sr = sf.read(str(publisher.www / track.url), dtype="float32", always_2d=True)
    return Clip((x.T * 10 ** (track.gain_db / 20)).astype(np.float32), sr)


@pytest.mark.parametrize("tool,args", [("gain", {"gain_db": 6.0}), ("gain", {"gain_db": -9.0}),
                                       ("eq", {"high_shelf_db": 9.0, "high_shelf_hz": 3000.0})])
def test_the_two_players_are_loudness_matched(orchestra, store, tmp_path, tool, args):
    _edit(orchestra, tool, **args)
    a, b = orchestra.version(1), orchestra.version(2)
    ca, cb = store.clip(a.mix), store.clip(b.mix)
    unmatched = abs(loudness_lufs(ca) - loudness_lufs(cb))
    assert unmatched > 1.0  # the edit itself moved the level (twice the tolerance): louder would win unmatched
    ga, gb, la, lb = media.match_gains_db(ca, cb)
    assert max(ga, gb) == 0.0 and min(ga, gb) < 0  # the louder one is turned down, nothing is boosted
    pub = media.Publisher(tmp_path / "ab-home")
    pa, pb = _played(pub, pub.track(store, a.mix, "A", ga)), _played(pub, pub.track(store, b.mix, "B", gb))
    assert abs(loudness_lufs(pa) - loudness_lufs(pb)) < 0.5
    assert abs(loudness_lufs(pa) - min(la, lb)) < 0.5


def test_the_spectrum_difference_shows_a_high_shelf(orchestra, store):
    _edit(orchestra, "eq", high_shelf_db=9.0, high_shelf_hz=3000.0)
    ca, cb = store.clip(orchestra.version(1).mix), store.clip(orchestra.version(2).mix)
    ga, gb, _, _ = media.match_gains_db(ca, cb)
    freqs, sa = media.band_spectrum_db(ca)
    _, sb = media.band_spectrum_db(cb)
    diff = (sb + gb) - (sa + ga)  # as the A/B panel plots it
    top, low = diff[freqs > 6000].mean(), diff[(freqs > 60) & (freqs < 600)].mean()
    assert top - low > 6.0  # the shelf's ~9 dB tilt, read off the plot's data
    assert abs(diff[(freqs > 60) & (freqs < 600)].std()) < 1.5  # below the shelf: flat, only shifted by matching
