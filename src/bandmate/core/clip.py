"""The one audio type.

Conventions: samples are float32 shaped ``(channels, frames)`` with 1 or 2 channels; ``sample_rate`` is
in Hz (8 kHz to 192 kHz); ``provenance`` is a tuple of short strings, oldest first, saying where the
audio came from and what was done to it. A Clip is immutable: operations return new clips.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bandmate.core.errors import ToolInputError

MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000
MAX_CHANNELS = 2


def _small_pages() -> None:
    """Ask numpy not to back big arrays with transparent huge pages (unless ``NUMPY_MADVISE_HUGEPAGE`` says).

    Every edit allocates several fresh clip-sized arrays (a 30 s stereo stem is 10 MB). With huge pages each
    one waits for the kernel to find and zero 2 MB pages, which on a loaded or memory-ballooned machine
    costs far more than the arithmetic: the warm edit turn ran ~25% slower with them
    (``benchmarks/RESULTS.md``). Only speed changes, never a value.
    """
    import os

    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # another numpy layout: keep its default
        return
    _set_madvise_hugepage(False)


_small_pages()


@dataclass(frozen=True, eq=False)
class Clip:
    samples: np.ndarray
    sample_rate: int
    provenance: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        x = self.samples
        if not isinstance(x, np.ndarray):
            raise ToolInputError(f"Clip samples must be a numpy array, got {type(x).__name__}")
        if x.ndim != 2:
            hint = " (use Clip.mono(samples, sr) for a 1-D signal)" if x.ndim == 1 else ""
            raise ToolInputError(f"Clip samples must be shaped (channels, frames), got shape {x.shape}{hint}")
        channels, frames = x.shape
        if not 1 <= channels <= MAX_CHANNELS:
            flipped = " — did you pass (frames, channels)? transpose it" if frames in (1, 2) else ""
            raise ToolInputError(f"Clip needs 1 or 2 channels, got {channels}{flipped}")
        if frames == 0:
            raise ToolInputError("Clip is empty: 0 frames; expected at least one sample per channel")
        if isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate, (int, np.integer)):
            raise ToolInputError(f"sample_rate must be an integer in Hz, got {self.sample_rate!r}")
        if not MIN_SAMPLE_RATE <= int(self.sample_rate) <= MAX_SAMPLE_RATE:
            raise ToolInputError(
                f"sample_rate {self.sample_rate} Hz is outside {MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE} Hz"
            )
        if not np.issubdtype(x.dtype, np.floating):
            raise ToolInputError(f"Clip samples must be floating point, got dtype {x.dtype}")
        x32 = np.ascontiguousarray(x, dtype=np.float32)
        if not np.isfinite(x32).all():
            bad = int((~np.isfinite(x32)).sum())
            raise ToolInputError(f"Clip contains {bad} NaN/inf samples; expected finite audio")
        x32.setflags(write=False)
        object.__setattr__(self, "samples", x32)
        object.__setattr__(self, "sample_rate", int(self.sample_rate))
        prov = (self.provenance,) if isinstance(self.provenance, str) else tuple(self.provenance)
        object.__setattr__(self, "provenance", prov)

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def mono(cls, samples: np.ndarray, sample_rate: int, provenance: str = "array") -> Clip:
        return cls(np.asarray(samples, dtype=np.float32)[None, :], sample_rate, (provenance,))

    @classmethod
    def silence(cls, duration_s: float, sample_rate: int, channels: int = 2) -> Clip:
        frames = max(1, round(duration_s * sample_rate))
        return cls(np.zeros((channels, frames), np.float32), sample_rate, ("silence",))

    # ---- properties ---------------------------------------------------------------------------
    @property
    def channels(self) -> int:
        return self.samples.shape[0]

    @property
    def frames(self) -> int:
        return self.samples.shape[1]

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    def __repr__(self) -> str:
        origin = self.provenance[-1] if self.provenance else "?"
        return f"Clip({self.channels}ch, {self.duration_s:.3f}s @ {self.sample_rate} Hz, from {origin!r})"

    # ---- derivation ---------------------------------------------------------------------------
    def replace(self, samples: np.ndarray, step: str, sample_rate: int | None = None) -> Clip:
        """A new clip with other samples, recording ``step`` in the provenance."""
        return Clip(samples, sample_rate or self.sample_rate, (*self.provenance, step))

    def to_mono(self) -> np.ndarray:
        """The channel average as a 1-D float32 array (for analysis, not for storage)."""
        return self.samples.mean(axis=0)

    def with_channels(self, channels: int) -> Clip:
        """Duplicate mono to stereo or average stereo to mono; explicit, never implicit."""
        if channels not in (1, 2):
            raise ToolInputError(f"cannot make {channels!r} channels; expected 1 (mono) or 2 (stereo)")
        if channels == self.channels:
            return self
        if channels == 2:
            return self.replace(np.repeat(self.samples, 2, axis=0), "mono->stereo")
        return self.replace(self.samples.mean(axis=0, keepdims=True), "stereo->mono")

    def frame_at(self, time_s: float) -> int:
        return int(round(time_s * self.sample_rate))

    def slice_s(self, start_s: float, end_s: float | None = None) -> Clip:
        end = self.frames if end_s is None else min(self.frames, self.frame_at(end_s))
        start = max(0, self.frame_at(start_s))
        if end <= start:
            raise ToolInputError(
                f"empty range {start_s:.3f}–{end_s}s in a clip of {self.duration_s:.3f}s"
            )
        return self.replace(self.samples[:, start:end], f"slice {start_s:.3f}-{end / self.sample_rate:.3f}s")

    def padded(self, frames: int) -> np.ndarray:
        """Samples zero-padded (or cut) to ``frames`` frames."""
        if frames <= self.frames:
            return self.samples[:, :frames]
        out = np.zeros((self.channels, frames), np.float32)
        out[:, : self.frames] = self.samples
        return out

    def peak(self) -> float:
        return float(np.abs(self.samples).max())
