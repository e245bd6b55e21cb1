"""Blob writing shortcuts: clips known to be stored skip the rounding pass (only those very objects),
and a commit's clips are written side by side with the same keys and errors as one by one."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.testsignals import noise, sine
from bandmate.memory import blobs
from bandmate.memory.blobs import BlobStore, quantize


def test_a_clip_read_from_the_store_is_quantised_as_it_is(tmp_path):
    bs = BlobStore(tmp_path / "blobs")
    raw = noise(0.3, channels=2, amplitude=0.4, seed=5)
    key = bs.put_clip(raw)
    back = bs.get_clip(key)
    assert quantize(back) is back
    assert np.array_equal(back.samples, quantize(raw).samples)


def test_only_the_stored_object_itself_is_taken_as_on_the_grid(tmp_path):
    bs = BlobStore(tmp_path / "blobs")
    back = bs.get_clip(bs.put_clip(sine(220, 0.2, amplitude=0.5)))
    louder = back.replace(back.samples * 0.7, "gain")  # derived: off the grid again
    q = quantize(louder)
    assert q is not louder
    assert np.array_equal(q.samples, blobs._on_grid(Clip(louder.samples.copy(), louder.sample_rate))[0].samples)
    twin = Clip(back.samples.copy(), back.sample_rate)  # same audio, never stored: the full check says so
    assert not blobs._is_stored(twin) and quantize(twin) is twin


def test_the_stored_set_does_not_keep_clips_alive(tmp_path):
    bs = BlobStore(tmp_path / "blobs")
    key = bs.put_clip(sine(330, 0.2, amplitude=0.5))
    before = len(blobs._STORED)
    clips = [bs.get_clip(key) for _ in range(5)]
    assert len(blobs._STORED) == before + 5
    del clips
    gc.collect()
    assert len(blobs._STORED) == before


def test_clips_written_side_by_side_get_the_keys_of_one_by_one(tmp_path):
    clips = [noise(0.3, channels=2, amplitude=0.2 + 0.1 * i, seed=i) for i in range(5)] + [sine(110, 0.3)]
    clips.append(clips[1])  # the same audio twice in one commit
    side = BlobStore(tmp_path / "a").put_clips(clips)
    one = BlobStore(tmp_path / "b")
    assert side == [one.put_clip(c) for c in clips]
    got = BlobStore(tmp_path / "a")
    for c, k in zip(clips, side, strict=True):
        assert np.array_equal(got.get_clip(k).samples, quantize(c).samples)


def test_a_failed_write_is_raised_after_every_writer_stopped(tmp_path, monkeypatch):
    bs = BlobStore(tmp_path / "blobs")
    clips = [noise(0.2, channels=2, amplitude=0.3, seed=i) for i in range(4)]
    real = bs.put_clip

    def flaky(clip):
        if clip is clips[2]:
            raise OSError("disk full")
        return real(clip)

    monkeypatch.setattr(bs, "put_clip", flaky)
    with pytest.raises(OSError, match="disk full"):
        bs.put_clips(clips)
    assert not list((tmp_path / "blobs").rglob("*.tmp"))  # nothing half-written left behind


def test_stored_samples_are_shared_read_only(tmp_path):
    """A stored clip's samples are handed out without a copy, so they must stay read-only for everyone."""
    import numpy as np
    import pytest as _pytest

    from bandmate.core.testsignals import sine
    from bandmate.memory.blobs import BlobStore

    bs = BlobStore(tmp_path)
    key = bs.put_clip(sine(220, 0.2, amplitude=0.5))
    a, b = bs.get_clip(key), bs.get_clip(key)
    assert not a.samples.flags.writeable and not b.samples.flags.writeable
    with _pytest.raises(ValueError):
        a.samples[0, 0] = 1.0
    assert np.array_equal(a.samples, b.samples)


def test_a_quantised_clip_is_stored_without_a_second_rounding_and_to_the_same_file(tmp_path, monkeypatch):
    raw = noise(0.3, channels=2, amplitude=1.7, seed=9)  # over full scale: stored with headroom (scale 2)
    q = quantize(raw)
    assert quantize(q) is q  # quantising marks it as on the grid
    plain = BlobStore(tmp_path / "plain")
    key = plain.put_clip(raw)
    calls = []
    real = blobs._on_grid
    monkeypatch.setattr(blobs, "_on_grid", lambda c: calls.append(c) or real(c))
    fast = BlobStore(tmp_path / "fast")
    assert fast.put_clip(q) == key and not calls
    a, b = (sorted(p.name for p in (tmp_path / d).rglob("*.flac")) for d in ("plain", "fast"))
    assert a == b and a[0].split(".")[1] != "s0"  # the same name, headroom scale included
    back = BlobStore(tmp_path / "fast")
    blobs._DECODED.clear()  # read the file itself, not the samples remembered at writing
    assert np.array_equal(back.get_clip(key).samples, q.samples)


def test_a_write_started_early_is_waited_for_not_repeated(tmp_path, monkeypatch):
    bs = BlobStore(tmp_path / "blobs")
    clips = [noise(0.3, channels=2, amplitude=0.3, seed=i) for i in range(3)]
    written = []
    real = bs._put_clip_now
    monkeypatch.setattr(bs, "_put_clip_now", lambda c: written.append(c) or real(c))
    bs.start_writing(clips[:2])
    keys = bs.put_clips(clips)
    assert len(written) == 3 and all(any(w is c for w in written) for c in clips)  # each encoded once
    assert keys == [BlobStore(tmp_path / "other").put_clip(c) for c in clips]
    for k in keys:
        assert len(list((tmp_path / "blobs").rglob(f"{k}*.flac"))) == 1


def test_a_failed_early_write_is_raised_where_the_commit_waits_for_it(tmp_path, monkeypatch):
    bs = BlobStore(tmp_path / "blobs")
    clip = noise(0.2, channels=2, amplitude=0.3, seed=3)
    monkeypatch.setattr(bs, "_put_clip_now", lambda c: (_ for _ in ()).throw(OSError("disk full")))
    bs.start_writing([clip])
    with pytest.raises(OSError, match="disk full"):
        bs.put_clips([sine(220, 0.2), clip][1:])
