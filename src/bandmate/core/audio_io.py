"""Reading and writing audio files as Clips.

WAV, FLAC, OGG/Vorbis and MP3 through soundfile (libsndfile). A file keeps its own sample rate and
channel count unless the caller asks for another rate (resampled with soxr, a high-quality polyphase
resampler) or channel count; nothing is changed silently.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from bandmate.core.clip import MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, Clip
from bandmate.core.errors import ToolInputError

FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".mp3": "MP3"}
DEFAULT_MAX_DURATION_S = 20 * 60.0


class AudioWarning(UserWarning):
    """A file loaded, but not exactly as its header described (e.g. truncated)."""


def resample(clip: Clip, sample_rate: int) -> Clip:
    """Resample to ``sample_rate`` Hz with soxr (very high quality)."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) \
            or not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise ToolInputError(f"cannot resample to {sample_rate!r}; expected an integer rate in Hz within "
                             f"{MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE}, e.g. 44100")
    if sample_rate == clip.sample_rate:
        return clip
    import soxr

    out = soxr.resample(clip.samples.T, clip.sample_rate, sample_rate, quality="VHQ").T
    return Clip(np.ascontiguousarray(out, np.float32), sample_rate,
                (*clip.provenance, f"resample {clip.sample_rate}->{sample_rate} Hz"))


def load(path: str | Path, *, sample_rate: int | None = None, channels: int | None = None,
         max_duration_s: float = DEFAULT_MAX_DURATION_S, normalize: bool = False) -> Clip:
    """Read an audio file. Resamples or changes channel count only when asked to.

    Refused before decoding: files over the frame cap or the memory estimate (``audio_checks``). After
    decoding: float audio peaking far beyond full scale is refused unless ``normalize=True`` scales it
    to peak 1.0. A file that decodes shorter than its header says loads with an ``AudioWarning`` and a
    ``warning: ...`` entry in the clip's provenance.
    """
    import soundfile as sf

    from bandmate.core import audio_checks as checks

    p = Path(path)
    if not p.is_file():
        raise ToolInputError(f"audio file {str(p)!r} does not exist or is not a file")
    if p.suffix.lower() not in FORMATS:
        raise ToolInputError(f"unsupported audio type {p.suffix!r} for {p.name}; expected one of "
                             f"{', '.join(FORMATS)}")
    try:
        info = sf.info(str(p))
    except Exception as err:  # libsndfile's messages are terse; say what we expected
        raise ToolInputError(f"cannot read {p.name} as audio ({err}); expected a valid "
                             f"{', '.join(FORMATS)} file") from err
    if info.frames <= 0:
        raise ToolInputError(f"{p.name} holds no audio frames")
    if info.duration > max_duration_s:
        raise ToolInputError(f"{p.name} lasts {info.duration:.0f}s, over the {max_duration_s:.0f}s limit; "
                             "trim it first or raise max_duration_s")
    checks.decode_budget(p.name, info.frames, info.channels, info.samplerate)
    if channels is not None and channels not in (1, 2):
        raise ToolInputError(f"channels={channels!r} is not supported; expected 1 (mono) or 2 (stereo)")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except Exception as err:  # a valid header over a damaged body fails only here
        raise ToolInputError(f"cannot decode {p.name} ({err}); the file looks damaged") from err
    x, normalised = checks.check_float_peak(p.name, data.T, normalize=normalize)
    notes = [f"file:{p.name}", *([normalised] if normalised else [])]
    short = checks.truncation_note(p.name, x.shape[1], checks.declared_frames(p), sr)
    if short:
        warnings.warn(short, AudioWarning, stacklevel=2)
        notes.append(f"warning: {short}")
    if x.shape[0] > MAX_CHANNELS and channels is None:
        raise ToolInputError(f"{p.name} has {x.shape[0]} channels; Bandmate works in mono or stereo. "
                             "Pass channels=2 to downmix explicitly")
    if x.shape[0] > MAX_CHANNELS:
        x = np.stack([x[0::2].mean(axis=0), x[1::2].mean(axis=0)])
    clip = Clip(x, sr, tuple(notes))
    if channels is not None:
        clip = clip.with_channels(channels)
    if sample_rate is not None:
        clip = resample(clip, sample_rate)
    return clip


def save(clip: Clip, path: str | Path, *, subtype: str | None = None) -> Path:
    """Write ``clip`` to ``path``; the format follows the extension. Written atomically."""
    import soundfile as sf

    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise ToolInputError(f"cannot write {p.suffix!r}; expected one of {', '.join(FORMATS)}")
    p.parent.mkdir(parents=True, exist_ok=True)
    if subtype is None:
        subtype = {"WAV": "FLOAT", "FLAC": "PCM_24", "OGG": "VORBIS", "MP3": "MPEG_LAYER_III"}[fmt]
    data = clip.samples.T
    if subtype.startswith("PCM") or fmt in ("OGG", "MP3"):
        data = np.clip(data, -1.0, 1.0)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        sf.write(str(tmp), data, clip.sample_rate, format=fmt, subtype=subtype)
    except Exception as err:  # e.g. MP3 only takes rates up to 48 kHz; say so and leave no debris
        tmp.unlink(missing_ok=True)
        raise ToolInputError(f"cannot write {clip!r} as {fmt}/{subtype} ({err}); resample it or choose "
                             "another format (.wav and .flac take any rate)") from err
    tmp.replace(p)
    return p
