"""Clip: validation at construction, and the derivations others rely on."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError


def test_valid_clip_is_float32_read_only_and_reports_its_shape():
    x = np.linspace(-1, 1, 2 * 4410).reshape(2, 4410)  # float64 in, float32 stored
    clip = Clip(x, 44100, "test")
    assert clip.samples.dtype == np.float32
    assert (clip.channels, clip.frames) == (2, 4410)
    assert clip.duration_s == pytest.approx(0.1)
    assert clip.provenance == ("test",)
    with pytest.raises(ValueError, match="read-only"):
        clip.samples[0, 0] = 1.0


@pytest.mark.parametrize("rate", [8000, 192000])
def test_boundary_sample_rates_are_accepted(rate):
    assert Clip(np.zeros((1, 10), np.float32), rate).sample_rate == rate


@pytest.mark.parametrize(("samples", "rate", "match"), [
    (np.zeros((44100, 2), np.float32), 44100, r"did you pass \(frames, channels\)"),
    (np.zeros((4410, 1), np.float32), 44100, r"did you pass \(frames, channels\)"),
    (np.zeros(4410, np.float32), 44100, r"got shape \(4410,\).*Clip\.mono"),
    (np.zeros((3, 4410), np.float32), 44100, "1 or 2 channels, got 3"),
    (np.zeros((2, 3, 100), np.float32), 44100, "must be shaped \\(channels, frames\\)"),
    (np.zeros((2, 0), np.float32), 44100, "empty: 0 frames"),
    (np.array([[0.0, np.nan, 0.5]], np.float32), 44100, "1 NaN/inf samples"),
    (np.array([[np.inf, -np.inf, 0.5]], np.float32), 44100, "2 NaN/inf samples"),
    (np.zeros((1, 100), np.int16), 44100, "floating point, got dtype int16"),
    (np.zeros((1, 100), np.float32), 7999, "7999 Hz is outside 8000–192000"),
    (np.zeros((1, 100), np.float32), 192001, "192001 Hz is outside"),
    (np.zeros((1, 100), np.float32), 44100.0, "must be an integer in Hz"),
    (np.zeros((1, 100), np.float32), True, "must be an integer in Hz"),
    ([[0.0, 0.1]], 44100, "must be a numpy array, got list"),
])
def test_bad_clips_are_refused_with_a_reason(samples, rate, match):
    with pytest.raises(ToolInputError, match=match):
        Clip(samples, rate)


def test_mono_and_silence_constructors():
    mono = Clip.mono(np.ones(100), 22050)
    assert (mono.channels, mono.frames, mono.sample_rate) == (1, 100, 22050)
    silent = Clip.silence(0.5, 48000)
    assert (silent.channels, silent.frames) == (2, 24000)
    assert silent.peak() == 0.0


def test_with_channels_duplicates_and_averages_explicitly():
    stereo = Clip(np.array([[1.0, 0.0], [0.0, 1.0]], np.float32), 8000, "lr")
    mono = stereo.with_channels(1)
    np.testing.assert_allclose(mono.samples, [[0.5, 0.5]])
    assert mono.provenance == ("lr", "stereo->mono")
    back = mono.with_channels(2)
    np.testing.assert_allclose(back.samples, [[0.5, 0.5], [0.5, 0.5]])
    assert stereo.with_channels(2) is stereo


@pytest.mark.parametrize("channels", [0, 3, 6])
def test_with_channels_refuses_other_counts(channels):
    with pytest.raises(ToolInputError, match=f"cannot make {channels} channels"):
        Clip.mono(np.zeros(10), 8000).with_channels(channels)


def test_slice_pad_frame_at_and_replace():
    clip = Clip.mono(np.arange(8000, dtype=np.float32) / 8000, 8000, "ramp")
    part = clip.slice_s(0.25, 0.5)
    assert part.frames == 2000
    assert part.samples[0, 0] == pytest.approx(0.25)
    assert part.provenance[0] == "ramp" and part.provenance[-1].startswith("slice 0.250-0.500")
    assert clip.slice_s(0.9).frames == 800  # open end runs to the end of the clip
    assert clip.frame_at(0.5) == 4000
    padded = part.padded(2500)
    assert padded.shape == (1, 2500) and not padded[:, 2000:].any()
    assert part.padded(100).shape == (1, 100)
    doubled = clip.replace(clip.samples * 2, "x2")
    assert doubled.peak() == pytest.approx(2 * clip.peak())
    assert doubled.provenance == ("ramp", "x2")
    assert clip.peak() == pytest.approx(7999 / 8000)  # the original is untouched


@pytest.mark.parametrize(("start_s", "end_s"), [(0.5, 0.5), (0.6, 0.2), (2.0, None)])
def test_empty_slices_are_refused(start_s, end_s):
    clip = Clip.mono(np.zeros(8000), 8000)
    with pytest.raises(ToolInputError, match="empty range"):
        clip.slice_s(start_s, end_s)
