"""The documented Python API: bandmate.Session, bandmate.tools.call / openai_tools / langchain_tools."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import bandmate
from bandmate import tools
from bandmate.core.errors import ToolInputError
from bandmate.core.testsignals import sine


def test_call_runs_a_models_raw_strict_json_on_a_session(make_session, store):
    session = make_session(mix=sine(330, 1.0, amplitude=0.2))
    gain = next(t for t in tools.openai_tools() if t["function"]["name"] == "gain")["function"]
    raw = json.dumps({k: None for k in gain["parameters"]["required"]} | {"gain_db": -6.0})  # strict-mode nulls
    out = tools.call("gain", raw, session=bandmate.Session(store, session.id))
    assert out["changed"] and out["version"] == 2 and out["args"]["target"] == "mix"
    ratio = np.abs(session.mix().samples).max() / np.abs(session.mix(1).samples).max()
    assert ratio == pytest.approx(10 ** (-6 / 20), rel=1e-4)


@pytest.mark.parametrize("raw, match", [
    ('{"gain_db": true}', "boolean"),
    ('{"gain_db": ' + "[" * 500 + "]" * 500 + "}", "levels deep"),
    ("[1, 2]", "must be a JSON object"),
    ('{"gain_db": -3', "not valid JSON"),
    ('{"gain_db": 99}', "less than or equal to 24"),
])
def test_call_validates_the_raw_json(make_session, store, raw, match):
    session = make_session(mix=sine(330, 0.3))
    with pytest.raises(ToolInputError, match=match):
        tools.call("gain", raw, session=session)
    assert store.info(session.id).versions == 1


def test_langchain_tools_bound_to_a_session(make_session, store):
    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    lc = {t.name: t for t in tools.langchain_tools(session)}
    out = json.loads(lc["gain"].invoke({"gain_db": 2.0}))
    assert out["session_id"] == session.id and store.info(session.id).head == 2


def test_import_bandmate_is_light_and_exports_the_api():
    code = ("import sys, bandmate; bandmate.Session; bandmate.Store; "
            "print(any(m in sys.modules for m in ('torch', 'transformers', 'chromadb', 'mcp')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert bandmate.Session.__name__ == "Session" and callable(bandmate.load)
