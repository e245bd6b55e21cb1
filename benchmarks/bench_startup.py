"""Start-up time of the command line: ``bandmate --help`` in a fresh process, median of 5 runs.

Also times a bare interpreter and ``import bandmate.cli`` for reference, and lists any heavy library
(torch, transformers, librosa, ...) that ``--help`` loaded: none should be (STYLE.md, rule 3).
Run: ``python -m benchmarks.bench_startup [--quick] [--json PATH]``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.table import main, median_time

HEAVY = ("torch", "transformers", "librosa", "madmom", "chromadb", "demucs", "pretty_midi", "mcp",
         "langchain_core", "sentence_transformers", "streamlit", "pedalboard", "scipy", "numba")
COLUMNS = ["command", "median_s", "runs", "note"]
_PROBE = ("import sys\nwatch, sys.argv = sys.argv[1:], ['bandmate', '--help']\nfrom bandmate.cli import main\n"
          "try:\n    main()\nexcept SystemExit:\n    pass\n"
          "print('HEAVY:' + ','.join(m for m in watch if m in sys.modules), file=sys.stderr)\n")


def bandmate_exe() -> str | None:
    """The installed ``bandmate`` script next to this interpreter, else on PATH."""
    here = Path(sys.executable).parent / "bandmate"
    return str(here) if here.is_file() else shutil.which("bandmate")


def _time_cmd(cmd: list[str], runs: int) -> float:
    def once() -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    once()  # warm the OS file cache so every timed run sees the same conditions
    return median_time(once, runs)


def heavy_modules_loaded_by_help() -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *HEAVY], capture_output=True, text=True, timeout=120)
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("HEAVY:")), None)
    if line is None:
        raise RuntimeError(f"the --help probe failed: {proc.stderr[-1000:]}")
    return [m for m in line[len("HEAVY:"):].split(",") if m]


def run(quick: bool = False) -> list[dict[str, Any]]:
    runs = 2 if quick else 5
    rows: list[dict[str, Any]] = [
        {"command": "python -c pass", "median_s": _time_cmd([sys.executable, "-c", "pass"], runs), "runs": runs,
         "note": "interpreter floor"},
    ]
    try:
        import bandmate.cli  # noqa: F401  (only checks that the CLI exists)
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith("bandmate"):
            raise
        rows.append({"command": "bandmate --help", "median_s": None, "runs": 0,
                     "note": "skipped: bandmate.cli not written yet"})
        return rows
    rows.append({"command": "python -c 'import bandmate.cli'",
                 "median_s": _time_cmd([sys.executable, "-c", "import bandmate.cli"], runs), "runs": runs,
                 "note": ""})
    exe = bandmate_exe()
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "bandmate.cli", "--help"]
    heavy = heavy_modules_loaded_by_help()
    rows.append({"command": "bandmate --help", "median_s": _time_cmd(cmd, runs), "runs": runs,
                 "note": "heavy imports: " + (", ".join(heavy) if heavy else "none")})
    return rows


if __name__ == "__main__":
    main(run, "CLI start-up (fresh process each run)", COLUMNS)
