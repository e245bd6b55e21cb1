"""`eq`: shape the tone with shelves, bells and high/low-pass filters in one call."""

from __future__ import annotations

from pydantic import Field, model_validator

from bandmate.core.errors import ToolInputError
from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec, hz_text

_Q = dict(ge=0.1, le=20, description="Bandwidth of the bell: 0.5 broad, 1 musical, 4+ narrow/surgical.")


class EqArgs(RangeArgs):
    low_shelf_hz: float = Field(200, ge=20, le=1000, description="Corner of the low shelf in Hz.")
    low_shelf_db: float = Field(0, ge=-24, le=24, description="Low shelf gain in dB (+ more bass/warmth, "
                                                               "- less mud/boom); 0 = off.")
    high_shelf_hz: float = Field(5000, ge=1000, le=20000, description="Corner of the high shelf in Hz.")
    high_shelf_db: float = Field(0, ge=-24, le=24, description="High shelf gain in dB (+ brighter/airier, "
                                                                "- darker/duller); 0 = off.")
    peak1_hz: float = Field(1000, ge=20, le=20000, description="Centre of bell 1 in Hz.")
    peak1_db: float = Field(0, ge=-24, le=24, description="Bell 1 gain in dB; 0 = off.")
    peak1_q: float = Field(1.0, **_Q)
    peak2_hz: float = Field(3000, ge=20, le=20000, description="Centre of bell 2 in Hz.")
    peak2_db: float = Field(0, ge=-24, le=24, description="Bell 2 gain in dB; 0 = off.")
    peak2_q: float = Field(1.0, **_Q)
    peak3_hz: float = Field(300, ge=20, le=20000, description="Centre of bell 3 in Hz.")
    peak3_db: float = Field(0, ge=-24, le=24, description="Bell 3 gain in dB; 0 = off.")
    peak3_q: float = Field(1.0, **_Q)
    highpass_hz: float | None = Field(None, ge=10, le=5000, description="Cut everything below this (rumble, "
                                                                          "mud); omit for off.")
    lowpass_hz: float | None = Field(None, ge=200, le=20000, description="Cut everything above this "
                                                                          "(hiss, harshness); omit for off.")

    @model_validator(mode="after")
    def _check_filters(self):
        if self.highpass_hz is not None and self.lowpass_hz is not None and self.lowpass_hz <= self.highpass_hz:
            raise ToolInputError(f"lowpass_hz {self.lowpass_hz:g} must be above highpass_hz {self.highpass_hz:g}, "
                                 "or nothing would pass; raise lowpass_hz or lower highpass_hz")
        return self


def _bands(args: EqArgs) -> list[tuple[str, float, float, float]]:
    """(kind, freq_hz, gain_db, q) of every active band, in signal order."""
    bands = []
    if args.highpass_hz is not None:
        bands.append(("highpass", args.highpass_hz, 0.0, 0.0))
    if args.low_shelf_db:
        bands.append(("low_shelf", args.low_shelf_hz, args.low_shelf_db, 0.7071))
    for i in (1, 2, 3):
        db = getattr(args, f"peak{i}_db")
        if db:
            bands.append(("peak", getattr(args, f"peak{i}_hz"), db, getattr(args, f"peak{i}_q")))
    if args.high_shelf_db:
        bands.append(("high_shelf", args.high_shelf_hz, args.high_shelf_db, 0.7071))
    if args.lowpass_hz is not None:
        bands.append(("lowpass", args.lowpass_hz, 0.0, 0.0))
    return bands


def _board(bands, sample_rate: int):
    import pedalboard as pb

    plugins = []
    for kind, hz, db, q in bands:
        if hz >= 0.49 * sample_rate:
            raise ToolInputError(f"{kind} at {hz:g} Hz is above what {sample_rate} Hz audio can hold "
                                 f"(up to {sample_rate / 2:g} Hz); use a frequency below "
                                 f"{0.45 * sample_rate:g} Hz")
        if kind == "highpass":
            plugins.append(pb.HighpassFilter(cutoff_frequency_hz=hz))
        elif kind == "lowpass":
            plugins.append(pb.LowpassFilter(cutoff_frequency_hz=hz))
        elif kind == "low_shelf":
            plugins.append(pb.LowShelfFilter(cutoff_frequency_hz=hz, gain_db=db, q=q))
        elif kind == "high_shelf":
            plugins.append(pb.HighShelfFilter(cutoff_frequency_hz=hz, gain_db=db, q=q))
        else:
            plugins.append(pb.PeakFilter(cutoff_frequency_hz=hz, gain_db=db, q=q))
    return pb.Pedalboard(plugins)


def _describe(bands) -> str:
    parts = []
    for kind, hz, db, q in bands:
        if kind in ("highpass", "lowpass"):
            parts.append(f"{kind} {hz:g} Hz")
        elif kind == "peak":
            parts.append(f"bell {db:+.1f} dB at {hz:g} Hz (Q {q:g})")
        else:
            parts.append(f"{kind.replace('_', ' ')} {db:+.1f} dB at {hz:g} Hz")
    return ", ".join(parts)


def eq(args: EqArgs, ctx: ToolContext) -> EffectResult:
    """Equalise: boost or cut bass, mids or treble (shelves, up to 3 bells, high/low-pass) on the mix or a stem.

    Use it for tone words: "boomy/muddy" (cut 100–300 Hz), "thin" (boost lows), "boxy" (cut 400–800 Hz),
    "honky/nasal" (cut ~1 kHz), "harsh" (cut 2–5 kHz), "dull/dark" vs "bright/airy" (high shelf),
    "rumble" (highpass_hz). Several bands go in one call; bands left at 0 dB are off.
    """
    bands = _bands(args)
    if not bands:
        raise ToolInputError("eq received no active band: every gain is 0 dB and no highpass_hz/lowpass_hz was "
                             "given; set e.g. low_shelf_db=-3 or peak1_hz=250 with peak1_db=-4")
    sr = ctx.clip(args.target).sample_rate
    board = _board(bands, sr)
    text = _describe(bands)
    start, end = apply_effect(args, ctx, lambda x, rate: board(x, rate), label=f"eq {text}")
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"eq on {args.target} ({start:.2f}–{end:.2f}s): {text}")


def _words(a: dict) -> str:
    parts = []
    if a.get("highpass_hz"):
        parts.append(f"high-pass at {hz_text(a['highpass_hz'])}")
    if a.get("low_shelf_db"):
        parts.append(f"{a['low_shelf_db']:+g} dB low shelf below {hz_text(a.get('low_shelf_hz', 200))}")
    for i in (1, 2, 3):
        if a.get(f"peak{i}_db"):
            parts.append(f"{a[f'peak{i}_db']:+g} dB bell at {hz_text(a.get(f'peak{i}_hz', 1000))}")
    if a.get("high_shelf_db"):
        parts.append(f"{a['high_shelf_db']:+g} dB high shelf above {hz_text(a.get('high_shelf_hz', 5000))}")
    if a.get("lowpass_hz"):
        parts.append(f"low-pass at {hz_text(a['lowpass_hz'])}")
    return ", ".join(parts) or "flat EQ"


SPEC = ToolSpec(name="eq", Args=EqArgs, Result=EffectResult, fn=eq, words=_words, restemmable=True,
                level_args=frozenset({"low_shelf_db", "high_shelf_db", "peak1_db", "peak2_db", "peak3_db"}))
