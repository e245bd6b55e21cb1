"""Downloads are built when asked for: the mix as WAV and the stems as a zip of WAVs, equal to what is stored."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("streamlit")


def test_mix_and_stems_download_as_the_stored_audio(make_session, band_stems, store):
    from bandmate.ui import downloads

    session = make_session(stems=band_stems, tempo_bpm=120)
    v = session.head
    x, sr = sf.read(io.BytesIO(downloads.mix_wav(store, session.id, v.id)), dtype="float32", always_2d=True)
    mix = store.clip(v.mix)
    assert sr == mix.sample_rate and x.shape == mix.samples.T.shape
    assert np.max(np.abs(x - mix.samples.T)) < 1e-5  # 24-bit PCM: exact to its step

    with zipfile.ZipFile(io.BytesIO(downloads.stems_zip(store, session.id, v.id))) as z:
        assert sorted(z.namelist()) == sorted(f"{n}.wav" for n in band_stems)
        bass, _ = sf.read(io.BytesIO(z.read("bass.wav")), dtype="float32", always_2d=True)
    assert np.max(np.abs(bass.T - store.clip(v.stems["bass"]).samples)) < 1e-5
    assert downloads.midi_assets(v) == {}
