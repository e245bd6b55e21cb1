"""Starting a session from uploads: one recording, a set of stems, or one MIDI file.

Every file is checked fully (header and decode, length, channels) before anything is created, so a
bad upload gives one clear message and leaves the open session exactly as it was. No Streamlit here
except in ``panel``.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from bandmate.core.errors import BandmateError, ToolInputError

AUDIO = (".wav", ".flac", ".mp3", ".ogg")
MIDI = (".mid", ".midi")
MAX_UPLOAD_MB = 200


def safe_name(name: str) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    clean = re.sub(r"[^\w-]+", "_", stem).strip("_")[:40] or "file"
    return clean + suffix


def classify(names: list[str]) -> str:
    """'recording' | 'stems' | 'midi', or a ToolInputError saying what was expected."""
    suffixes = [Path(n).suffix.lower() for n in names]
    bad = [n for n, s in zip(names, suffixes, strict=True) if s not in AUDIO + MIDI]
    if bad:
        raise ToolInputError(f"{', '.join(bad)}: not a file type Bandmate reads. Upload a recording "
                             f"({', '.join(AUDIO)}), a set of stems, or one MIDI file (.mid)")
    midi = [s in MIDI for s in suffixes]
    if any(midi):
        if len(names) > 1:
            raise ToolInputError("upload one MIDI file on its own (got it together with other files)")
        return "midi"
    return "recording" if len(names) == 1 else "stems"


def create_from_uploads(store, files: list[tuple[str, bytes]], *, settings=None, user: str = "default") -> str:
    """Check every file, then create one new session; returns its id. Raises ToolInputError."""
    from bandmate.core.audio_io import load
    from bandmate.surfaces.sessions import new_session_from_files

    if not files:
        raise ToolInputError("no file was uploaded")
    kind = classify([n for n, _ in files])
    with tempfile.TemporaryDirectory(prefix="bandmate-upload-") as tmp:
        paths = []
        for name, data in files:
            if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
                raise ToolInputError(f"{name} is {len(data) / 2**20:.0f} MB, over the {MAX_UPLOAD_MB} MB limit")
            if not data:
                raise ToolInputError(f"{name} is empty")
            p = Path(tmp) / safe_name(name)
            if p.exists():
                raise ToolInputError(f"two uploads are named {p.stem}; give each stem its own name")
            p.write_bytes(data)
            paths.append(p)
        if kind == "midi":
            from bandmate.ui.midi_import import session_from_midi

            return session_from_midi(store, paths[0], settings=settings, user=user,
                                     name=Path(files[0][0]).stem)
        for p in paths:  # decode every file now: a damaged body fails here, before any session exists
            load(p)
        if kind == "recording":
            return new_session_from_files(store, audio=paths[0], name=Path(files[0][0]).stem)
        return new_session_from_files(store, stems_dir=tmp, name="stems: " + ", ".join(p.stem for p in paths))


def panel(key: str = "upload") -> None:
    import streamlit as st

    from bandmate.ui import state

    files = st.file_uploader("Start from a file: a recording, a set of stems (select several), or a MIDI file",
                             type=[s.strip(".") for s in AUDIO + MIDI], accept_multiple_files=True, key=key,
                             help="WAV, FLAC, MP3 or OGG up to 20 minutes, mono or stereo; or one .mid file")
    if not files or not st.button("Open as a new session", key=f"{key}-go", type="primary"):
        return
    res = state.resources()
    try:
        with st.spinner("Reading and checking the upload…"):
            sid = create_from_uploads(res.store, [(f.name, f.getvalue()) for f in files],
                                      settings=state.settings(), user=st.session_state.profile)
    except BandmateError as err:
        st.session_state.notice = ("error", f"That upload can't be used, and nothing was changed: {err}")
        st.rerun()
    state.open_session(sid)
    st.session_state.notice = ("success", "Opened the upload as a new session. Ask for an edit, e.g. "
                               "“the bass is too boomy” or “what key is this in?”.")
    st.rerun()
