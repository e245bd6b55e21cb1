"""The studio driven like a user with Streamlit's AppTest and the offline planner.

One conversation: generate from nothing, edit a stem, answer a clarification with its button, undo from
the history panel; each step checked on the rendered page and in the session store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")

APP = Path(__file__).resolve().parents[2] / "src" / "bandmate" / "ui" / "app.py"


def _texts(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def _store(home):
    from bandmate.memory.store import Store

    return Store(home)


@pytest.fixture
def studio(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    home = tmp_path / "studio-home"
    monkeypatch.setenv("BANDMATE_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert not at.exception
    return at, home


def test_a_whole_conversation(studio):
    at, home = studio
    at.chat_input[0].set_value("a dreamy lo-fi loop in F major at 80 bpm with drums, bass and keys, 4 bars").run()
    assert not at.exception
    assert "80 BPM" in _texts(at)
    (info,) = _store(home).list_sessions()
    assert info.head == 1

    at.chat_input[0].set_value("make the bass warmer").run()
    assert not at.exception
    text = _texts(at)
    assert "**Measured**" in text and "bass" in text and "as intended" in text
    assert _store(home).info(info.id).head == 2
    assert _store(home).version(info.id).step["tool"] == "eq"

    at.chat_input[0].set_value("make it better").run()
    assert not at.exception
    options = [b for b in at.button if b.key and b.key.startswith("opt-")]
    assert 2 <= len(options) <= 4
    head_before = _store(home).info(info.id).head
    label = options[0].label
    options[0].click().run()
    assert not at.exception
    assert [m for m in at.chat_message if m.name == "user"][-1].markdown[0].value == label
    assert _store(home).info(info.id).head > head_before  # the option ran as a turn

    undo = next(b for b in at.button if b.key == "hist-undo")
    undo.click().run()
    assert not at.exception
    assert _store(home).info(info.id).head < _store(home).info(info.id).versions
