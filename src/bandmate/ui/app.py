"""Bandmate studio: the Streamlit page (``bandmate ui`` / ``make run`` serve this file).

Layout: the sidebar holds the profile, the session list, the upload box and the page switch; the
studio page has the conversation on the left and Listen / A/B / History / Download on the right,
which Streamlit stacks in a narrow window. Every request goes through ``Agent.turn`` (``chat.submit``).
"""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st

from bandmate.ui import ab, chat, downloads, history, pages, players, state, uploads

EXAMPLES = ("a dreamy lo-fi loop, 80 bpm", "an upbeat funk groove in E minor, 8 bars",
            "a slow ambient piece with pad and piano")
CSS = """<style>
[data-testid="stChatMessage"] { border: 1px solid rgba(255,255,255,0.06); border-radius: 10px; }
[data-testid="stSidebar"] h1 { font-size: 1.4rem; }
.bm-hint { color: #9aa0ab; font-size: 0.85rem; }
</style>"""


def sidebar() -> str:
    ss = st.session_state
    with st.sidebar:
        st.title("🎛️ Bandmate")
        name = st.text_input("Your name (profile)", value=ss.profile, key="profile-input",
                             help="Corrections are kept per profile name and never mixed between people")
        if name != ss.profile:
            if re.match(state.PROFILE_RE, name or ""):
                ss.profile = name.strip()
            else:
                st.error("Use 1–32 letters, digits, spaces, dots or dashes.")
        page = st.radio("Page", ["Studio", "Corrections", "Settings"], key="page", horizontal=True)
        _session_list()
        with st.expander("Start from a file", expanded=False):
            uploads.panel("upload-side")
        st.caption("Bandmate turns what you say into measured edits. Every version is kept.")
    return page


def _session_list() -> None:
    ss = st.session_state
    sessions = sorted(state.resources().store.list_sessions(), key=lambda s: -s.created_at)[:50]
    labels = {"": "➕ New session"}
    for s in sessions:
        when = dt.datetime.fromtimestamp(s.created_at).strftime("%b %d %H:%M")
        labels[s.id] = f"{s.name[:28]} · {when}"  # no version number: a turn later in this run moves it
    ids = list(labels)
    current = ss.session_id if ss.session_id in labels else ""
    # No key: the labels (new sessions) are part of the widget's identity, so when they change the box is
    # drawn afresh on the open session instead of keeping a stale list.
    picked = st.selectbox("Session", ids, index=ids.index(current), format_func=labels.get,
                          help="Every session is saved; pick one to reopen it")
    if picked != current:
        state.open_session(picked or None)
        st.rerun()


def notice() -> None:
    ss = st.session_state
    if ss.notice:
        kind, text = ss.notice
        getattr(st, kind)(text)
        ss.notice = None


def start_screen() -> None:
    st.subheader("What shall we make?")
    st.markdown("Describe a piece, or start from a recording, a set of stems or a MIDI file.")
    cols = st.columns(len(EXAMPLES))
    for i, (col, ex) in enumerate(zip(cols, EXAMPLES, strict=True)):
        if col.button(ex, key=f"example-{i}", use_container_width=True):
            st.session_state.pending = (ex, ex)
            st.rerun()
    uploads.panel("upload-main")


def side_panel(turns) -> None:
    session = state.session()
    listen, abtab, hist, dl = st.tabs(["🎧 Listen", "🅰🅱 A/B", "🌳 History", "⬇ Download"])
    with listen:
        head = session.head
        line = _state_line(head.state)
        st.markdown(f"**Version {head.id}**" + (f" · {line}" if line else ""))
        players.mix_player(session, key="main")
        region = st.session_state.region
        if region:
            st.markdown(f"<span class='bm-hint'>Region {region[0]:.2f}–{region[1]:.2f} s selected: your next "
                        "request (e.g. “quieter here”) applies to it.</span>", unsafe_allow_html=True)
            if st.button("Clear region", key="clear-region"):
                st.session_state.region = None
                st.rerun()
        else:
            st.markdown("<span class='bm-hint'>Drag on the waveform to select a region.</span>",
                        unsafe_allow_html=True)
        st.markdown("**Stems**")
        players.stem_player(session, key="stems")
    with abtab:
        ab.panel(turns)
    with hist:
        history.panel()
    with dl:
        downloads.panel()


def _state_line(s) -> str:
    bits = [s.key or "", f"{s.tempo_bpm:g} BPM" if s.tempo_bpm else "", s.time_signature if s.tempo_bpm else "",
            ", ".join(s.instrumentation)]
    return " · ".join(b for b in bits if b)


def studio() -> None:
    chat.run_pending()
    session = state.session()
    turns = chat.transcript()
    sent = (st.session_state.get("prompt") or "").strip()  # the chat box's request, if one was sent this run
    if session is None:
        chat.show(turns)
        start_screen()
    else:
        left, right = st.columns([11, 9], gap="medium")
        with left:
            st.markdown(f"#### {session.store.info(session.id).name}")
            if not turns and not sent:
                st.caption("Ask for a change, a question about the music, or “undo”.")
            chat.show(turns)
            if sent:  # run it below the conversation and draw its reply and the panel in this same run
                view = chat.send_here(*chat.with_region(sent))
                if view is None or view.session_id not in (None, session.id):
                    st.rerun()  # nothing was sent (another tab moved the session), or a new session began
                turns = chat.transcript()
        with right:
            side_panel(turns)
    prompt = st.chat_input("Describe what you want… (select a region and say “quieter here”)", key="prompt")
    if prompt and session is None:  # the first request makes the session: draw the studio around it
        chat.submit(*chat.with_region(prompt.strip()))
        st.rerun()


def main() -> None:
    st.set_page_config(page_title="Bandmate studio", page_icon="🎛️", layout="wide")
    st.html(CSS)
    state.init()
    chat.stop_interrupted()  # before anything is drawn from the store: the stopped turn leaves nothing
    page = sidebar()
    notice()
    if page == "Corrections":
        pages.corrections_page()
    elif page == "Settings":
        pages.settings_page()
    else:
        studio()


main()
