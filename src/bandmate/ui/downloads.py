"""Downloads of the current version: the mix (WAV), the stems (zip), the MIDI (zip) and the history (JSON)."""

from __future__ import annotations

import io
import json
import zipfile
from functools import partial

import streamlit as st

from bandmate.ui import state


def _wav(clip) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, clip.samples.T, clip.sample_rate, format="WAV", subtype="PCM_24")
    return buf.getvalue()


# The files are built when the button is pressed (Streamlit calls these then), not on every new version:
# encoding a mix and zipping its stems costs seconds, which each turn would otherwise pay.
def mix_wav(store, session_id: str, version_id: int) -> bytes:
    return _wav(store.clip(store.version(session_id, version_id).mix))


def stems_zip(store, session_id: str, version_id: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:  # WAV barely deflates; storing is instant
        for name, key in store.version(session_id, version_id).stems.items():
            z.writestr(f"{name}.wav", _wav(store.clip(key)))
    return buf.getvalue()


def midi_assets(version) -> dict[str, str]:
    return {a.split(":", 1)[1]: k for a, k in version.assets.items() if a.startswith("midi:")}


def midi_zip(store, session_id: str, version_id: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, key in midi_assets(store.version(session_id, version_id)).items():
            z.writestr(f"{name}.mid", store.blobs.get_bytes(key))
    return buf.getvalue()


def history_json(session) -> bytes:
    info = session.store.info(session.id)
    return json.dumps({"session": session.id, "name": info.name, "head": info.head,
                       "versions": [v.to_json() for v in session.history()]}, indent=2).encode()


def panel() -> None:
    session = state.session()
    if session is None:
        st.caption("Nothing to download yet.")
        return
    v, store = session.head, session.store
    base = f"bandmate-{session.id}-v{v.id}"
    st.download_button("Mix (WAV)", partial(mix_wav, store, session.id, v.id), f"{base}-mix.wav", "audio/wav",
                       key="dl-mix", use_container_width=True, icon="🎚️")
    if v.stems:
        st.download_button(f"Stems (zip: {', '.join(v.stems)})", partial(stems_zip, store, session.id, v.id),
                           f"{base}-stems.zip", "application/zip", key="dl-stems", use_container_width=True,
                           icon="🗂️")
    if midi_assets(v):
        st.download_button("MIDI (zip)", partial(midi_zip, store, session.id, v.id), f"{base}-midi.zip",
                           "application/zip", key="dl-midi", use_container_width=True, icon="🎹")
    st.download_button("History (JSON)", history_json(session), f"bandmate-{session.id}-history.json",
                       "application/json", key="dl-history", use_container_width=True, icon="🕘")
