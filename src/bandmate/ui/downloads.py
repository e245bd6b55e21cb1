"""Downloads of the current version: the mix (WAV), the stems (zip), the MIDI (zip) and the history (JSON)."""

from __future__ import annotations

import io
import json
import zipfile

import streamlit as st

from bandmate.ui import state


def _wav(clip) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, clip.samples.T, clip.sample_rate, format="WAV", subtype="PCM_24")
    return buf.getvalue()


@st.cache_data(show_spinner=False, max_entries=32)
def _files(session_id: str, version_id: int, _home: str) -> dict[str, bytes]:
    from bandmate.memory.session import Session

    s = Session(state.resources().store, session_id)
    v = s.version(version_id)
    out = {"mix": _wav(s.mix(v.id))}
    if v.stems:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, clip in s.stems(v.id).items():
                z.writestr(f"{name}.wav", _wav(clip))
        out["stems"] = buf.getvalue()
    midi = {a.split(":", 1)[1]: k for a, k in v.assets.items() if a.startswith("midi:")}
    if midi:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, key in midi.items():
                z.writestr(f"{name}.mid", s.store.blobs.get_bytes(key))
        out["midi"] = buf.getvalue()
    return out


def history_json(session) -> bytes:
    info = session.store.info(session.id)
    return json.dumps({"session": session.id, "name": info.name, "head": info.head,
                       "versions": [v.to_json() for v in session.history()]}, indent=2).encode()


def panel() -> None:
    session = state.session()
    if session is None:
        st.caption("Nothing to download yet.")
        return
    v = session.head
    files = _files(session.id, v.id, str(session.store.home))
    base = f"bandmate-{session.id}-v{v.id}"
    st.download_button("Mix (WAV)", files["mix"], f"{base}-mix.wav", "audio/wav", key="dl-mix",
                       use_container_width=True, icon="🎚️")
    if "stems" in files:
        st.download_button(f"Stems (zip: {', '.join(v.stems)})", files["stems"], f"{base}-stems.zip",
                           "application/zip", key="dl-stems", use_container_width=True, icon="🗂️")
    if "midi" in files:
        st.download_button("MIDI (zip)", files["midi"], f"{base}-midi.zip", "application/zip", key="dl-midi",
                           use_container_width=True, icon="🎹")
    st.download_button("History (JSON)", history_json(session), f"bandmate-{session.id}-history.json",
                       "application/json", key="dl-history", use_container_width=True, icon="🕘")
