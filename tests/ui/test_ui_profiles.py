"""Several people on one server: corrections per profile, and two tabs on one session.

Two ``AppTest`` instances in one process share the server's cached resources (store, knowledge base),
as two browser tabs on one ``bandmate ui`` do; each has its own ``st.session_state``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")

APP = Path(__file__).resolve().parents[2] / "src" / "bandmate" / "ui" / "app.py"
MAKE = "a dreamy lo-fi loop in F major at 80 bpm with drums, bass and keys, 4 bars"


def _tab(home, monkeypatch, *, profile: str | None = None, session: str | None = None):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BANDMATE_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=300)
    if session:
        at.query_params["session"] = session
    at.run()
    if profile:
        at.text_input(key="profile-input").set_value(profile).run()
    assert not at.exception
    return at


def _say(at, text: str):
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def _store(home):
    from bandmate.memory.store import Store

    return Store(home)


def _page_text(at) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.warning, *at.error, *at.success])


def _eq_args(store, sid: str) -> dict:
    step = store.version(sid).step
    assert step["tool"] == "eq", step
    return step["args"]


def _pick_page(at, page: str):
    at.radio(key="page").set_value(page).run()
    assert not at.exception
    return _page_text(at)


def test_corrections_belong_to_the_profile_that_made_them(tmp_path, monkeypatch):
    home = tmp_path / "studio-home"
    ana = _tab(home, monkeypatch, profile="ana")
    _say(ana, MAKE)
    _say(ana, "make the keys warmer")
    (info,) = _store(home).list_sessions()
    assert _eq_args(_store(home), info.id).get("low_shelf_db", 0) > 0  # the lexicon's warm: more low-mid body

    wrong = next(b for b in ana.button if (b.key or "").startswith("wrong-"))
    wrong.click().run()
    tid = wrong.key.removeprefix("wrong-")
    ana.text_input(key=f"cw-{tid}").set_value("warm")
    ana.text_input(key=f"cm-{tid}").set_value("less bright")
    next(b for b in ana.button if b.label == "Remember and redo").click().run()
    assert not ana.exception
    redo = _eq_args(_store(home), info.id)  # the redo read "warm" as ana meant it, "less bright": the crowd's
    # 'dark' (lexicon timbre.yaml), a dip in the upper mids or top
    assert redo.get("high_shelf_db", 0) < 0 or any(
        (redo.get(f"peak{i}_db") or 0) < 0 and (redo.get(f"peak{i}_hz") or 0) >= 1500 for i in (1, 2, 3)), redo
    assert "warm" in _pick_page(ana, "Corrections") and "less bright" in _page_text(ana)

    ben = _tab(home, monkeypatch, profile="ben", session=info.id)
    assert "No corrections yet" in _pick_page(ben, "Corrections")
    _pick_page(ben, "Studio")
    _say(ben, "make the keys warmer")
    assert _eq_args(_store(home), info.id).get("low_shelf_db", 0) > 0  # ben still gets the lexicon's warm

    kb = ana.session_state["agents"][next(iter(ana.session_state["agents"]))].kb
    assert [c.word for c in kb.corrections("ana")] == ["warm"]
    assert kb.corrections("ben") == []


def test_two_tabs_on_one_session_never_lose_an_edit(tmp_path, monkeypatch):
    home = tmp_path / "studio-home"
    first = _tab(home, monkeypatch)
    _say(first, MAKE)
    (info,) = _store(home).list_sessions()
    second = _tab(home, monkeypatch, session=info.id)  # the same session opened in another tab
    assert second.session_state["session_id"] == info.id

    _say(first, "make the bass warmer")
    assert _store(home).info(info.id).head == 2
    _say(second, "make the drums quieter")  # typed on a page that still shows version 1
    assert _store(home).info(info.id).head == 2 and _store(home).info(info.id).versions == 2
    told = _page_text(second)
    assert "changed in another tab" in told and "version 2" in told and "make the drums quieter" in told

    _say(second, "make the drums quieter")  # sent again after looking: it lands on top of the first tab's
    store = _store(home)
    assert store.info(info.id).head == 3 and store.version(info.id, 3).parent == 2
    assert store.version(info.id, 2).step["args"]["target"] == "bass"


def test_an_edit_overtaken_while_it_runs_is_reported_not_branched(make_session, band_stems, store):
    """Another client commits while this turn's non-replayable step runs: the turn says so plainly."""
    from bandmate.agent.factory import build_agent
    from bandmate.ui import bridge

    session = make_session(mix=_mix(band_stems), tempo_bpm=120)  # a mix only: the bass must be separated first
    original = store.commit
    other = {}

    def commit_after_another_client(session_id, **kw):  # the other client's edit lands first, once
        if not other:
            head = store.version(session_id)
            other["v"] = original(session_id, parent=head.id, mix=head.mix, stems=head.stems, state=head.state,
                                  step={"tool": "gain", "note": "another tab"})
        return original(session_id, **kw)

    store.commit = commit_after_another_client
    agent = build_agent(store)
    view = bridge.run_turn(agent, "make the bass warmer", session, store=store)
    assert other, "the turn committed nothing, so the race was not exercised"
    assert view.error == bridge.CHANGED_ELSEWHERE
    assert "SessionChanged" in (view.error_detail or "") or bridge.MOVED_MARK in (view.error_detail or "")
    assert store.info(session.id).head == other["v"].id  # the other client's version is the head, nothing hid it
    assert store.info(session.id).versions == 2


def _mix(stems):
    import numpy as np

    from bandmate.core.clip import Clip

    n = max(c.frames for c in stems.values())
    x = np.zeros((2, n), np.float32)
    for c in stems.values():
        x[:, :c.frames] += c.samples if c.channels == 2 else np.repeat(c.samples, 2, axis=0)
    return Clip(x, 44100)
