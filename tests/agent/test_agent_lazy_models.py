"""A request said in lexicon words runs without the embedding model; exemplar/lexicon embeddings are cached.

Each scenario runs in a fresh interpreter (a fresh home and a fresh embedding cache) so that what a new
user's first `bandmate edit` imports is observed, not what earlier tests left in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bandmate.core.audio_io import save
from bandmate.core.testsignals import mixture, noise, sine

SCRIPT = r"""
import json, sys
from pathlib import Path
from bandmate.agent.factory import build_agent
from bandmate.core.audio_io import load
from bandmate.memory.session import Session
from bandmate.memory.store import Store
store = Store(Path(sys.argv[1]))
sid = store.create_session(mix=load(sys.argv[2]))
agent = build_agent(store)
res = agent.turn(sys.argv[3], Session(store, sid))
print(json.dumps({"kind": res.plan.kind, "tools": res.plan.tools(),
                  "model_loaded": "sentence_transformers" in sys.modules,
                  "measured": [m["ok"] for m in res.to_json()["measured"]]}))
"""


def _run(tmp_path: Path, request: str, cache: Path) -> dict:
    audio = tmp_path / "in.wav"
    if not audio.exists():
        save(mixture(sine(220, 3.0, amplitude=0.2, channels=2), noise(3.0, amplitude=0.05, channels=2, seed=3)),
             audio)
    env = {**os.environ, "BANDMATE_CACHE": str(cache), "PYTHONPATH": os.pathsep.join(sys.path)}
    home = tmp_path / f"home-{len(list(tmp_path.glob('home-*')))}"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(home), str(audio), request], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_lexicon_words_need_no_embedding_model_in_a_fresh_home(tmp_path):
    got = _run(tmp_path, "make it brighter", tmp_path / "cache")
    assert got["kind"] == "edit" and got["tools"] == ["eq"]
    assert got["model_loaded"] is False
    assert got["measured"] and all(got["measured"])


@pytest.mark.slow
def test_free_wording_loads_the_model_once_and_later_processes_reuse_the_embeddings(tmp_path):
    cache = tmp_path / "cache"
    got = _run(tmp_path, "give it the feeling of a rainy sunday afternoon", cache)
    assert got["model_loaded"] is True  # the control: free wording does need retrieval
    files = sorted((cache / "embeddings").glob("*.npy"))
    assert len(files) >= 2  # the intent exemplars and the lexicon documents
    stamps = {f: f.stat().st_mtime_ns for f in files}
    _run(tmp_path, "give it the feeling of a rainy sunday afternoon", cache)
    assert {f: f.stat().st_mtime_ns for f in files} == stamps  # read back, not recomputed
