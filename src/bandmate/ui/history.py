"""The version tree of the open session: undo, redo, jump to any version, branch from an old one.

Undo and redo go through ``Agent.turn`` ("undo" / "redo"), so they move by whole turns exactly as in
the CLI; jumping is the store's checkout (the next edit then branches from that version).
"""

from __future__ import annotations

import streamlit as st

from bandmate.surfaces.sessions import step_summary
from bandmate.ui import chat, state


def tree_rows(versions, head: int) -> list[tuple[int, object]]:
    """(depth, version) in depth-first order, children after their parent, oldest first."""
    children: dict[int | None, list] = {}
    for v in versions:
        children.setdefault(v.parent, []).append(v)
    out: list[tuple[int, object]] = []

    def walk(parent, depth):
        kids = children.get(parent, [])
        for v in kids:
            out.append((depth, v))
            walk(v.id, depth + (1 if len(kids) > 1 else 0))

    walk(None, 0)
    return out


def panel() -> None:
    session = state.session()
    if session is None:
        st.caption("No session yet: the history starts with your first request or upload.")
        return
    info = session.store.info(session.id)
    a, b = st.columns(2)
    if a.button("↶ Undo", key="hist-undo", disabled=session.head.parent is None, use_container_width=True,
                help="Undo the last turn (all the versions it made)"):
        chat.submit("undo", "↶ undo")
        st.rerun()
    if b.button("↷ Redo", key="hist-redo", disabled=not info.redo, use_container_width=True,
                help="Redo the turn you undid last"):
        chat.submit("redo", "↷ redo")
        st.rerun()
    rows = tree_rows(session.history(), info.head)
    for depth, v in rows:
        _row(session, depth, v, v.id == info.head)


def _row(session, depth: int, v, is_head: bool) -> None:
    indent = "　" * depth + ("└ " if depth else "")
    summary = step_summary(v.step) or v.step.get("tool", "")
    text = f"{indent}**v{v.id}** · {summary}" if is_head else f"{indent}v{v.id} · {summary}"
    left, right = st.columns([5, 2], vertical_alignment="center")
    left.markdown(text + ("  ← *current*" if is_head else ""))
    if not is_head and right.button("Jump here", key=f"jump-{v.id}", use_container_width=True,
                                    help=f"Make version {v.id} current; your next edit branches from it"):
        jump(session, v.id)


def jump(session, version_id: int) -> None:
    moved = state.head_moved()
    if moved is not None:
        st.session_state.notice = ("warning", f"Another tab moved this session to version {moved}; "
                                   "have a look before jumping.")
        state.saw_head()
        st.rerun()
    session.checkout(version_id)
    state.saw_head()
    st.session_state.notice = ("info", f"Now at version {version_id}. Your next edit branches from here; "
                               "the other versions stay in the tree.")
    st.rerun()
