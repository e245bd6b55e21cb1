"""Audio in and out of the MCP server.

Out: every version's mix and stems are resources,
``bandmate://session/{id}/version/{n}/mix.wav`` and ``bandmate://session/{id}/version/{n}/stems/{name}.wav``
(``.flac`` too), optionally an excerpt with ``?start_s=..&end_s=..``, read through ``resources/read``
as a base64 blob (WAV: 32-bit float, exact; FLAC: 24-bit, clipped to full scale), at most
``MAX_RESOURCE_BYTES``. Tool results that make a version carry a ``resource_link`` to its mix.
In: ``session_new(audio_base64=...)`` takes base64 audio content up to ``MAX_BASE64_BYTES``.
"""

from __future__ import annotations

import base64
import binascii
import io
import tempfile
from pathlib import Path
from typing import Any

from bandmate.core.clip import Clip
from bandmate.core.errors import BandmateError, ToolInputError
from bandmate.memory.session import Session
from bandmate.memory.store import Store

MAX_RESOURCE_BYTES = 64 * 1024**2
MAX_BASE64_BYTES = 32 * 1024**2  # decoded size
MIME = {"wav": "audio/wav", "flac": "audio/flac"}
SUFFIX_OF_MIME = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/flac": ".flac", "audio/ogg": ".ogg",
                  "audio/mpeg": ".mp3"}


def audio_uri(session_id: str, version: int, target: str = "mix", fmt: str = "wav") -> str:
    path = "mix" if target == "mix" else f"stems/{target}"
    return f"bandmate://session/{session_id}/version/{version}/{path}.{fmt}"


def resource_link(session_id: str, version: int, target: str = "mix") -> Any:
    from mcp_types import ResourceLink

    return ResourceLink(type="resource_link", uri=audio_uri(session_id, version, target),
                        name=f"{session_id} v{version} {target}", mime_type="audio/wav",
                        description=f"The {target} of version {version} (WAV; .flac also works)")


def encode(clip: Clip, fmt: str, start_s: float | None = None, end_s: float | None = None) -> bytes:
    """``clip`` (or its excerpt) as WAV/FLAC bytes, refused past MAX_RESOURCE_BYTES."""
    import numpy as np
    import soundfile as sf

    a = 0 if start_s is None else clip.frame_at(max(0.0, float(start_s)))
    b = clip.frames if end_s is None else min(clip.frames, clip.frame_at(float(end_s)))
    if b <= a:
        raise ToolInputError(f"excerpt {start_s}–{end_s}s is empty; the audio lasts {clip.duration_s:.2f}s")
    data = clip.samples[:, a:b].T
    estimate = data.size * (4 if fmt == "wav" else 3)
    if estimate > MAX_RESOURCE_BYTES:
        raise ToolInputError(f"this audio would be ~{estimate / 1024**2:.0f} MB, over the "
                             f"{MAX_RESOURCE_BYTES / 1024**2:.0f} MB resource limit; ask for an excerpt "
                             "(?start_s=..&end_s=..) or .flac")
    buf = io.BytesIO()
    if fmt == "wav":
        sf.write(buf, data, clip.sample_rate, format="WAV", subtype="FLOAT")
    else:
        sf.write(buf, np.clip(data, -1.0, 1.0), clip.sample_rate, format="FLAC", subtype="PCM_24")
    return buf.getvalue()


def read_audio(store: Store, session_id: str, version: str, target: str, fmt: str,
               start_s: str | None, end_s: str | None) -> bytes:
    if not version.isdigit():
        raise ToolInputError(f"version must be a number, got {version[:20]!r}")
    session = Session(store, session_id)
    clip = session.mix(int(version)) if target == "mix" else session.stem(target, int(version))
    return encode(clip, fmt, _num(start_s, "start_s"), _num(end_s, "end_s"))


def _num(text: str | None, what: str) -> float | None:
    if text in (None, ""):
        return None
    try:
        return float(text)
    except ValueError:
        raise ToolInputError(f"{what} must be seconds, got {text[:20]!r}") from None


def add_audio_resources(server: Any, store: Store) -> None:
    from mcp.server.mcpserver.exceptions import ResourceError

    def guarded(fn):
        try:
            return fn()
        except BandmateError as err:
            raise ResourceError(f"{type(err).__name__}: {err}") from err

    base = "bandmate://session/{session_id}/version/{version}"
    for fmt in ("wav", "flac"):
        mix, stem = _readers(store, fmt, guarded)
        server.resource(f"{base}/mix.{fmt}{{?start_s,end_s}}", name=f"mix_{fmt}", mime_type=MIME[fmt],
                        description=f"A version's mix as {fmt.upper()} (optional excerpt in seconds)")(mix)
        server.resource(f"{base}/stems/{{name}}.{fmt}{{?start_s,end_s}}", name=f"stem_{fmt}", mime_type=MIME[fmt],
                        description=f"A version's stem as {fmt.upper()} (optional excerpt in seconds)")(stem)


def _readers(store: Store, fmt: str, guarded):
    def mix(session_id: str, version: str, start_s: str | None = None, end_s: str | None = None) -> bytes:
        return guarded(lambda: read_audio(store, session_id, version, "mix", fmt, start_s, end_s))

    def stem(session_id: str, version: str, name: str, start_s: str | None = None,
             end_s: str | None = None) -> bytes:
        return guarded(lambda: read_audio(store, session_id, version, name, fmt, start_s, end_s))

    return mix, stem


def decode_base64_audio(data: str, mime_type: str) -> Path:
    """Base64 audio content written to a private temp file (the caller deletes it); size-capped."""
    suffix = SUFFIX_OF_MIME.get(mime_type)
    if suffix is None:
        raise ToolInputError(f"audio_mime_type {mime_type[:40]!r} unsupported; use one of {', '.join(SUFFIX_OF_MIME)}")
    if len(data) > MAX_BASE64_BYTES * 4 // 3 + 4:
        raise ToolInputError(f"audio_base64 is over the {MAX_BASE64_BYTES / 1024**2:.0f} MB limit; put the file "
                             "under an allowed directory and pass audio_path instead")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ToolInputError("audio_base64 is not valid base64") from None
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="bandmate-upload-")
    with open(fd, "wb") as fh:
        fh.write(raw)
    return Path(name)
