"""The conversation: each turn as understood → plan → measured → players, clarifications as buttons,
"not what I meant" as a short box; sending a request runs ``Agent.turn`` with staged progress.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import wait

import streamlit as st

from bandmate.ui import bridge, players, state

ICON = {"as intended": "✅", "too small to hear": "〰️", "went the wrong way": "⚠️", "not measured": "❔"}


# ---- sending ----------------------------------------------------------------------------------------
def with_region(request: str) -> tuple[str, str]:
    """(request for the agent, request as shown): a selected region becomes the request's range."""
    region = st.session_state.region
    if not region:
        return request, request
    a, b = region
    return f"{request} from {a:.2f}s to {b:.2f}s", f"{request}  ·  region {a:.2f}–{b:.2f} s"


def submit(request: str, shown: str | None = None) -> bridge.TurnView | None:
    """Run one turn for this tab, refusing to if another tab moved the session meanwhile."""
    res = state.resources()
    moved = state.head_moved()
    if moved is not None:
        st.session_state.notice = ("warning", f"This session was changed in another tab: it is now at version "
                                   f"{moved}. Nothing was sent, so no edit is lost. Have a listen, then send "
                                   f"“{shown or request}” again.")
        state.saw_head()
        return None
    session = state.session()
    cancel = threading.Event()
    # The turn starts before the status box is drawn: drawing one waits 50 ms (Streamlit's own pause so the
    # browser renders it before its first update), and the turn should not wait with it.
    future = _start(res, request, session, shown, cancel) if res.agent_ready else None
    with st.status("Working on it…", expanded=True) as status:
        if future is None:
            status.write("Loading the knowledge base and models (once per server)…")
            future = _start(res, request, session, shown, cancel)
        running = st.session_state.running = Running(future, cancel, shown or request, res)
        status.write("Understanding the request and planning…")
        stop = status.empty()
        stop.button("Stop", key="stop-turn", icon="⏹️", help="Stop this request: nothing it made is kept")
        try:
            _follow(future, session, status)
        except BaseException:  # a click (Stop, or anything else) or the toolbar's stop ended this page run
            running.stop()
            raise
        stop.empty()
        view = future.result()
        label = "Done" if not view.error else "Could not finish"
        status.update(label=f"{label} in {view.total_s:.1f} s", state="error" if view.error else "complete",
                      expanded=False)
    st.session_state.running = None
    record(view)
    return view


class Running:
    """A turn in flight for one tab. When its page run is cut short, whichever comes first (that run on its
    way out, or the next run) stops the turn, keeps its report in the transcript and leaves a notice."""

    def __init__(self, future, cancel: threading.Event, what: str, res):
        self.future, self.cancel, self.what, self.res = future, cancel, what, res
        self._claimed, self._lock = False, threading.Lock()

    def stop(self) -> None:
        """Stop the turn and keep its report; touches no Streamlit element (the run may be ending)."""
        self.cancel.set()
        view = self.future.result()  # quick: the running tool's result is dropped and nothing more runs
        with self._lock:
            first, self._claimed = not self._claimed, True
        if first and view.session_id:
            self.res.transcripts.append(view.session_id, view)
        st.session_state.notice = ("info", f"Stopped “{self.what}”: nothing of it was kept. Send it again to "
                                           "redo it.")


def stop_interrupted() -> None:
    """At the start of a run: a turn whose page run was cut short by a click is stopped and reported."""
    running, st.session_state.running = st.session_state.get("running"), None
    if running is not None:
        with st.spinner("Stopping…"):
            running.stop()
        state.saw_head()


def _start(res, request: str, session, shown: str | None, cancel: threading.Event):
    return res.turns.submit(bridge.run_turn, state.agent(), request, session, store=res.store, shown=shown,
                            cancel=cancel)


def send_here(request: str, shown: str | None = None) -> bridge.TurnView | None:
    """Send a request in an open session and draw the exchange where it stands: no second page run."""
    with st.chat_message("user"):
        st.markdown(shown or request)
    with st.chat_message("assistant", avatar="🎛️"):
        view = submit(request, shown)
        if view is not None:
            _reply(view, latest=True, recent=True)
    return view


def _follow(future, session, status) -> None:
    """Show each version the turn commits as it lands (the tools record one per step), and the time so far.

    Redrawing the clock every half second is also what lets Streamlit stop this run when the user clicks
    Stop (it interrupts a run only when the run draws something)."""
    seen = session.head.id if session is not None else None
    clock, t0, shown_s = status.empty(), time.perf_counter(), 0.0
    while not future.done():
        wait([future], timeout=0.05)  # wakes the moment the turn ends; meanwhile a cheap read of the head
        if time.perf_counter() - t0 - shown_s >= 0.5:
            shown_s = time.perf_counter() - t0
            clock.caption(f"{shown_s:.0f} s")
        if session is None:
            continue
        head = session.store.info(session.id).head
        if head != seen:
            seen = head
            step = session.version(head).step
            summary = (step.get("result") or {}).get("summary") or step.get("tool", "")
            status.write(f"✓ {summary}")


def record(view: bridge.TurnView) -> None:
    res = state.resources()
    ss = st.session_state
    if view.session_id and view.session_id != ss.session_id:
        state.open_session(view.session_id)
    if view.session_id:
        res.transcripts.append(view.session_id, view)
    else:
        ss.setdefault("loose_turns", []).append(view)  # e.g. a question asked before any music exists
    state.saw_head()
    ss.region = None


def transcript() -> list[bridge.TurnView]:
    ss = st.session_state
    res = state.resources()
    turns = res.transcripts.load(ss.session_id) if ss.session_id else []
    return ss.get("loose_turns", []) if not turns and not ss.session_id else turns


# ---- showing ----------------------------------------------------------------------------------------
def show(turns: list[bridge.TurnView]) -> None:
    changed = [t.id for t in turns if t.changed]
    for i, t in enumerate(turns):
        with st.chat_message("user"):
            st.markdown(t.shown_request or t.request)
        with st.chat_message("assistant", avatar="🎛️"):
            _reply(t, latest=i == len(turns) - 1, recent=t.id in changed[-2:])


def _reply(t: bridge.TurnView, *, latest: bool, recent: bool) -> None:
    if t.error:
        st.error(t.error, icon="🛑")
        with st.expander("Details"):
            st.code(t.error_detail or t.error, language=None)
    if t.kind == "clarify":
        _clarify(t)
        return
    if t.kind == "stopped":
        st.info(t.message, icon="⏹️")
        return
    if t.understood:
        st.markdown(f"**Understood:** {t.understood}")
    elif t.message and not t.error:
        st.markdown(t.message)
    if t.steps:
        _plan(t)
    if t.measured:
        _measured(t)
    for n in t.notes:
        st.caption(f"Note: {n}")
    extra = [line for line in t.message.splitlines()
             if t.understood and line and line != t.understood and not line.startswith(("Measured:", "Note:"))]
    for line in extra:
        st.caption(line)
    if t.changed and t.session_id == st.session_state.session_id:
        _listen(t, recent)
        if t.kind == "edit" and latest:
            _correct_box(t)


def _plan(t: bridge.TurnView) -> None:
    lines = []
    for i, s in enumerate(t.steps, 1):
        params = " · ".join(f"{k} {_num(v)}" for k, v in s.params.items())
        head = f"{i}. **{s.tool}** on *{s.target}* ({s.range})"
        lines.append(head + (f" — {s.summary}" if s.summary else "") + (f"  \n   `{params}`" if params else ""))
    st.markdown("**Plan**  \n" + "  \n".join(lines))


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _measured(t: bridge.TurnView) -> None:
    rows = [f"{ICON.get(m.verdict, '')} {m.text()}" for m in t.measured]
    if t.untouched:
        rows.append("◻️ " + _join(t.untouched) + " untouched")
    st.markdown("**Measured**  \n" + "  \n".join(rows))


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _listen(t: bridge.TurnView, recent: bool) -> None:
    session = state.session()
    label = f"v{t.version_before} → v{t.version_after}" if t.version_before else f"v{t.version_after}"
    st.caption(f"🎧 {label}")
    if recent or st.toggle(f"Listen to version {t.version_after}", key=f"listen-{t.id}"):
        players.mix_player(session, t.version_after, key=f"chat-{t.id}", with_region=False)


def _clarify(t: bridge.TurnView) -> None:
    st.markdown(t.question or t.message)
    cols = st.columns(len(t.options) or 1)
    for i, (col, option) in enumerate(zip(cols, t.options, strict=False)):
        if col.button(option, key=f"opt-{t.id}-{i}", use_container_width=True,
                      help=f"Do this: {option}"):
            st.session_state.pending = (option, option)
            st.rerun()  # the click is seen after run_pending() ran: run it now, not on the next interaction


def _correct_box(t: bridge.TurnView) -> None:
    ss = st.session_state
    if ss.correcting != t.id:
        if st.button("Not what I meant", key=f"wrong-{t.id}", icon="✏️",
                     help="Tell Bandmate what you meant; it remembers it for you and redoes this turn"):
            ss.correcting = t.id
            st.rerun()
        return
    with st.form(key=f"correct-{t.id}", border=True):
        st.markdown("**Not what I meant**")
        guess = next((w for w in t.terms if w.lower() in t.request.lower()), t.terms[0] if t.terms else "")
        word = st.text_input("The word I used", value=guess, key=f"cw-{t.id}", placeholder="warm")
        meaning = st.text_input("What I meant by it", key=f"cm-{t.id}", placeholder="less harsh highs")
        ok, cancel = st.columns(2)
        if ok.form_submit_button("Remember and redo", type="primary"):
            ss.correcting = None
            ss.pending_correction = (t, word, meaning)
            st.rerun()
        if cancel.form_submit_button("Cancel"):
            ss.correcting = None
            st.rerun()


def run_pending() -> None:
    """Run a clarification answer or a correction chosen on the previous rerun."""
    ss = st.session_state
    pending, ss.pending = ss.get("pending"), None
    if pending:
        submit(*with_region(pending[0]))
        st.rerun()
    corr, ss.pending_correction = ss.get("pending_correction"), None
    if corr:
        t, word, meaning = corr
        res = state.resources()
        with st.status("Remembering that and redoing the turn…", expanded=True) as status:
            view = bridge.correct(state.agent(), state.session(), t, word, meaning, store=res.store)
            status.update(label="Corrected" if not view.error else "Could not correct",
                          state="error" if view.error else "complete", expanded=False)
        record(view)
        st.rerun()
