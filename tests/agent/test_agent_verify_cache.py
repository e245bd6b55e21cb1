"""Verify's spectrum cache: several spectral measures of one stored clip read one spectrum, give exactly
what measuring the clip afresh gives, and a clip with other audio (another key) is measured anew."""

from __future__ import annotations

import pytest

from bandmate.agent import verify
from bandmate.core import measures
from bandmate.core.testsignals import noise, sine
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool


@pytest.fixture
def two_stems(make_session):
    return make_session(stems={"bass": sine(60, 3.0, amplitude=0.3, channels=2),
                               "drums": noise(3.0, amplitude=0.1, channels=2, color="pink", seed=2)},
                        tempo_bpm=120)


@pytest.mark.parametrize("name", ["band_db:80-300", "band_db:2000-6000", "centroid_hz", "rolloff_hz",
                                  "loudness_lufs", "crest_db"])
def test_measure_on_a_given_spectrum_is_measure_on_the_clip(name):
    clip = noise(2.0, amplitude=0.2, channels=2, color="pink", seed=9)
    spec = measures.long_term_spectrum(clip)
    assert measures.measure(name, clip, spectrum=lambda: spec) == measures.measure(name, clip)


def test_bands_of_one_stored_stem_share_one_spectrum(two_stems, monkeypatch):
    calls = []
    real = measures.long_term_spectrum
    monkeypatch.setattr(measures, "long_term_spectrum", lambda c: calls.append(c) or real(c))
    monkeypatch.setattr(verify, "_SPECTRA", type(verify._SPECTRA)())
    monkeypatch.setattr(verify, "_MEASURED", type(verify._MEASURED)())
    v = two_stems.head.id
    bands = ["band_db:40-120", "band_db:150-400", "centroid_hz"]
    got = [verify._measured(two_stems, "bass", v, b, None) for b in bands]
    assert len(calls) == 1
    bass = two_stems.stem("bass", v)
    assert got == [measures.measure(b, bass) for b in bands]
    verify._measured(two_stems, "bass", v, "band_db:40-120", (0.5, 1.5))  # another range: its own spectrum
    assert len(calls) == 2
    # a changed stem is another stored clip: measured anew, never read from the old one's spectrum
    run_tool(default_registry(), "gain", {"target": "bass", "gain_db": -6.0}, store=two_stems.store,
             session_id=two_stems.id)
    after = verify._measured(two_stems, "bass", two_stems.head.id, "band_db:40-120", None)
    assert len(calls) == 3
    assert after == pytest.approx(got[0] - 6.0, abs=0.01)
