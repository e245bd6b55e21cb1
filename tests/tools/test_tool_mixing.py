"""Summing stems into the mix: the pan law and gains as the state table sets them, computed in float32
without clip-sized temporaries (checked against the same sum in float64)."""

from __future__ import annotations

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.testsignals import noise, sine
from bandmate.memory.blobs import quantize
from bandmate.memory.state import StateTable, StripSettings
from bandmate.tools.mixing import sum_stems


def _reference(stems: dict[str, Clip], state: StateTable) -> np.ndarray:
    out = np.zeros((2, max(c.frames for c in stems.values())))
    for name, clip in stems.items():
        strip = state.mixer.get(name, StripSettings())
        if strip.mute:
            continue
        x = quantize(clip).with_channels(2).samples.astype(np.float64)
        theta = (strip.pan + 1) * np.pi / 4
        g = 10 ** (strip.gain_db / 20) * np.sqrt(2)
        out[0, :x.shape[1]] += x[0] * g * np.cos(theta)
        out[1, :x.shape[1]] += x[1] * g * np.sin(theta)
    return out


def test_gains_pans_and_mutes_match_the_pan_law():
    stems = {"bass": sine(55, 1.0, amplitude=0.4), "keys": noise(1.0, channels=2, amplitude=0.2, seed=1),
             "drums": noise(0.5, channels=1, amplitude=0.3, seed=2), "vox": sine(440, 1.0, amplitude=0.3)}
    state = StateTable(mixer={"bass": StripSettings(gain_db=-6.0), "keys": StripSettings(pan=-0.5),
                              "drums": StripSettings(gain_db=3.0, pan=1.0), "vox": StripSettings(mute=True)})
    mix = sum_stems(stems, state, 44100)
    assert mix.frames == 44100 and mix.channels == 2
    assert np.abs(mix.samples - _reference(stems, state)).max() < 1e-6
    drums_only = sum_stems({"drums": stems["drums"]}, state, 44100).samples
    assert np.abs(drums_only[0]).max() < 1e-7 and np.abs(drums_only[1]).max() > 0.3  # hard right


def test_a_centred_stem_at_unity_is_added_bit_for_bit():
    a, b = noise(0.4, channels=2, amplitude=0.3, seed=4), noise(0.4, channels=2, amplitude=0.3, seed=5)
    mix = sum_stems({"a": a, "b": b}, StateTable(), 44100)
    assert np.array_equal(mix.samples, quantize(a).samples + quantize(b).samples)
