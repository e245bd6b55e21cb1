"""Checks made on an audio file before and after decoding it (used by ``audio_io.load``).

- ``decode_budget``: frames and an estimate of the memory decoding takes, refused past the caps
  (a 19-minute 192 kHz file would otherwise take ~8 GB);
- ``declared_frames``: what the file's own header says its length is (WAV ``data`` chunk, FLAC
  STREAMINFO), or whether an Ogg stream ends with its end-of-stream page, so a truncated file is
  reported instead of imported silently;
- ``check_float_peak``: float audio far beyond full scale is refused unless normalising is asked for.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from bandmate.core.errors import ToolInputError

MAX_FRAMES = 20 * 60 * 48_000  # 20 minutes at 48 kHz; at 192 kHz that is 5 minutes
MAX_DECODE_BYTES = 2 * 1024**3  # estimated peak memory of one decode
DECODE_COPIES = 3  # decoded buffer + transposed Clip + one working copy (downmix, resample)
MAX_FLOAT_PEAK = 8.0  # +18 dBFS: float files with overs are fine; ±400 is a broken export


def decode_budget(name: str, frames: int, channels: int, sample_rate: int) -> int:
    """Estimated bytes to decode; refuses files longer than MAX_FRAMES or over MAX_DECODE_BYTES."""
    if frames > MAX_FRAMES:
        limit_s = MAX_FRAMES / sample_rate
        raise ToolInputError(f"{name} has {frames} frames ({frames / sample_rate / 60:.1f} min at {sample_rate} Hz), "
                             f"over the {MAX_FRAMES}-frame limit ({limit_s / 60:.1f} min at this rate); trim it "
                             "or resample it to 48 kHz first")
    need = frames * channels * 4 * DECODE_COPIES
    if need > MAX_DECODE_BYTES:
        raise ToolInputError(f"{name} would need about {need / 1024**3:.1f} GiB of memory to decode ({channels} "
                             f"channels × {frames} frames), over the {MAX_DECODE_BYTES / 1024**3:.0f} GiB limit; "
                             "downmix or shorten it first")
    return need


def declared_frames(path: Path) -> int | None:
    """Frames the header promises (WAV, FLAC), -1 for an Ogg stream missing its end page, else None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
                return _wav_frames(fh)
            if head[:4] == b"fLaC" and len(head) >= 42:
                return int.from_bytes(head[18:26], "big") & ((1 << 36) - 1) or None
            if head[:4] == b"OggS":
                return None if _ogg_has_end(fh) else -1
    except OSError:
        return None
    return None


def _wav_frames(fh) -> int | None:
    fh.seek(12)
    align = None
    while True:
        hdr = fh.read(8)
        if len(hdr) < 8:
            return None
        cid, size = hdr[:4], struct.unpack("<I", hdr[4:])[0]
        if cid == b"fmt ":
            fmt = fh.read(size + (size & 1))
            align = struct.unpack("<H", fmt[12:14])[0] if len(fmt) >= 14 else None
            continue
        if cid == b"data":
            if not align or size in (0, 0xFFFFFFFF):  # streamed WAVs leave the size unset
                return None
            return size // align
        fh.seek(size + (size & 1), 1)


def _ogg_has_end(fh) -> bool:
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(max(0, size - 65536))
    tail = fh.read()
    at = tail.rfind(b"OggS")
    return at >= 0 and len(tail) > at + 5 and bool(tail[at + 5] & 0x04)


def truncation_note(name: str, decoded: int, declared: int | None, sample_rate: int) -> str | None:
    """A warning text when ``decoded`` falls short of what the header declared, else None."""
    if declared == -1:
        return f"{name} ends without its Ogg end-of-stream page: the file looks truncated"
    if declared is not None and decoded < declared:
        return (f"{name} decoded to {decoded / sample_rate:.2f}s but its header says "
                f"{declared / sample_rate:.2f}s: the file looks truncated")
    return None


def check_float_peak(name: str, x: np.ndarray, *, normalize: bool) -> tuple[np.ndarray, str | None]:
    """Refuse (or, when asked, scale down) float audio peaking far beyond full scale."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if not np.isfinite(peak):
        raise ToolInputError(f"{name} holds NaN or infinite samples; re-export it")
    if peak <= MAX_FLOAT_PEAK:
        return x, None
    if not normalize:
        raise ToolInputError(f"{name} peaks at {peak:.1f} ({20 * np.log10(peak):+.0f} dBFS), far beyond full scale "
                             f"(limit {MAX_FLOAT_PEAK:g}); it is probably a broken float export. Re-export it, or "
                             "load it with normalise (normalize=True) to scale it to peak 1.0")
    return (x / peak).astype(np.float32), f"normalised from peak {peak:.1f} to 1.0"
