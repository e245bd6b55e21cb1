"""What the studio keeps: per server process (store, knowledge base, models) and per browser tab.

``resources()`` is cached with ``st.cache_resource``: one store, one transcript folder, one audio
publisher and one agent per server process. The agent (knowledge base + embedding model, ~20 s on 2
cores) is built on a background thread the first time anyone opens the page, so the page itself is
interactive at once; a turn waits for it only if it is still loading. Everything about one person
(profile, open session, selected region, the agent holding their corrections) lives in
``st.session_state``, which Streamlit keeps per browser tab.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from bandmate.core.settings import Settings
from bandmate.memory.session import Session
from bandmate.memory.store import Store, default_home
from bandmate.ui import bridge
from bandmate.ui.media import Publisher
from bandmate.ui.transcript import Transcripts

PROFILE_RE = r"^[\w .-]{1,32}$"


@dataclass
class Resources:
    store: Store
    transcripts: Transcripts
    publisher: Publisher
    agent_future: Future
    turns: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(4, "bandmate-turn"))

    def base_agent(self, timeout: float | None = None):
        return self.agent_future.result(timeout=timeout)

    @property
    def agent_ready(self) -> bool:
        return self.agent_future.done()


def _build(store: Store):
    from bandmate.agent.factory import build_agent

    return build_agent(store)


@st.cache_resource(show_spinner=False)
def _resources(home: str) -> Resources:
    store = Store(home)
    loader = ThreadPoolExecutor(1, "bandmate-load")
    return Resources(store, Transcripts(home), Publisher(home), loader.submit(_build, store))


def resources() -> Resources:
    home = os.environ.get("BANDMATE_HOME") or str(default_home())
    return _resources(str(Path(home).expanduser()))


# ---- per browser tab --------------------------------------------------------------------------------
DEFAULTS = {"profile": "guest", "session_id": None, "seen_head": None, "region": None, "notice": None,
            "correcting": None, "planner": "offline", "settings": None, "agents": {}, "ab_pick": None,
            "running": None}


def init() -> None:
    ss = st.session_state
    for k, v in DEFAULTS.items():
        if k not in ss:
            ss[k] = v.copy() if isinstance(v, dict) else v
    sid = st.query_params.get("session")
    if ss.session_id is None and sid:
        open_session(sid)


def session() -> Session | None:
    sid = st.session_state.session_id
    return Session(resources().store, sid) if sid else None


def open_session(sid: str | None) -> None:
    ss = st.session_state
    if sid is None:
        ss.session_id, ss.seen_head = None, None
        st.query_params.pop("session", None)
    else:
        try:
            ss.seen_head = resources().store.info(sid).head
        except Exception:  # an old link to a session that is gone: start fresh, say so
            ss.notice = ("warning", f"Session {sid!r} was not found; starting a new one.")
            return open_session(None)
        ss.session_id = sid
        st.query_params["session"] = sid
    ss.region, ss.correcting, ss.ab_pick = None, None, None


def settings() -> Settings:
    return st.session_state.settings or Settings.from_env()


def agent(timeout: float | None = None):
    """This tab's agent: the shared one's knowledge and models, this profile's corrections."""
    ss = st.session_state
    key = (ss.profile, ss.planner, repr(ss.settings))
    if key not in ss.agents:
        base = resources().base_agent(timeout)
        ss.agents[key] = bridge.agent_for(base, user=ss.profile, settings=ss.settings, planner=ss.planner,
                                          store=resources().store)
    return ss.agents[key]


def head_moved() -> int | None:
    """The head another tab moved this session to, if it moved since this tab last looked."""
    ss = st.session_state
    if ss.session_id is None:
        return None
    head = resources().store.info(ss.session_id).head
    return head if ss.seen_head is not None and head != ss.seen_head else None


def saw_head() -> None:
    ss = st.session_state
    if ss.session_id is not None:
        ss.seen_head = resources().store.info(ss.session_id).head
