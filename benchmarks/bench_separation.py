"""Stem separation: SDR per stem on mixtures of known stems, speed (x real time) and peak memory.

Bands (every stem known, stereo 44.1 kHz):
- ``synthetic``: numpy-synthesized drums / bass / sung line with vibrato (centre) / wide keys.
- ``gm-fluidsynth``: General-MIDI parts rendered one by one with the fluidsynth CLI (voice 'oohs' with
  vibrato as the vocal, piano left + strings right as other), balanced to equal RMS.
- ``generator-*``: composed and rendered by Bandmate's own generator; its melody ('lead') part stands in
  for vocals, every part other than drums and bass counts as other. Skipped if the generator is absent.
- ``*-mono``: the same mixture folded to mono (no stereo cue for the vocals).

Separators: ``mixture/4`` (trivial baseline), ``dsp`` (the fallback), ``spleeter+dsp`` (the default when
its weights are installed: vocals from Spleeter's pretrained 2-stem model, drums / bass / other split from
its accompaniment by DSP; skipped with a printed reason when the weights are absent), ``oracle-irm`` (ideal
ratio masks from the true stems at the DSP's STFT size: the ceiling for any STFT-mask method, not a real
separator). The ``spleeter+dsp`` speed row runs in a child process, so its peak memory is that child's
own resident set (torch's allocations are invisible to tracemalloc).
SDR is the plain MDX-style ratio in dB (see separation_eval). Demucs is timed at the released htdemucs
size with random weights (quality meaningless), in a child process so its peak memory is its own.
Run: ``python -m benchmarks.bench_separation [--quick] [--json PATH]``.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
import tracemalloc
from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.tools.backends import separation_dsp as dsp
from bandmate.tools.backends.separation_eval import (
    baseline_sdr,
    evaluate,
    rendered_band,
    sdr_db,
    synthetic_band,
)

SR = 44100
COLUMNS = ["band", "separator", "drums", "bass", "vocals", "other", "mean_sdr", "x_realtime", "peak_mb", "note"]


def run(quick: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    spleeter = _spleeter()
    for name, band in _bands(quick).items():
        rows.extend(_quality_rows(name, band, spleeter))
        mono = {k: Clip(v.samples.mean(axis=0, keepdims=True), SR) for k, v in band.items()}
        rows.extend(r for r in _quality_rows(f"{name}-mono", mono, spleeter)
                    if r["separator"] in ("dsp", "spleeter+dsp"))
    rows.append(_dsp_speed_row(10.0 if quick else 60.0))
    if spleeter is not None:
        rows.append(_spleeter_speed_row(10.0 if quick else 60.0))
    rows.append(_demucs_row(4.0 if quick else 10.0))
    return rows


def _bands(quick: bool) -> dict[str, dict[str, Clip]]:
    bands = {"synthetic": synthetic_band(4.0 if quick else 8.0)}
    try:
        bands["gm-fluidsynth"] = rendered_band(2 if quick else 4)
    except (OSError, ImportError) as err:  # no fluidsynth binary or pretty_midi: say so in the table
        print(f"gm-fluidsynth band skipped: {err}")
    for label, instruments, genre, seed in (("pop", ["drums", "bass", "piano", "lead"], "pop", 1),
                                            ("lofi", ["drums", "bass", "rhodes", "flute"], "lofi", 3)):
        band = _generator_band(instruments, genre, seed, bars=2 if quick else 4)
        if band:
            bands[f"generator-{label}"] = band
        if quick:
            break
    return bands


def _generator_band(instruments: list[str], genre: str, seed: int, bars: int) -> dict[str, Clip] | None:
    try:
        from bandmate.core.settings import Settings
        from bandmate.tools.backends.composer.compose import compose
        from bandmate.tools.backends.composer.controls import Controls
        from bandmate.tools.backends.render import render_arrangement
    except ImportError:
        return None
    arr = compose(Controls(tempo_bpm=110, bars=bars, genre=genre, seed=seed, instruments=instruments))
    rendered = render_arrangement(arr, settings=Settings.from_env(), tail_s=0.0)
    band: dict[str, np.ndarray] = {}
    for name, clip in rendered.items():
        role = "vocals" if arr.parts[name].role == "lead" else name if name in ("drums", "bass") else "other"
        band[role] = band.get(role, 0) + clip.with_channels(2).samples
    return {k: Clip(v, SR) for k, v in band.items()}


def _spleeter():
    """The pretrained 2-stem model, or None (and why) when its weights are not installed."""
    from bandmate.core.errors import BackendUnavailable
    from bandmate.core.settings import Settings
    from bandmate.tools.backends.spleeter_backend import load_spleeter

    try:
        return load_spleeter(Settings.from_env())
    except BackendUnavailable as err:
        print(f"spleeter+dsp rows skipped: {err}")
        return None


def _quality_rows(band_name: str, band: dict[str, Clip], spleeter=None) -> list[dict[str, Any]]:
    rows = [_row(band_name, "mixture/4", baseline_sdr(band), None)]
    tracemalloc.start()
    scores = evaluate(dsp.separate_clip, band)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rows.append(_row(band_name, "dsp", scores, scores.pop("rtf"), peak))
    if spleeter is not None:
        from bandmate.tools.backends.separation_combined import separate_combined

        scores = evaluate(lambda clip: separate_combined(clip, spleeter), band)
        rows.append(_row(band_name, "spleeter+dsp", scores, scores.pop("rtf"), note="peak: see the speed row"))
    rows.append(_row(band_name, "oracle-irm", _oracle(band), None, note="ceiling for STFT masks"))
    return rows


def _row(band: str, separator: str, scores: dict[str, float], rtf: float | None, peak_mb: float | None = None,
         note: str = "") -> dict[str, Any]:
    stems = {k: round(v, 2) for k, v in scores.items() if k in dsp.STEMS}
    return {"band": band, "separator": separator, **stems, "mean_sdr": round(float(np.mean(list(stems.values()))), 2),
            "x_realtime": None if rtf is None else round(rtf, 1),
            "peak_mb": None if peak_mb is None else round(peak_mb, 1), "note": note}


def _oracle(band: dict[str, Clip]) -> dict[str, float]:
    n_fft = dsp._pow2(dsp.DspParams().frame_ms * SR / 1000)
    refs = {k: c.samples for k, c in band.items()}
    specs = {k: dsp._stft(v, n_fft) for k, v in refs.items()}
    power = {k: (np.abs(s) ** 2).sum(axis=0) for k, s in specs.items()}
    total = sum(power.values()) + 1e-20
    mix = sum(specs.values())
    frames = next(iter(refs.values())).shape[1]
    return {k: sdr_db(refs[k], dsp._istft(mix * (power[k] / total)[None], n_fft, frames)) for k in refs}


def _dsp_speed_row(duration_s: float) -> dict[str, Any]:
    band = synthetic_band(duration_s, seed=7)
    mix = Clip(np.sum([c.samples for c in band.values()], axis=0), SR)
    tracemalloc.start()
    t0 = time.perf_counter()
    dsp.separate_clip(mix)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"band": f"{duration_s:g} s stereo", "separator": "dsp", "x_realtime": round(duration_s / seconds, 1),
            "peak_mb": round(peak, 1), "note": "speed only (numpy allocations, tracemalloc)"}


def _spleeter_speed_row(duration_s: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        seconds, load_s, peak_mb = pool.apply(_spleeter_child, (duration_s,))
    return {"band": f"{duration_s:g} s stereo", "separator": "spleeter+dsp", "x_realtime": round(duration_s / seconds, 2),
            "peak_mb": round(peak_mb, 0), "note": f"pretrained 2-stem model (torch, CPU), load {load_s:.1f} s; "
                                                  "peak = child RSS"}


def _spleeter_child(duration_s: float) -> tuple[float, float, float]:
    from bandmate.core.settings import Settings
    from bandmate.tools.backends.separation_combined import separate_combined
    from bandmate.tools.backends.spleeter_backend import load_spleeter

    t0 = time.perf_counter()
    model = load_spleeter(Settings.from_env())
    load_s = time.perf_counter() - t0
    band = synthetic_band(duration_s, seed=9)
    mix = Clip(np.sum([c.samples for c in band.values()], axis=0), SR)
    t0 = time.perf_counter()
    separate_combined(mix, model)
    seconds = time.perf_counter() - t0
    return seconds, load_s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _demucs_row(duration_s: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        seconds, params = pool.apply(_demucs_child, (duration_s,))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"band": f"{duration_s:g} s stereo", "separator": "demucs htdemucs-size",
            "x_realtime": round(duration_s / seconds, 2), "peak_mb": round(peak_mb, 0),
            "note": f"random weights, {params / 1e6:.1f} M params, shifts 0, overlap 0.1; peak = child RSS"}


def _demucs_child(duration_s: float) -> tuple[float, int]:
    from bandmate.tools.backends.demucs_backend import DemucsSeparator, random_htdemucs

    model = random_htdemucs("full")
    band = synthetic_band(duration_s, seed=9)
    mix = Clip(np.sum([c.samples for c in band.values()], axis=0), SR)
    t0 = time.perf_counter()
    DemucsSeparator(model).separate(mix)
    return time.perf_counter() - t0, sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    try:
        from benchmarks.table import main
    except ImportError:
        main = None
    if main is not None:
        main(run, "Stem separation: SDR (dB) per stem, speed and memory", COLUMNS)
    else:
        for r in run():
            print(r)
