"""`time_stretch`: change speed/tempo without changing pitch (Rubber Band via pedalboard)."""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.tools.apply import resolve_args_range, targets_of
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec
from bandmate.tools.trim import check_whole_session_target, remap_state_times

CROSSFADE_MS = 10.0


class TimeStretchArgs(RangeArgs):
    rate: float | None = Field(None, ge=0.25, le=4, description="Speed factor: 2 = twice as fast (half as "
                               "long), 0.5 = half speed (twice as long). Give rate or target_bpm.")
    target_bpm: float | None = Field(None, ge=20, le=400, description="New tempo in BPM; needs the session "
                                     "tempo to be known. Whole clip only.")

    @model_validator(mode="after")
    def _one_speed(self):
        if (self.rate is None) == (self.target_bpm is None):
            raise ToolInputError("time_stretch needs exactly one of rate (e.g. 0.9 for 10% slower) or "
                                 "target_bpm (e.g. 90)")
        return self


class TimeStretchResult(EffectResult):
    rate: float
    duration_before_s: float
    duration_s: float
    tempo_bpm: float | None


def stretch(x: np.ndarray, sample_rate: int, rate: float) -> np.ndarray:
    import pedalboard as pb

    return pb.time_stretch(np.ascontiguousarray(x, dtype=np.float32), sample_rate, stretch_factor=float(rate))


def stretch_range(clip: Clip, a: int, b: int, rate: float) -> Clip:
    """``clip`` with frames a..b played ``rate`` times faster; audio before and after is kept as is."""
    x, sr = clip.samples, clip.sample_rate
    a, b = min(a, clip.frames), min(b, clip.frames)
    if b - a < 2:
        return clip
    if a == 0 and b == clip.frames:
        y = _fit(stretch(x, sr, rate), round(clip.frames / rate))
        return clip.replace(y, f"time stretch x{rate:g}")
    f = int(CROSSFADE_MS * sr / 1000)
    p0, p1 = min(f, a), min(f, clip.frames - b)
    # stretch a little context on both sides so the stretcher is settled at the joins
    y = stretch(x[:, a - p0: b + p1], sr, rate)
    q0, m = round(p0 / rate), round((b - a) / rate)
    mid = _fit(y[:, q0:], m)
    n = min(f, m // 2)
    ramp = np.linspace(0, 1, n + 2, dtype=np.float32)[1:-1]
    if a > 0 and n:
        mid[:, :n] = x[:, a: a + n] * (1 - ramp) + mid[:, :n] * ramp
    if b < clip.frames and n:
        mid[:, m - n:] = x[:, b - n: b] * ramp + mid[:, m - n:] * (1 - ramp)
    out = np.concatenate([x[:, :a], mid, x[:, b:]], axis=1)
    return clip.replace(out, f"time stretch x{rate:g} {a / sr:.2f}-{b / sr:.2f}s")


def _fit(y: np.ndarray, frames: int) -> np.ndarray:
    if y.shape[1] >= frames:
        return y[:, :frames].copy()
    return np.pad(y, ((0, 0), (0, frames - y.shape[1])))


def _rate(args: TimeStretchArgs, ctx: ToolContext) -> float:
    if args.rate is not None:
        return args.rate
    if not ctx.state.tempo_bpm:
        raise ToolInputError(f"target_bpm={args.target_bpm:g} needs the session tempo, which is not known; "
                             "give rate instead (e.g. 0.9 for 10% slower) or run analyze first")
    if args.has_range:
        raise ToolInputError("target_bpm sets the tempo of the whole piece and cannot take a range; use "
                             "rate for a range, or drop start/end")
    rate = args.target_bpm / ctx.state.tempo_bpm
    if not 0.25 <= rate <= 4:
        raise ToolInputError(f"going from {ctx.state.tempo_bpm:g} to {args.target_bpm:g} BPM is a rate of "
                             f"{rate:.2f}, outside 0.25–4; choose a closer tempo")
    return rate


def time_stretch(args: TimeStretchArgs, ctx: ToolContext) -> TimeStretchResult:
    """Speed up or slow down the whole song without changing its pitch (change tempo/BPM, double or half speed).

    Use it for "a bit faster", "slow it down to 90 bpm" (target_bpm), "10% slower" (rate=0.9), "double
    speed" (rate=2). Every stem is stretched together and beats/chords follow; with a range only that
    part changes speed and everything after it moves.
    """
    check_whole_session_target(args.target, ctx, "time_stretch")
    rate = _rate(args, ctx)
    if rate == 1:
        raise ToolInputError("time_stretch rate 1 changes nothing; use e.g. rate=0.9 (slower) or 1.1 (faster)")
    mix = ctx.clip("mix")
    start, end = resolve_args_range(args, ctx, mix.duration_s)
    a, b = mix.frame_at(start), min(mix.frames, mix.frame_at(end))
    if (b - a) / rate < 4 * CROSSFADE_MS * mix.sample_rate / 1000:
        raise ToolInputError(f"the range {start:.3f}–{end:.3f}s is too short to stretch; give at least 50 ms")
    whole = a == 0 and b == mix.frames
    tempo = ctx.state.tempo_bpm
    if whole and tempo and not 20 <= tempo * rate <= 400:
        raise ToolInputError(f"rate {rate:g} would take {tempo:g} BPM to {tempo * rate:g} BPM, outside "
                             "20–400 BPM; choose a gentler rate")
    for name in targets_of("mix", ctx, every_stem=True):
        ctx.set_clip(name, stretch_range(ctx.clip(name), a, b, rate))
    before = mix.duration_s
    s0, s1 = a / mix.sample_rate, b / mix.sample_rate
    shift = (s1 - s0) / rate - (s1 - s0)

    def mapping(t: float) -> float:
        return t if t <= s0 else s0 + (t - s0) / rate if t <= s1 else t + shift

    remap_state_times(ctx.state, mapping, before + shift)
    ctx.state.offset_s = round(mapping(ctx.state.offset_s), 6)
    if whole and tempo:
        ctx.state.tempo_bpm = tempo = round(tempo * rate, 4)
    text = f"x{rate:.3g} speed" + (f", now {tempo:g} BPM" if whole and tempo else "")
    return TimeStretchResult(target="mix", start_s=start, end_s=end, rate=rate, duration_before_s=before,
                             duration_s=before + shift, tempo_bpm=tempo,
                             summary=f"time stretch {text} ({start:.2f}–{end:.2f}s): {before:.2f}s -> "
                                     f"{before + shift:.2f}s")


def _words(a: dict) -> str:
    return f"tempo to {a['target_bpm']:g} BPM" if a.get("target_bpm") else f"tempo ×{a.get('rate', 1):g}"


SPEC = ToolSpec(name="time_stretch", Args=TimeStretchArgs, Result=TimeStretchResult, fn=time_stretch, words=_words, stacks=False)
