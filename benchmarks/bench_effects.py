"""Effect throughput in multiples of real time on 30 s of stereo 44.1 kHz music-like audio.

Each effect runs through its tool function exactly as ``run_tool`` calls it (``SPEC.fn(args, ctx)`` on a
fresh context: argument model, range handling, the effect itself), so the numbers are what a user
waits for minus storage. The 8-effect chain is also timed end to end through ``run_tool`` with a real
session store (each step commits a version: FLAC encode + fsync + SQLite).
Run: ``python -m benchmarks.bench_effects [--quick] [--json PATH]``.
"""

from __future__ import annotations

import importlib
import tempfile
from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.testsignals import clicks, noise, sine
from benchmarks.table import main, median_time

SR = 44100
# The chain, in signal-flow order, with settings that make every stage do real work.
CHAIN: dict[str, dict[str, Any]] = {
    "eq": {"low_shelf_db": -3.0, "peak1_db": 2.0, "high_shelf_db": 1.5, "highpass_hz": 30.0},
    "compressor": {"threshold_db": -20.0, "ratio": 3.0},
    "saturation": {"drive_db": 6.0},
    "chorus": {"depth": 0.3},
    "delay": {"delay_ms": 375.0, "feedback": 0.35},
    "reverb": {"room_size": 0.6},
    "stereo_width": {"width": 1.4},
    "limiter": {"threshold_db": -6.0},  # below the signal's peaks, so it really limits
}
OTHERS: dict[str, dict[str, Any]] = {
    "gain": {"gain_db": -3.0},
    "fade": {"fade_in_s": 1.0, "fade_out_s": 2.0},
    "pitch_shift": {"semitones": 2.0},
    "time_stretch": {"rate": 1.1},
}
COLUMNS = ["effect", "args", "seconds", "x_realtime", "note"]


def music_like(duration_s: float) -> Clip:
    """A stereo band: a chord of sines, pink-noise 'drums' gated by clicks, and a bass line."""
    chord = [sine(f, duration_s, amplitude=0.08, channels=2).samples for f in (220.0, 277.2, 329.6)]
    bass = sine(55.0, duration_s, amplitude=0.2, channels=2).samples
    hats = noise(duration_s, amplitude=0.05, channels=2, color="pink", seed=3).samples
    beat = np.abs(clicks(120.0, duration_s, amplitude=1.0).samples)
    x = sum(chord) + bass + hats * np.minimum(1.0, beat * 4 + 0.1)
    x[1] = np.roll(x[1], 220)  # a little inter-channel difference so width and chorus have work
    x *= 0.9 / np.abs(x).max()  # peaks at -0.9 dBFS, like a mastered mix
    return Clip(x.astype(np.float32), SR, ("benchmark band",))


def load_specs(names) -> dict[str, Any]:
    """Tool SPECs by name; a tool whose module is not written yet maps to None."""
    specs = {}
    for name in names:
        try:
            specs[name] = importlib.import_module(f"bandmate.tools.{name}").SPEC
        except ModuleNotFoundError as err:
            if err.name != f"bandmate.tools.{name}":
                raise
            specs[name] = None
    return specs


def _args_text(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in args.items())


def _single(name: str, spec, args: dict[str, Any], clip: Clip, repeats: int) -> dict[str, Any]:
    from bandmate.tools.context import ToolContext

    parsed = spec.parse_args(args)
    secs = median_time(lambda: spec.fn(parsed, ToolContext(mix=clip)), repeats)
    return {"effect": name, "args": _args_text(args), "seconds": secs, "x_realtime": clip.duration_s / secs,
            "note": ""}


def _chain_in_memory(specs, clip: Clip, repeats: int) -> float:
    from bandmate.tools.context import ToolContext

    parsed = [(specs[n], specs[n].parse_args(a)) for n, a in CHAIN.items()]

    def go() -> None:
        ctx = ToolContext(mix=clip)  # one context: each stage reads the previous stage's staged mix
        for spec, args in parsed:
            spec.fn(args, ctx)

    return median_time(go, repeats)


def _chain_through_store(specs, clip: Clip) -> float:
    from bandmate.memory.store import Store
    from bandmate.tools.run import run_tool
    from bandmate.tools.spec import Registry

    registry = Registry([specs[n] for n in CHAIN])
    with tempfile.TemporaryDirectory() as home:
        store = Store(home)
        sid = store.create_session(mix=clip, stems={})

        def go() -> None:
            for n, a in CHAIN.items():
                run_tool(registry, n, a, store=store, session_id=sid)

        return median_time(go, 1)


def run(quick: bool = False) -> list[dict[str, Any]]:
    duration_s, repeats = (5.0, 1) if quick else (30.0, 3)
    clip = music_like(duration_s)
    specs = load_specs([*CHAIN, *OTHERS])
    rows = []
    for name, args in {**CHAIN, **OTHERS}.items():
        if specs[name] is None:
            rows.append({"effect": name, "args": _args_text(args), "seconds": None, "x_realtime": None,
                         "note": f"skipped: bandmate.tools.{name} not written yet"})
        else:
            rows.append(_single(name, specs[name], args, clip, repeats))
    rows += _chain_rows(specs, clip, repeats)
    for r in rows:
        r["audio_s"] = duration_s
    return rows


def _chain_rows(specs, clip: Clip, repeats: int) -> list[dict[str, Any]]:
    label = f"chain of {len(CHAIN)}"
    missing = [n for n in CHAIN if specs[n] is None]
    if missing:
        return [{"effect": label, "args": "", "seconds": None, "x_realtime": None,
                 "note": f"skipped: missing {', '.join(missing)}"}]
    mem = _chain_in_memory(specs, clip, repeats)
    full = _chain_through_store(specs, clip)
    return [{"effect": label, "args": "in memory: " + " > ".join(CHAIN), "seconds": mem,
             "x_realtime": clip.duration_s / mem, "note": ""},
            {"effect": label, "args": "run_tool + store (8 versions)", "seconds": full,
             "x_realtime": clip.duration_s / full, "note": "includes FLAC encode, fsync, SQLite"}]

if __name__ == "__main__":
    main(run, "Effect throughput (stereo 44.1 kHz; x_realtime = audio seconds / wall seconds)", COLUMNS)
