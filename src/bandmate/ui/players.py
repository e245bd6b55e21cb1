"""Players: the mix of a version with its timeline, the stems with mute/solo/level, and the A/B pair.

All are one small component of our own (``components/player``), served from ``<home>/studio/www``
next to the audio it plays. Its only value back to Python is the selected region (seconds), which the
chat uses as the next request's range.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from bandmate.ui import media, state


@st.cache_resource(show_spinner=False)
def _component(www: str):
    return components.declare_component("bandmate_player", path=www)


def _player(player_id: str, mode: str, tracks: list[media.Track], timeline: dict | None, *, key: str,
            region=None, height: int = 200):
    comp = _component(str(state.resources().publisher.www))
    return comp(id=player_id, mode=mode, tracks=[t.to_json() for t in tracks], timeline=timeline, region=region,
                key=key, default=None, height=height)


def version_tracks(session, version_id: int | None = None) -> tuple[list[media.Track], list[media.Track]]:
    """(mix track, stem tracks) of a version, published for the browser."""
    res = state.resources()
    v = session.version(version_id)
    mix = [res.publisher.track(res.store, v.mix, "mix")]
    stems = [res.publisher.track(res.store, k, n) for n, k in v.stems.items()]
    return mix, stems


def mix_player(session, version_id: int | None = None, *, key: str, with_region: bool = True) -> None:
    """Waveform + playhead + region + chord/beat/section lanes for one version's mix."""
    v = session.version(version_id)
    mix, _ = version_tracks(session, v.id)
    tl = media.timeline(v.state, media.duration_s(session.store, v.mix))
    value = _player(f"{key}-v{v.id}", "mix", mix, tl, key=key, height=215,
                    region=st.session_state.region if with_region else None)
    if with_region and isinstance(value, dict) and "region" in value:
        region = value["region"]
        if region != st.session_state.region:
            st.session_state.region = region
            st.rerun()


def stem_player(session, version_id: int | None = None, *, key: str) -> None:
    v = session.version(version_id)
    _, stems = version_tracks(session, v.id)
    if not stems:
        st.caption("This version has no stems yet: ask for a part by name (e.g. “the bass is too boomy”) and "
                   "Bandmate separates the mix first.")
        return
    _player(f"{key}-stems-v{v.id}", "stems", stems, None, key=key, height=150 + 36 * len(stems))


def ab_player(a: media.Track, b: media.Track, *, key: str) -> None:
    _player(key, "ab", [a, b], None, key=key, height=175)
