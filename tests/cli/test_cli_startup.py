"""`bandmate --help` must start fast: no heavy library may load for it."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "chromadb", "streamlit", "librosa", "pedalboard", "transformers", "mcp", "langchain_core",
         "scipy", "numba", "sentence_transformers", "madmom", "demucs")

PROBE = f"""
import json, sys
from bandmate.cli import main
try:
    main(["--help"])
except SystemExit as e:
    code = e.code
print(json.dumps({{"code": code, "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}), file=sys.stderr)
"""


def test_help_imports_no_heavy_library():
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "heavy": []}, proc.stderr
    for verb in ("session", "tool", "mcp"):
        assert verb in proc.stdout
