"""Symbolic generation speed: composing and rendering with FluidSynth and with the built-in synth.

For a few prompts (8 bars, 4–5 parts) it times `compose` alone and `compose + render` per engine, and
reports the real-time factor (seconds of audio per second of compute, higher is faster) and the
numpy/Python allocation peak (tracemalloc; FluidSynth's own C allocations are not counted).
Run: ``python -m benchmarks.bench_generate [--quick] [--json PATH]``.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.table import main

COLUMNS = ["prompt", "engine", "audio_s", "compose_ms", "render_s", "x_realtime", "peak_mb"]
PROMPTS = (
    "funky 100 bpm groove in E minor with drums, bass and keys",
    "dreamy lo-fi loop in F major at 80 bpm with drums, bass, keys and pad",
    "cinematic strings and pad in D minor at 70 bpm",
    "fast rock in A minor at 150 bpm with drums, bass, guitar and lead",
)


def _engines() -> list[tuple[str, Any]]:
    from bandmate.core.settings import Settings

    env = Settings.from_env()
    engines = [("builtin", Settings(soundfont=Path("/nonexistent.sf2")))]
    if env.soundfont and env.soundfont.is_file():
        engines.insert(0, ("fluidsynth", env))
    return engines


def run(quick: bool = False) -> list[dict[str, Any]]:
    from bandmate.tools.backends.composer import compose, parse_prompt
    from bandmate.tools.backends.render import render_arrangement

    rows = []
    for prompt in PROMPTS[:1] if quick else PROMPTS:
        controls = parse_prompt(prompt).merged(bars=8)
        t = time.perf_counter()
        arr = compose(controls)
        compose_ms = (time.perf_counter() - t) * 1000
        for name, settings in _engines():
            tracemalloc.start()
            t = time.perf_counter()
            stems = render_arrangement(arr, settings=settings)
            render_s = time.perf_counter() - t
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            audio_s = max(c.duration_s for c in stems.values())
            rows.append({"prompt": prompt[:40], "engine": f"{name} ({len(stems)} parts)", "audio_s": audio_s,
                         "compose_ms": compose_ms, "render_s": render_s,
                         "x_realtime": audio_s / (render_s + compose_ms / 1000), "peak_mb": peak})
    return rows


if __name__ == "__main__":
    main(run, "Symbolic generation (compose + render, 8 bars)", COLUMNS)
