"""Analysis accuracy and speed per backend (madmom, librosa) on rendered music with known ground truth.

Material: (1) the little generator of ``tests/tools/test_analysis_material.py`` (drums, root bass, block
triads; 75–160 BPM, major and minor keys, 3/4 and 4/4, one or two chords per bar, one piece without
drums) and (2) the project's composer (``compose(Controls(genre=...))`` rendered with
``render_arrangement``: swing, half-time, seventh chords, walking bass, waltz), both through FluidSynth
with FluidR3_GM. Scores are mir_eval's: duration-weighted chord recall with the ``majmin`` comparison
(sevenths reduce to their triad; chords outside major/minor are left out), beat and downbeat F-measure
(±70 ms), tempo accuracy (within 4 %; double/half/3:2 counted separately as octave errors), key
accuracy (mir_eval's weighted key score: 1 right, 0.5 fifth, 0.3 relative, 0.2 parallel), meter right.

Each backend runs in its own fresh process, one clip at a time from disk, so ``peak_rss_mb`` is that
backend's whole process (libraries and models included) and ``x_realtime`` is audio seconds over
analysis seconds after a warm-up call (``warmup_s``: model loading and JIT compilation, paid once per
process). Run: ``python -m benchmarks.bench_analysis [--quick] [--json PATH]``.
"""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.table import main

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = ROOT / "tests" / "tools" / "test_analysis_material.py"
BACKENDS = ("madmom", "librosa")
COLUMNS = ["backend", "material", "clips", "audio_s", "chord_majmin", "beat_f", "downbeat_f", "tempo_acc",
           "tempo_octave", "key_weighted", "meter_acc", "x_realtime", "warmup_s", "peak_rss_mb"]
COMPOSER_PIECES = (  # (name, Controls fields); keys and chords come from the genre presets unless given
    ("lofi_F_80", {"genre": "lofi", "bars": 8}),
    ("pop_G_110", {"genre": "pop", "key": "G major", "bars": 10}),
    ("rock_E_120", {"genre": "rock", "bars": 10}),
    ("jazz_F_120", {"genre": "jazz", "bars": 10}),
    ("waltz_F_150", {"genre": "waltz", "bars": 12}),
    ("house_Am_124", {"genre": "house", "bars": 10}),
    ("reggae_G_76", {"genre": "reggae", "bars": 6}),
    ("hiphop_Cm_90", {"genre": "hiphop", "bars": 8}),
)


def material_module():
    """The ground-truth generator shared with the tests (loaded by path: tests are not a package)."""
    import sys

    if "analysis_material" in sys.modules:
        return sys.modules["analysis_material"]
    spec = importlib.util.spec_from_file_location("analysis_material", MATERIAL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["analysis_material"] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def generator_songs(m, quick: bool) -> list:
    extra = (
        m.Song("funk_G_100", 100, 4, "G major", ("G:maj C:maj", "E:min D:maj", "C:maj D:maj", "G:maj"), 8,
               chord_program=4),
        m.Song("slow_Bb_75", 75, 4, "Bb major", ("Bb:maj", "G:min", "Eb:maj", "F:maj"), 5, chord_program=16),
        m.Song("fast_F#m_160", 160, 4, "F# minor", ("F#:min", "D:maj", "B:min", "C#:maj"), 9),
        m.Song("waltz_G_150", 150, 3, "G major", ("G:maj", "C:maj", "D:maj", "E:min"), 13, chord_program=0),
        m.Song("strings_Cm_96", 96, 4, "C minor", ("C:min", "Ab:maj", "F:min", "G:maj"), 5, chord_program=48,
               drums=False),
    )
    return list(m.TEST_SONGS) + ([] if quick else list(extra))


def composer_clips(m, quick: bool) -> list[tuple[str, np.ndarray, Any]]:
    """(name, mono audio, Truth) per composed piece; empty when the composer is not installed."""
    try:
        from bandmate.core.settings import Settings
        from bandmate.tools.backends.composer.compose import compose
        from bandmate.tools.backends.composer.controls import Controls
        from bandmate.tools.backends.render import render_arrangement
    except ImportError:
        return []
    out = []
    for name, fields in COMPOSER_PIECES[:3] if quick else COMPOSER_PIECES:
        arr = compose(Controls(seed=7, **fields))
        stems = render_arrangement(arr, sample_rate=m.RENDER_SR, settings=Settings.from_env())
        y = sum(clip.to_mono() for clip in stems.values())
        y = (0.5 * y / (np.abs(y).max() + 1e-9)).astype(np.float32)
        c = arr.controls
        chords = list(arr.chords) + [(arr.chords[-1][1], len(y) / m.RENDER_SR, "N")]
        truth = m.Truth(c.tempo_bpm, c.beats_per_bar, np.asarray(arr.beats_s), np.asarray(arr.downbeats_s),
                        c.key, chords)
        out.append((name, y, truth))
    return out


def _child(backend: str, paths: list[str], conn) -> None:
    """Runs in a fresh process: warm up, analyse each clip, send back results and the peak RSS."""
    from bandmate.tools.backends.analysis_librosa import analyze_librosa

    if backend == "madmom":
        from bandmate.tools.backends.analysis_madmom import MadmomAnalyzer

        analyze = MadmomAnalyzer().analyze
    else:
        analyze = analyze_librosa
    t0 = time.perf_counter()
    analyze(y=np.load(paths[0])[: 44_100 * 4], sample_rate=44_100)  # JIT / network loading, paid once
    warmup = time.perf_counter() - t0
    results = []
    for p in paths:
        y = np.load(p)
        t0 = time.perf_counter()
        a = analyze(y=y, sample_rate=44_100)
        results.append((a, time.perf_counter() - t0))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    conn.send({"results": results, "warmup_s": warmup, "peak_rss_mb": peak_mb})
    conn.close()


def _analyse_in_process(backend: str, paths: list[str]) -> dict:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(backend, paths, child))
    proc.start()
    child.close()  # so that recv() sees end-of-file if the child dies instead of waiting forever
    try:
        out = parent.recv()
    except EOFError:
        raise RuntimeError(f"the {backend} analysis process died (exit code {proc.join() or proc.exitcode}); "
                           "run it alone to see its error") from None
    proc.join()
    return out


def _summary(backend: str, material: str, scored: list[dict], seconds: list[float], audio_s: list[float],
             run: dict) -> dict[str, Any]:
    def mean(key: str) -> float | None:
        vals = [s[key] for s in scored if isinstance(s.get(key), float)]
        return round(statistics.fmean(vals), 3) if vals else None

    return {"backend": backend, "material": material, "clips": len(scored), "audio_s": round(sum(audio_s), 1),
            "chord_majmin": mean("chord_majmin"), "beat_f": mean("beat_f"), "downbeat_f": mean("downbeat_f"),
            "tempo_acc": round(statistics.fmean(s.get("tempo") == "correct" for s in scored), 3),
            "tempo_octave": round(statistics.fmean(s.get("tempo") == "octave" for s in scored), 3),
            "key_weighted": mean("key"), "meter_acc": mean("meter_ok"),
            "x_realtime": round(sum(audio_s) / sum(seconds), 2), "warmup_s": round(run["warmup_s"], 2),
            "peak_rss_mb": round(run["peak_rss_mb"])}


def run(quick: bool = False, details: list[dict] | None = None) -> list[dict[str, Any]]:
    """One summary row per backend and material set (and 'all'); per-clip rows go into ``details``."""
    m = material_module()
    clips = [(s.name, "generator", *m.render_song(s)) for s in generator_songs(m, quick)]
    clips += [(name, "composer", y, truth) for name, y, truth in composer_clips(m, quick)]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, _, y, _ in clips:
            paths.append(str(Path(tmp) / f"{name}.npy"))
            np.save(paths[-1], y)
        for backend in BACKENDS:
            if backend == "madmom" and importlib.util.find_spec("madmom") is None:
                continue
            run_out = _analyse_in_process(backend, paths)
            per_clip = []
            for (name, material, y, truth), (a, sec) in zip(clips, run_out["results"], strict=True):
                per_clip.append((material, m.score(truth, a), sec, len(y) / m.RENDER_SR))
                if details is not None:
                    details.append({"backend": backend, "clip": name, **per_clip[-1][1], "tempo_bpm": a.tempo_bpm,
                                    "key": a.key, "truth_key": truth.key, "seconds": round(sec, 2)})
            for material in ("generator", "composer", "all"):
                sel = [c for c in per_clip if material in ("all", c[0])]
                if sel:
                    rows.append(_summary(backend, material, [c[1] for c in sel], [c[2] for c in sel],
                                         [c[3] for c in sel], run_out))
    return rows


if __name__ == "__main__":
    main(run, "Analysis: chords, beats, tempo, key per backend (mir_eval on rendered ground truth)", COLUMNS)
