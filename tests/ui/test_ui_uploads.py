"""Bad uploads give one clear message and leave everything in the store as it was.

Each bad file is offered to ``uploads.create_from_uploads`` (what the studio's upload box calls) next to
an open session; the store's sessions, heads, versions and blobs are compared before and after.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from bandmate.core.errors import ToolInputError
from bandmate.ui import uploads

SR = 44100


def _noise(seconds: float, channels: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((int(SR * seconds), channels)) * 0.1).astype(np.float32)


def _encoded(x: np.ndarray, fmt: str, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype="PCM_16")
    return buf.getvalue()


def _corrupt_flac() -> bytes:
    """A FLAC whose header is intact and whose body is overwritten with noise (a damaged download)."""
    data = bytearray(_encoded(_noise(3.0, 2), "FLAC"))
    n = len(data)
    data[n // 5: n * 4 // 5] = np.random.default_rng(1).integers(0, 256, n * 4 // 5 - n // 5, np.uint8).tobytes()
    return bytes(data)


def _ten_hour_flac(tmp_path) -> bytes:
    """Ten hours of 8 kHz mono silence: small on disk (FLAC), far too long to open."""
    path = tmp_path / "long.flac"
    with sf.SoundFile(str(path), "w", 8000, 1, format="FLAC", subtype="PCM_16") as f:
        block = np.zeros(8000 * 600, dtype=np.int16)
        for _ in range(60):
            f.write(block)
    return path.read_bytes()


def _snapshot(store) -> dict:
    blobs = sorted(p.name for p in store.blobs.root.rglob("*") if p.is_file())
    return {"sessions": {i.id: (i.head, i.versions) for i in store.list_sessions()}, "blobs": blobs}


@pytest.fixture
def open_session(make_session, band_stems, store):
    session = make_session(stems=band_stems, tempo_bpm=120)
    return session, _snapshot(store)


BAD = {
    "text named .wav": (lambda tmp: [("notes.wav", b"These are my lyrics, not audio.\n" * 50)],
                        r"notes\.wav is not readable audio .*renamed to \.wav"),
    "truncated header": (lambda tmp: [("cut.wav", b"RIFF\x24\x08\x00\x00WAVEfmt ")], r"cut\.wav is not readable"),
    "corrupt body": (lambda tmp: [("take.flac", _corrupt_flac())], r"cannot decode take\.flac .*damaged"),
    "8 channels": (lambda tmp: [("surround.wav", _encoded(_noise(1.0, 8), "WAV"))],
                   r"surround\.wav has 8 channels; the studio opens mono or stereo"),
    "10 hours": (lambda tmp: [("all_night.flac", _ten_hour_flac(tmp))],
                 r"all_night\.flac lasts 10\.0 hours; the studio opens recordings up to 20 minutes"),
    "one bad stem of three": (lambda tmp: [("bass.wav", _encoded(_noise(1.0, 1), "WAV")),
                                           ("drums.wav", _encoded(_noise(1.0, 2, 2), "WAV")),
                                           ("keys.wav", b"\x00" * 4000)], r"keys\.wav is not readable audio"),
    "empty": (lambda tmp: [("silence.ogg", b"")], r"silence\.ogg is empty"),
    "not a music file": (lambda tmp: [("cover.png", b"\x89PNG....")], r"cover\.png: not a file type"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_upload_is_refused_and_nothing_changes(case, open_session, store, tmp_path):
    session, before = open_session
    files, message = BAD[case]
    with pytest.raises(ToolInputError, match=message):
        uploads.create_from_uploads(store, files(tmp_path))
    assert _snapshot(store) == before
    assert session.head.id == before["sessions"][session.id][0]


def test_a_good_upload_next_to_them_opens_one_new_session(open_session, store):
    session, before = open_session
    sid = uploads.create_from_uploads(store, [("take.flac", _encoded(_noise(2.0, 2), "FLAC"))])
    after = _snapshot(store)
    assert set(after["sessions"]) == set(before["sessions"]) | {sid}
    assert after["sessions"][session.id] == before["sessions"][session.id]
    clip = store.clip(store.version(sid).mix)
    assert clip.channels == 2 and clip.frames == 2 * SR


def test_a_real_recording_excerpt_opens(real_data, store, tmp_path):
    with sf.SoundFile(str(real_data / "lets_go_fishin.ogg")) as f:
        f.seek(int(30 * f.samplerate))
        x, sr = f.read(int(10 * f.samplerate), dtype="float32", always_2d=True), f.samplerate
    sid = uploads.create_from_uploads(store, [("fishin.wav", _encoded(x, "WAV", sr))])
    clip = store.clip(store.version(sid).mix)
    assert clip.sample_rate == sr and abs(clip.frames - 10 * sr) <= 1
    assert float(np.sqrt(np.mean(clip.samples ** 2))) > 0.01  # the music, not silence
