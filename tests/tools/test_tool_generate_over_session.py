"""Generating over an existing session replaces its music, and with it the old mix-bus moves."""

from __future__ import annotations

from bandmate.memory.session import Session
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool


def test_generate_over_a_session_clears_the_mix_bus(store):
    reg = default_registry()
    first = run_tool(reg, "generate", {"prompt": "rock groove in A minor with drums and bass", "bars": 2},
                     store=store, session_id=None)
    sid = first.version.session_id
    run_tool(reg, "gain", {"gain_db": -6.0}, store=store, session_id=sid)     # a mix-bus move
    assert Session(store, sid).head.bus
    run_tool(reg, "generate", {"prompt": "waltz in F major with keys and bass", "bars": 2},
             store=store, session_id=sid)
    head = Session(store, sid).head
    assert head.bus == [] and sorted(head.stems) == ["bass", "keys"]
    assert head.state.key == "F major"
