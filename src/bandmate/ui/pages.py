"""The two side pages: this profile's corrections (list, forget) and the settings (LLM, backends)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import streamlit as st

from bandmate.ui import bridge, state


def corrections_page() -> None:
    ss = st.session_state
    st.header("What your words mean to you")
    st.caption(f"Corrections stored for the profile **{ss.profile}** (choose another name in the sidebar). "
               "Bandmate uses them when it reads your requests; other people never see them.")
    res = state.resources()
    if not res.agent_ready:
        st.info("The knowledge base is still loading (once per server); this page fills in a moment.")
        if st.button("Refresh", key="corr-refresh"):
            st.rerun()
        return
    kb = res.base_agent().kb
    items = bridge.corrections(kb, ss.profile)
    if not items:
        st.write("No corrections yet. When a reply isn't what you meant, press **Not what I meant** under it.")
        return
    for c in items:
        left, right = st.columns([5, 1], vertical_alignment="center")
        when = dt.datetime.fromtimestamp(c.created_at).strftime("%Y-%m-%d %H:%M")
        left.markdown(f"**{c.word}** → {c.meaning}  \n<small>{when}</small>", unsafe_allow_html=True)
        if right.button("Forget", key=f"forget-{c.word}", help=f"Forget what you said “{c.word}” means"):
            bridge.forget_correction(kb, ss.profile, c.word)
            st.toast(f"Forgot “{c.word}”.")
            st.rerun()


def backend_rows(settings, versions) -> list[dict]:
    """Which backend each model-backed tool uses: as configured, and as last recorded in this session."""
    from bandmate.tools.analyze import choose_backend

    try:
        analyzer = choose_backend("auto", settings.analyzer)
    except Exception as err:  # an unknown BANDMATE_ANALYZER value: show it, don't crash the page
        analyzer = f"invalid ({err})"
    from bandmate.tools.backends.render import engine_name

    configured = {"generate": f"{settings.generator} → {engine_name(settings)}",
                  "continuation / inpaint": settings.generator, "separate / extract_stem": settings.separator,
                  "analyze": analyzer, "planner": st.session_state.planner}
    used: dict[str, str] = {}
    for v in versions:
        r = v.step.get("result") or {}
        b = r.get("backend") or r.get("engine")
        if b:
            used[str(v.step.get("tool"))] = str(b) + (f" / {r['engine']}" if r.get("engine") not in (None, b) else "")
    rows = [{"tool": k, "configured now": val, "last used in this session": next(
        (u for t, u in used.items() if t in k), "—")} for k, val in configured.items()]
    return rows


def settings_page() -> None:
    ss = st.session_state
    st.header("Settings")
    s = state.settings()
    with st.form("settings-form"):
        st.subheader("Planner")
        planner = st.radio("Planner", ["offline", "llm"], index=["offline", "llm"].index(ss.planner),
                           horizontal=True, help="offline: built-in parser + lexicon; llm: an OpenAI-compatible endpoint")
        url = st.text_input("LLM endpoint (OpenAI-compatible base URL)", value=s.openai_base_url or "",
                            placeholder="http://localhost:8000/v1")
        model = st.text_input("LLM model", value=s.llm_model or "", placeholder="e.g. a local instruct model")
        key = st.text_input("API key", value=s.openai_api_key or "", type="password")
        st.subheader("Model backends")
        gen = st.selectbox("Generator", ["symbolic", "musicgen"], index=["symbolic", "musicgen"].index(
            s.generator if s.generator in ("symbolic", "musicgen") else "symbolic"))
        sep = st.selectbox("Separator", ["dsp", "demucs"], index=["dsp", "demucs"].index(
            s.separator if s.separator in ("dsp", "demucs") else "dsp"))
        ana = st.selectbox("Analyzer", ["auto", "madmom", "librosa"], index=["auto", "madmom", "librosa"].index(
            s.analyzer if s.analyzer in ("auto", "madmom", "librosa") else "auto"))
        if st.form_submit_button("Save for this tab", type="primary"):
            if planner == "llm" and not model:
                st.error("The LLM planner needs a model name (and usually an endpoint).")
            else:
                ss.planner = planner
                ss.settings = dataclasses.replace(s, openai_base_url=url or None, llm_model=model or None,
                                                  openai_api_key=key or None, generator=gen, separator=sep,
                                                  analyzer=ana)
                st.success("Saved. They apply to your next request in this tab.")
    session = state.session()
    st.subheader("Which backend each tool uses")
    st.dataframe(backend_rows(state.settings(), session.history() if session else []), hide_index=True,
                 use_container_width=True)
    st.caption("Defaults come from the environment (BANDMATE_GENERATOR, BANDMATE_SEPARATOR, BANDMATE_ANALYZER, "
               "BANDMATE_LLM_MODEL, OPENAI_BASE_URL); changes here apply to this browser tab only.")
