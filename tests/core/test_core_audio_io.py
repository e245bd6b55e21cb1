"""Audio files in and out: formats round-trip, nothing is changed unless asked, bad files are explained."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from bandmate.core import audio_io
from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.measures import band_db, centroid_hz
from bandmate.core.testsignals import sine


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (22050, 1)])
def test_round_trip_keeps_rate_channels_pitch_and_level(tmp_path, ext, rate, channels):
    clip = sine(1000, 0.5, sample_rate=rate, amplitude=0.5, channels=channels)
    path = audio_io.save(clip, tmp_path / f"tone.{ext}")
    back = audio_io.load(path)
    assert (back.sample_rate, back.channels) == (rate, channels)
    assert abs(back.frames - clip.frames) <= 0.01 * clip.frames
    assert back.provenance == (f"file:tone.{ext}",)
    assert centroid_hz(back) == pytest.approx(1000, rel=0.01)
    assert band_db(back, 900, 1100) == pytest.approx(band_db(clip, 900, 1100), abs=0.5)
    assert not list(tmp_path.glob(".*.tmp"))


def test_lossless_formats_are_exact_enough(tmp_path):
    clip = sine(440, 0.2, channels=2)
    wav = audio_io.load(audio_io.save(clip, tmp_path / "a.wav"))
    np.testing.assert_array_equal(wav.samples, clip.samples)  # 32-bit float WAV
    flac = audio_io.load(audio_io.save(clip, tmp_path / "a.flac"))
    assert np.abs(flac.samples - clip.samples).max() < 2.0**-22  # 24-bit PCM


@pytest.mark.parametrize("target_rate", [22050, 48000])
def test_explicit_resample_keeps_the_frequency(tmp_path, target_rate):
    path = audio_io.save(sine(1000, 1.0, sample_rate=44100, channels=2), tmp_path / "tone.flac")
    clip = audio_io.load(path, sample_rate=target_rate)
    assert clip.sample_rate == target_rate
    assert clip.frames == pytest.approx(target_rate, abs=2)
    assert centroid_hz(clip) == pytest.approx(1000, rel=0.01)
    assert clip.provenance[-1] == f"resample 44100->{target_rate} Hz"


def test_resample_function_and_same_rate_is_identity():
    clip = sine(3000, 0.5, sample_rate=48000)
    assert audio_io.resample(clip, 48000) is clip
    down = audio_io.resample(clip, 16000)
    assert centroid_hz(down) == pytest.approx(3000, rel=0.01)


@pytest.mark.parametrize("rate", [0, 7999, 400000, 44100.0])
def test_resample_refuses_bad_rates(rate):
    with pytest.raises(ToolInputError, match="cannot resample to"):
        audio_io.resample(sine(), rate)


def test_load_can_change_channels_when_asked(tmp_path):
    left = sine(440, 0.2).samples[0]
    stereo = Clip(np.stack([left, np.zeros_like(left)]), 44100)
    path = audio_io.save(stereo, tmp_path / "lr.wav")
    mono = audio_io.load(path, channels=1)
    np.testing.assert_allclose(mono.samples[0], left / 2, atol=1e-7)
    assert audio_io.load(audio_io.save(sine(440, 0.2), tmp_path / "m.wav"), channels=2).channels == 2


def test_six_channel_file_needs_explicit_downmix(tmp_path):
    rate, frames = 48000, 4800
    data = np.stack([np.full(frames, 0.1 * (k + 1), np.float32) for k in range(6)], axis=1)
    path = tmp_path / "surround.wav"
    sf.write(str(path), data, rate, subtype="FLOAT")
    with pytest.raises(ToolInputError, match="has 6 channels.*Pass channels=2"):
        audio_io.load(path)
    clip = audio_io.load(path, channels=2)
    assert clip.channels == 2
    # even-numbered channels go left, odd right
    np.testing.assert_allclose(clip.samples[:, 0], [0.3, 0.4], atol=1e-6)


@pytest.mark.parametrize(("name", "content", "match"), [
    ("notes.txt", b"hello", "unsupported audio type '.txt'"),
    ("fake.wav", b"this is not a wave file at all" * 10, "cannot read fake.wav as audio"),
    ("fake.mp3", b"\x00" * 64, "cannot read fake.mp3 as audio"),
])
def test_non_audio_files_are_explained(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ToolInputError, match=match):
        audio_io.load(path)


def test_missing_and_too_long_files(tmp_path):
    with pytest.raises(ToolInputError, match="does not exist"):
        audio_io.load(tmp_path / "nowhere.wav")
    path = audio_io.save(sine(440, 2.0), tmp_path / "long.flac")
    with pytest.raises(ToolInputError, match="lasts 2s, over the 1s limit; trim it first"):
        audio_io.load(path, max_duration_s=1.0)
    with pytest.raises(ToolInputError, match="channels=3 is not supported"):
        audio_io.load(path, channels=3)


def test_save_explains_impossible_writes_and_leaves_no_debris(tmp_path):
    with pytest.raises(ToolInputError, match="cannot write '.aiff'"):
        audio_io.save(sine(), tmp_path / "x.aiff")
    with pytest.raises(ToolInputError, match="as MP3.*resample it or choose another format"):
        audio_io.save(sine(440, 0.1, sample_rate=96000), tmp_path / "hi.mp3")
    assert list(tmp_path.iterdir()) == []


def test_real_recording_loads_as_it_is(real_data):
    path = sorted(real_data.glob("*.ogg"))[0]
    info = sf.info(str(path))
    clip = audio_io.load(path)
    assert (clip.sample_rate, clip.channels) == (info.samplerate, info.channels)
    assert clip.frames == pytest.approx(info.frames, rel=0.01)
    assert 0.0 < clip.peak() <= 1.0 + 1e-6
