"""The voice-harmonic measure (separation_eval.harmonic_split_db) on signals whose true split is known.

A sung line that glides between notes (portamento of 2-7 semitones in 100-150 ms, 30-cent vibrato) over
guitar-like plucked notes at other pitches. Given the voice's f0 track, the ideal vocal stem (the voice
alone) should keep its harmonics and almost nothing of the rest, and the guitar alone should hold the
rest. The track here is the true f0 sampled as pyin's would be (one value per 256 samples, centred), so
what is tested is the measure's time-frequency reading, not pyin.
"""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.tools.backends.separation_eval import F0_HOP, harmonic_split_db, voice_masks

SR = 44100


def _gliding_voice_and_guitar(seconds: float = 4.0) -> tuple[Clip, Clip, np.ndarray]:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    # (time s, semitones above C4): held notes joined by glides
    line = [(0.0, 0), (0.5, 0), (0.62, 5), (1.1, 5), (1.2, 2), (1.7, 2), (1.85, 9), (2.3, 9), (2.45, 4),
            (3.0, 4), (3.1, 7), (seconds, 7)]
    semis = np.interp(t, [p[0] for p in line], [p[1] for p in line])
    f0 = 261.63 * 2 ** (semis / 12) * 2 ** (0.3 / 12 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voice = 0.3 * sum(0.8 ** (h - 1) * np.sin(h * phase) for h in range(1, 11))
    voice *= np.minimum(1, t / 0.05) * np.minimum(1, (seconds - t) / 0.05)
    guitar = np.zeros(n)
    rng = np.random.default_rng(0)
    for k, note in enumerate([110.0, 164.8, 146.8, 196.0, 123.5, 174.6, 130.8, 220.0]):
        start = int(k * 0.5 * SR)
        tt = np.arange(n - start) / SR
        guitar[start:] += 0.25 * sum(np.sin(2 * np.pi * h * note * tt + rng.uniform(0, 2 * np.pi))
                                     * np.exp(-tt * (1.5 + 0.3 * h)) / h for h in range(1, 16))
    clip = lambda x: Clip(np.stack([x, x]).astype(np.float32), SR)  # noqa: E731
    return clip(voice), clip(guitar), f0[::F0_HOP].copy()


@pytest.fixture(scope="module")
def band():
    voice, guitar, track = _gliding_voice_and_guitar()
    return Clip(voice.samples + guitar.samples, SR), voice, guitar, track


def test_a_gliding_voice_counts_as_harmonics_and_the_other_instrument_as_rest(band):
    mix, voice, guitar, track = band
    old = {name: harmonic_split_db(mix, stem, track, glide_span=0) for name, stem in
           (("voice", voice), ("guitar", guitar))}  # one f0 per 93 ms frame, read at its centre
    new = {name: harmonic_split_db(mix, stem, track) for name, stem in (("voice", voice), ("guitar", guitar))}
    # measured: the ideal vocal stem (the voice alone) leaves rest -12.5 dB with one f0 per frame, -24.1 dB
    # following the pitch inside the frame (voice energy in the harmonic set 92 % -> 99 %)
    assert old["voice"]["rest_db"] > -15.0, old
    assert new["voice"]["rest_db"] <= old["voice"]["rest_db"] - 8.0, (old, new)
    assert new["voice"]["harmonic_fraction"] >= 0.97, new
    # and the rest is still the guitar, the harmonic set still the voice (guitar alone: rest -0.02 dB)
    assert abs(new["guitar"]["rest_db"]) <= 0.5 and new["guitar"]["harmonic_db"] <= -15.0, new


def test_the_finer_reading_only_moves_bins_where_the_voice_glides(band):
    mix, _, _, track = band
    steady = np.full_like(track, 300.0)
    for f0 in (steady, track):
        on_old, rest_old = voice_masks(f0, mix.frames, SR, glide_span=0)
        on_new, rest_new = voice_masks(f0, mix.frames, SR)
        assert not (rest_new & ~rest_old).any() and not (on_old & ~on_new).any()  # it only widens the bands
    assert (rest_old & ~rest_new).any()  # the glides move something ...
    on_old, rest_old = voice_masks(steady, mix.frames, SR, glide_span=0)
    on_new, rest_new = voice_masks(steady, mix.frames, SR)
    assert (on_old == on_new).all() and (rest_old == rest_new).all()  # ... a steady voice nothing


def test_the_track_must_be_of_this_clip_at_its_hop(band):
    mix, voice, _, track = band
    with pytest.raises(ValueError, match="another hop"):
        harmonic_split_db(mix, voice, track[::4])
    assert harmonic_split_db(mix, mix, track[::4], f0_hop=1024)["rest_db"] == 0.0
