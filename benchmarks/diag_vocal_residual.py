"""What is left in the vocal stem between the voice's partials: the voice's own glides, or the guitar?

Read with one pyin f0 per 93 ms frame (``harmonic_split_db(..., f0_hop=1024, glide_span=0)``, the measure
before it followed the voice's pitch inside the frame), where the voice glides within a frame its partials
lie off pyin's harmonics and their energy counts as "rest" (the accompaniment); with the default 1-bin
guard that is most of what the vocal stem keeps in the rest. This script splits that reading's rest
energy (1-bin guard) three ways, on the same STFT as the measure, and prints the pitch-following
measure's numbers (``following_pitch_*``) beside it:

- by frame: whether the stem's own f0 (harmonic summation on its spectrum, spleeter_comb.voice_f0)
  agrees with pyin's within 10 cents (steady) or not (glides, pyin's smoothing lagging the voice);
- by distance from the nearest pyin partial, in bins (a Hann main lobe reaches 2 bins);
- by stereo: the side/mid energy ratio of the stem's rest (the stem's mask is the same on both channels,
  so this is the mix's side/mid weighted by what the stem keeps) against the voice's (the stem at its
  harmonics) and the guitar's (the accompaniment's rest). Modelling the rest's mid energy as a share
  ``g`` of guitar plus ``1 - g`` of voice, ``g = (r - v) / (a - v)`` in linear side/mid ratios, and
  removing all of it would leave about ``rest_db + 10 log10(1 - g)``. An estimate, not a bound: a
  stereo-miked guitar has a centred part too, and the voice's own breath and glides count as rest.

Run: ``PYTHONPATH=src python -m benchmarks.diag_vocal_residual [PATH] [--seconds 45]`` (default: the
first 45 s of ../shared/data/real/lets_go_fishin.ogg, as in tests/tools/test_tool_separate_pretrained.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bandmate.core.clip import Clip

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "lets_go_fishin.ogg"


def _power(x: np.ndarray) -> np.ndarray:
    """(bins, frames) power of a (channels, samples) signal, summed over channels, as separation_eval."""
    from numpy.lib.stride_tricks import sliding_window_view

    x = np.pad(np.asarray(x, np.float64), [(0, 0), (2048, 2048)])
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(4096) / 4096)
    return (np.abs(np.fft.rfft(sliding_window_view(x, 4096, axis=-1)[:, ::1024] * w, axis=-1)) ** 2).sum(0).T


def _mid_side(x: np.ndarray, sr: int) -> tuple[Clip, Clip]:
    mid, side = (x[0] + x[1]) / 2, (x[0] - x[1]) / 2
    return Clip(np.stack([mid, mid]).astype(np.float32), sr), Clip(np.stack([side, side]).astype(np.float32), sr)


def residual_report(mix: Clip, vocals: Clip, accompaniment: Clip, f0: np.ndarray,
                    track: np.ndarray | None = None) -> dict[str, float]:
    """The breakdown for ``f0``, a pyin track at the 1024-sample hop of the STFT (one f0 per frame); with
    ``track`` (``voice_f0``'s default 256-sample hop) also the pitch-following measure's numbers."""
    from functools import partial

    from bandmate.tools.backends.separation_eval import harmonic_split_db as split
    from bandmate.tools.backends.spleeter_comb import voice_f0 as comb_f0

    harmonic_split_db = partial(split, f0_hop=1024, glide_span=0)
    out: dict[str, float] = {}
    if track is not None:
        for guard in (1.0, 2.0):
            out[f"following_pitch_vocals_rest_db@{guard:g}bin"] = split(mix, vocals, track,
                                                                       lobe_bins=guard)["rest_db"]
        v, a = split(mix, vocals, track), split(mix, accompaniment, track)
        out["following_pitch_harmonic_fraction"] = v["harmonic_fraction"]
        out["following_pitch_karaoke_harmonic_db"] = a["harmonic_db"]
        out["following_pitch_karaoke_rest_db@1bin"] = a["rest_db"]
    for guard in (1.0, 2.0):
        v = harmonic_split_db(mix, vocals, f0, lobe_bins=guard)
        a = harmonic_split_db(mix, accompaniment, f0, lobe_bins=guard)
        out[f"vocals_rest_db@{guard:g}bin"] = v["rest_db"]
        out[f"karaoke_rest_db@{guard:g}bin"] = a["rest_db"]
    out["harmonic_fraction"] = v["harmonic_fraction"]
    out["karaoke_harmonic_db"] = a["harmonic_db"]

    ref, est = _power(mix.samples), _power(vocals.samples)
    frames = min(ref.shape[1], est.shape[1], f0.size)
    ref, est, f = ref[:, :frames], est[:, :frames], f0[:frames]
    freqs = np.fft.rfftfreq(4096, 1 / mix.sample_rate)[:, None]
    bin_hz = float(freqs[1, 0])
    voiced = np.isfinite(f)
    fv = np.where(voiced, f, 1.0)[None, :]
    # the rest set of harmonic_split_db at its default 1-bin guard (100 cents or 1 bin from every partial)
    order = np.maximum(np.round(freqs / fv), 1.0)
    dist = np.abs(freqs - order * fv)
    guard = np.maximum(order * fv * (2 ** (100 / 1200) - 1), bin_hz)
    below = np.abs(freqs - np.maximum(order - 1, 1) * fv) <= np.maximum((order - 1) * fv * (2 ** (100 / 1200) - 1),
                                                                        bin_hz)
    above = np.abs(freqs - (order + 1) * fv) <= np.maximum((order + 1) * fv * (2 ** (100 / 1200) - 1), bin_hz)
    rest = voiced[None, :] & (dist > guard) & ~below & ~above & (freqs >= 40.0) & (freqs <= 11000.0)
    kept, total = est * rest, float((est * rest).sum())
    out["rest_db_recomputed"] = 10 * np.log10(total / float((ref * rest).sum()))

    own, _ = comb_f0(np.sqrt(est.T), sample_rate=mix.sample_rate, n_fft=4096)
    cents = 1200 * np.abs(np.log2(own / fv[0]))
    steady = voiced & (cents < 10)
    out["steady_frames"] = float(steady.sum())
    out["glide_frames"] = float((voiced & ~steady).sum())
    out["residual_share_glides"] = float(kept[:, voiced & ~steady].sum()) / total
    out["rest_db_steady_frames"] = 10 * np.log10(float(kept[:, steady].sum()) / float((ref * rest)[:, steady].sum()))
    out["residual_share_within_3_bins"] = float(kept[dist <= 3 * bin_hz].sum()) / total

    def side_mid(x: np.ndarray, key: str) -> float:
        mid, side = _mid_side(x, mix.sample_rate)
        m, s = harmonic_split_db(mix, mid, f0), harmonic_split_db(mix, side, f0)
        return s[key] - m[key]

    r, voice, guitar = (side_mid(vocals.samples, "rest_db"), side_mid(vocals.samples, "harmonic_db"),
                        side_mid(accompaniment.samples, "rest_db"))
    out["side_mid_db_vocal_rest"], out["side_mid_db_voice"], out["side_mid_db_guitar"] = r, voice, guitar
    share = float(np.clip((10 ** (r / 10) - 10 ** (voice / 10)) / (10 ** (guitar / 10) - 10 ** (voice / 10)), 0, 1))
    out["guitar_share_of_residual"] = share
    out["rest_db_est_guitar_removed"] = out["vocals_rest_db@1bin"] + 10 * np.log10(max(1 - share, 1e-9))
    return out


def main(argv: list[str] | None = None) -> int:
    from bandmate.core.audio_io import load
    from bandmate.core.settings import Settings
    from bandmate.tools.backends.separation_eval import voice_f0
    from bandmate.tools.backends.spleeter_backend import load_spleeter

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    p.add_argument("--seconds", type=float, default=45.0)
    p.add_argument("--no-comb", action="store_true", help="separate without the comb gate")
    a = p.parse_args(argv)
    mix = load(a.path).slice_s(0.0, a.seconds)
    spleeter = load_spleeter(Settings.from_env())
    if a.no_comb:
        spleeter = spleeter.with_options(comb=False)
    stems = spleeter.separate(mix)
    report = residual_report(mix, stems["vocals"], stems["accompaniment"], voice_f0(mix, hop=1024), voice_f0(mix))
    for key, value in report.items():
        print(f"{key:32s} {value:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
