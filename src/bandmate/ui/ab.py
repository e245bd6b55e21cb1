"""A/B: two versions of the mix or a stem, loudness-matched so that louder does not win by default.

Timbre edits get a spectrum-difference plot (B − A, both matched); level and dynamics edits get the
before/after numbers (loudness, peak, RMS, crest) measured on the unmatched audio, since the level
change is the point of those edits.
"""

from __future__ import annotations

import streamlit as st

from bandmate.ui import media, players, state

TIMBRE = {"eq", "saturation", "chorus", "reverb", "delay", "stereo_width", "pitch_shift", "replace_stem"}
LEVEL = {"gain", "compressor", "limiter", "fade", "mix", "remove_stem", "add_stem"}


def default_pair(session, turns) -> tuple[int, int]:
    """The last edit's before/after, else the head's parent and the head."""
    for t in reversed(turns):
        if t.changed and t.version_before is not None:
            return t.version_before, t.version_after
    head = session.head
    return (head.parent or head.id), head.id


def tools_between(session, a: int, b: int) -> set[str]:
    """Tools of the versions from ``b`` back to (not including) ``a`` along the parents."""
    tools, v = set(), session.version(b)
    for _ in range(200):
        if v.id == a or v.parent is None:
            break
        tools.add(str(v.step.get("tool", "")))
        v = session.version(v.parent)
    return tools


@st.cache_data(show_spinner=False, max_entries=128)
def _facts(store_home: str, key: str) -> dict:
    """One clip's numbers and spectrum, kept per stored clip: a new edit measures only its new version."""
    clip = state.resources().store.clip(key)
    freqs, spectrum = media.band_spectrum_db(clip)
    return {"numbers": media.level_numbers(clip), "freqs": freqs.tolist(), "spectrum": spectrum.tolist()}


def _analysis(store_home: str, key_a: str, key_b: str) -> dict:
    import numpy as np

    fa, fb = _facts(store_home, key_a), _facts(store_home, key_b)
    la, lb = fa["numbers"]["loudness (LUFS)"], fb["numbers"]["loudness (LUFS)"]
    ga, gb = media.matching_gains_db(la, lb)
    diff = (np.asarray(fb["spectrum"]) + gb) - (np.asarray(fa["spectrum"]) + ga)
    return {"gain_a": ga, "gain_b": gb, "lufs_a": la, "lufs_b": lb, "freqs": fa["freqs"], "diff": diff.tolist(),
            "num_a": fa["numbers"], "num_b": fb["numbers"]}


def panel(turns) -> None:
    session = state.session()
    if session is None or len(session.history()) < 2:
        st.caption("A/B needs two versions: make an edit first.")
        return
    ids = [v.id for v in session.history()]
    da, db = default_pair(session, turns)
    ss = st.session_state
    if ss.get("_ab_default") != (session.id, da, db):  # a new edit (or session): A/B that edit again
        ss["ab-a"], ss["ab-b"], ss._ab_default = da, db, (session.id, da, db)
    c1, c2, c3 = st.columns(3)
    a = c1.selectbox("A (before)", ids, key="ab-a")
    b = c2.selectbox("B (after)", ids, key="ab-b")
    va, vb = session.version(a), session.version(b)
    targets = ["mix", *[n for n in vb.stems if n in va.stems]]
    target = c3.selectbox("Listen to", targets, key="ab-target")
    key_a = va.mix if target == "mix" else va.stems[target]
    key_b = vb.mix if target == "mix" else vb.stems[target]
    r = _analysis(str(session.store.home), key_a, key_b)
    res = state.resources()
    ta = res.publisher.track(res.store, key_a, "A", r["gain_a"])
    tb = res.publisher.track(res.store, key_b, "B", r["gain_b"])
    players.ab_player(ta, tb, key=f"ab-{a}-{b}-{target}")
    st.caption(f"Loudness-matched: A {r['lufs_a']:.1f} LUFS ({r['gain_a']:+.1f} dB), "
               f"B {r['lufs_b']:.1f} LUFS ({r['gain_b']:+.1f} dB). Switch with the A/B buttons or the A and B keys; "
               "the playhead stays put.")
    tools = tools_between(session, a, b)
    if tools & LEVEL or not tools & TIMBRE:
        _numbers(r)
    if tools & TIMBRE or not tools & LEVEL:
        _spectrum(r)


def _numbers(r: dict) -> None:
    import pandas as pd

    rows = [{"measure": k, "A": round(r["num_a"][k], 2), "B": round(r["num_b"][k], 2),
             "B − A": round(r["num_b"][k] - r["num_a"][k], 2)} for k in r["num_a"]]
    st.markdown("**Before / after** (unmatched)")
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)


def _spectrum(r: dict) -> None:
    # A plain Vega-Lite spec: building the same chart through Altair costs ~40 ms of CPU on every rerun.
    values = [{"frequency (Hz)": round(f, 1), "B − A (dB)": round(d, 2)} for f, d in zip(r["freqs"], r["diff"],
                                                                                         strict=True)]
    x = {"field": "frequency (Hz)", "type": "quantitative", "scale": {"type": "log", "domain": [30, 16000]}}
    y = {"field": "B − A (dB)", "type": "quantitative"}
    spec = {"height": 180, "data": {"values": values}, "layer": [
        {"mark": {"type": "rule", "color": "#666"}, "encoding": {"y": {"datum": 0}}},
        {"mark": {"type": "line", "color": "#f2a03d", "strokeWidth": 2},
         "encoding": {"x": x, "y": y, "tooltip": [{"field": "frequency (Hz)"}, {"field": "B − A (dB)"}]}}]}
    st.markdown("**Spectrum difference** (B − A, loudness-matched)")
    st.vega_lite_chart(spec, use_container_width=True)
