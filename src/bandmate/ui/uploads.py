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
MAX_UPLOAD_MIN = 20  # as core.audio_io's load limit: the studio says it in minutes, before decoding


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
        for (name, _), p in zip(files, paths, strict=True):
            check_header(p, name)
            load(p)  # decode every file now: a damaged body fails here, before any session exists
        if kind == "recording":
            return new_session_from_files(store, audio=paths[0], name=Path(files[0][0]).stem)
        return new_session_from_files(store, stems_dir=tmp, name="stems: " + ", ".join(p.stem for p in paths))


def check_header(path: Path, name: str) -> None:
    """Refuse, from the header alone, what the studio cannot open: not audio, > 2 channels, too long."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as err:  # libsndfile's reason is terse: say what the file should have been
        raise ToolInputError(f"{name} is not readable audio ({str(err).strip()}); it may be damaged, or another "
                             f"kind of file renamed to {Path(name).suffix}. Export it again as "
                             f"{', '.join(AUDIO)}") from err
    if info.channels > 2:
        raise ToolInputError(f"{name} has {info.channels} channels; the studio opens mono or stereo recordings. "
                             "Export a stereo mix, or each channel as its own stem and upload them together")
    minutes = info.duration / 60
    if minutes > MAX_UPLOAD_MIN:
        length = f"{minutes / 60:.1f} hours" if minutes >= 90 else f"{minutes:.0f} minutes"
        raise ToolInputError(f"{name} lasts {length}; the studio opens recordings up to {MAX_UPLOAD_MIN} "
                             "minutes. Trim it to the part you want to work on")


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
