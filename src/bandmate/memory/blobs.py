"""Content-addressed storage of audio and byte blobs under ``<home>/blobs``.

Audio is stored as 24-bit FLAC. To keep float headroom, samples are divided by a power-of-two
``scale`` >= peak before quantising (exact in binary), and the scale is kept in the blob's name. A clip
that went through ``quantize`` round-trips bit-exactly. Files are written to a temp name and renamed,
so a reader never sees a half-written blob; a crash leaves at most an orphan temp file, which the
next ``BlobStore`` opened on the folder removes (``.<name>.<pid>.<random>.tmp`` whose writer process is
gone, or any temp file older than an hour).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import SessionError

_FULL = float(2**23)
# libFLAC level 1 of 0-8 (soundfile's 0..1 scale): about a quarter less encoding time than the default
# level 5 for about 3% more disk on real music; any level decodes to the same samples
FLAC_LEVEL = 0.125
ORPHAN_AGE_S = 3600.0  # a temp file this old is an orphan even if its pid was reused by another process


def _scale_for(x: np.ndarray) -> float:
    return _scale_over(float(np.abs(x).max()) if x.size else 0.0)


def _scale_over(peak: float) -> float:
    """The headroom scale for a peak: 1.0 up to full scale, else the power of two at or above it."""
    return 1.0 if peak <= 1.0 else float(2 ** int(np.ceil(np.log2(peak))))


def quantize(clip: Clip) -> Clip:
    """The clip exactly as it will read back from storage (24-bit with power-of-two headroom)."""
    return clip if _is_stored(clip) else _mark_stored(_on_grid(clip)[0])


# Clips this process read from the store, wrote to it or quantised, so on the grid as they are: re-summing a mix
# quantises every stem, and the unchanged ones need no rounding pass. Keyed by the Clip object itself
# (weakly; a Clip is immutable, its samples read-only), so a new clip is never taken for a stored one.
_STORED: weakref.WeakKeyDictionary[Clip, bool] = weakref.WeakKeyDictionary()
_STORED_LOCK = threading.Lock()


# Writes ``BlobStore.start_writing`` began, by clip object (weakly: an entry goes with its clip), each with
# the store writing it: a later put of the same clip waits for that write instead of encoding it again.
_INFLIGHT: weakref.WeakKeyDictionary[Clip, tuple[BlobStore, Future]] = weakref.WeakKeyDictionary()
_INFLIGHT_LOCK = threading.Lock()
_WRITERS: ThreadPoolExecutor | None = None
_WRITERS_LOCK = threading.Lock()


def _writers() -> ThreadPoolExecutor:
    """The process's blob-writer threads (made on first use, kept: no thread start per commit)."""
    global _WRITERS
    with _WRITERS_LOCK:
        if _WRITERS is None:
            _WRITERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bandmate-blob-writer")
        return _WRITERS


def _mark_stored(clip: Clip) -> Clip:
    with _STORED_LOCK:
        _STORED[clip] = True
    return clip


def _is_stored(clip: Clip) -> bool:
    with _STORED_LOCK:
        return clip in _STORED


def _on_grid(clip: Clip) -> tuple[Clip, np.ndarray, float]:
    """(the clip as stored, its 24-bit integers (channels, frames) as exact floats, its headroom scale)."""
    x = clip.samples
    top, bottom = float(x.max()), float(x.min())
    scale = _scale_over(max(top, -bottom))
    if scale == 1.0:  # no headroom needed, the usual case: the same grid in fewer passes
        return _on_unit_grid(clip, top)
    ints = np.clip(np.round(clip.samples / scale * _FULL), -_FULL, _FULL - 1)
    q = (ints / _FULL * scale).astype(np.float32)
    if _scale_for(q) != scale:  # the peak rounded onto a power of two: store it with that headroom
        return _on_grid(Clip(q, clip.sample_rate, clip.provenance))
    return (clip if np.array_equal(q, clip.samples) else Clip(q, clip.sample_rate, clip.provenance)), ints, scale


def _on_unit_grid(clip: Clip, top: float) -> tuple[Clip, np.ndarray, float]:
    """``_on_grid`` for a clip whose peak is at most 1.0 (scale 1): bit for bit what the general path
    gives, without its second peak search and comparison. ``x * 2**23`` is exact in float32, so the
    clip is on the grid exactly when that product is already integral and under the top code (a peak
    of +1.0 itself is clipped to ``2**23 - 1``); otherwise the rounded, clipped product divided back is
    the stored clip, whose peak cannot reach a higher power of two."""
    y = clip.samples * _FULL
    ints = np.round(y)
    if top <= (_FULL - 1) / _FULL and np.array_equal(ints, y):
        return clip, ints, 1.0
    np.clip(ints, -_FULL, _FULL - 1, out=ints)
    return Clip(ints / _FULL, clip.sample_rate, clip.provenance), ints, 1.0


def clip_key(clip: Clip) -> str:
    h = hashlib.sha256()
    h.update(f"{clip.sample_rate}:{clip.channels}:{clip.frames}:".encode())
    h.update(memoryview(np.ascontiguousarray(clip.samples)).cast("B"))  # the same bytes, not copied
    return h.hexdigest()[:32]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_orphan_temps(root: Path) -> int:
    """Delete temp files left by killed writers (a live writer's temp file is kept); returns the count."""
    removed = 0
    now = time.time()
    for tmp in root.glob("*/.*.tmp"):
        parts = tmp.name.split(".")
        pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None
        try:
            old = now - tmp.lstat().st_mtime > ORPHAN_AGE_S
            if old or pid is None or not _pid_alive(pid):
                tmp.unlink()
                removed += 1
        except FileNotFoundError:  # its writer renamed or removed it meanwhile
            continue
    return removed


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.removed_orphans = remove_orphan_temps(self.root)

    def _dir(self, key: str) -> Path:
        return self.root / key[:2]

    def _find(self, key: str, suffix: str) -> Path:
        d = self._dir(key)
        hits = sorted(d.glob(f"{key}*{suffix}")) if d.is_dir() else []
        if not hits:
            raise SessionError(f"stored object {key} is missing from {self.root}; the data directory "
                               "may have been edited by hand")
        return hits[0]

    def _write_atomic(self, path: Path, write) -> None:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(self.root)
        # unique per writer (pid + random), so two threads storing the same audio never share a temp file
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            write(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # the rename must be on disk before the database commit that refers to this blob; otherwise
        # a power cut could keep the commit (SQLite syncs it) and lose the blob's directory entry
        _fsync_dir(path.parent)

    def put_clip(self, clip: Clip) -> str:
        """Store ``clip`` (quantised) and return its key. Idempotent. A clip whose write ``start_writing``
        began is not written twice: this waits for that write (and raises its error, if it failed)."""
        with _INFLIGHT_LOCK:
            pending = _INFLIGHT.get(clip)
        if pending is not None and pending[0] is self:
            return pending[1].result()
        return self._put_clip_now(clip)

    def _put_clip_now(self, clip: Clip) -> str:
        import soundfile as sf

        if _is_stored(clip):  # already on the grid (quantised for the mix, or read back): no rounding pass
            ints, scale = None, _scale_for(clip.samples)
        else:
            clip, ints, scale = _on_grid(clip)  # one rounding pass gives the key's samples and the file's
        key = clip_key(clip)
        d = self._dir(key)
        path = d / f"{key}.s{int(np.log2(scale))}.flac"
        if not (d.is_dir() and any(d.glob(f"{key}*.flac"))):
            if ints is None:  # on the grid: times 2**23 / scale is exact (a power of two), so already integral
                ints = clip.samples * np.float32(_FULL / scale)
            pcm = np.ascontiguousarray(ints.T, dtype=np.int32)  # (frames, channels) as libsndfile reads it
            pcm <<= 8
            self._write_atomic(path, lambda tmp: sf.write(str(tmp), pcm, clip.sample_rate, format="FLAC",
                                                          subtype="PCM_24", compression_level=FLAC_LEVEL))
        _remember(str(path), clip.samples, clip.sample_rate)  # what decoding it would give, bit for bit
        _mark_stored(clip)
        return key

    def start_writing(self, clips: list[Clip]) -> None:
        """Begin storing ``clips`` in the background (rounding, hashing and libFLAC release the GIL), so the
        caller can go on (e.g. render the mix) while they encode. Nothing refers to them yet; ``put_clip``
        and ``put_clips`` of the same clip objects wait for these writes instead of starting their own, so a
        commit still records only blobs that are on disk."""
        pool = _writers() if clips else None
        for clip in clips:
            with _INFLIGHT_LOCK:
                if clip not in _INFLIGHT:
                    _INFLIGHT[clip] = (self, pool.submit(self._put_clip_now, clip))

    def put_clips(self, clips: list[Clip]) -> list[str]:
        """``put_clip`` for each clip, in order, encoding side by side (the first here, the rest on the
        writer threads): a commit's edited stem and new mix are written in the time of one. Every write has
        finished (or failed: the first error is raised) before this returns."""
        self.start_writing(clips[1:])
        keys: list[str] = []
        errors: list[BaseException] = []
        for clip in clips:
            try:
                keys.append(self.put_clip(clip))
            except BaseException as err:  # keep waiting for the others, then raise the first
                errors.append(err)
        if errors:
            raise errors[0]
        return keys

    def get_clip(self, key: str, provenance: str | None = None) -> Clip:
        samples, sr = _decoded(str(self._find(key, ".flac")))
        # the cached array itself: read-only, as every Clip's samples, and nothing in Bandmate makes a Clip's
        # samples writeable again, so sharing it is as safe as a copy (and a 30 s stem is 10 MB not copied)
        return _mark_stored(Clip(samples, sr, (provenance or f"blob:{key}",)))

    def put_bytes(self, data: bytes, suffix: str = ".bin") -> str:
        key = hashlib.sha256(data).hexdigest()[:32]
        path = self._dir(key) / f"{key}{suffix}"
        if not path.exists():
            self._write_atomic(path, lambda tmp: tmp.write_bytes(data))
        return key

    def get_bytes(self, key: str) -> bytes:
        d = self._dir(key)
        hits = [p for p in d.glob(f"{key}*") if p.suffix != ".flac"] if d.is_dir() else []
        if not hits:
            raise SessionError(f"stored object {key} is missing from {self.root}")
        return hits[0].read_bytes()


_DECODED: OrderedDict[str, tuple[np.ndarray, int]] = OrderedDict()
_DECODED_LIMIT_BYTES = 512 * 2**20
_DECODED_LOCK = threading.Lock()


def _decoded(path: str) -> tuple[np.ndarray, int]:
    """A stored clip's samples, decoded once per process while they fit a 512 MB LRU.

    Blobs are content-addressed and never rewritten, so a path always holds the same audio: a turn that
    reads the same stems for planning, running, verifying and the safety stage decodes each FLAC once.
    """
    import soundfile as sf

    with _DECODED_LOCK:
        hit = _DECODED.get(path)
        if hit is not None:
            _DECODED.move_to_end(path)
            return hit
    scale = 2.0 ** int(Path(path).name.split(".")[1][1:])
    ints, sr = sf.read(path, dtype="int32", always_2d=True)
    x = np.ascontiguousarray(((ints >> 8).astype(np.float64) / _FULL * scale).astype(np.float32).T)
    return _remember(path, x, sr, copy=False)


def _remember(path: str, samples: np.ndarray, sr: int, copy: bool = True) -> tuple[np.ndarray, int]:
    # a Clip's own samples (float32, read-only, owning their memory) can never change: kept without a copy
    sealed = samples.dtype == np.float32 and not samples.flags.writeable and samples.flags.owndata
    x = np.array(samples, np.float32, copy=True) if copy and not sealed else samples
    x.flags.writeable = False  # the cached copy itself is never handed out
    with _DECODED_LOCK:
        _DECODED[path] = (x, sr)
        _DECODED.move_to_end(path)
        while sum(a.nbytes for a, _ in _DECODED.values()) > _DECODED_LIMIT_BYTES and len(_DECODED) > 1:
            _DECODED.popitem(last=False)
    return x, sr
