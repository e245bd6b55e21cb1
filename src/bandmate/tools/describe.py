"""`describe`: measure the mix or a stem (read-only)."""

from __future__ import annotations

from pydantic import BaseModel

from bandmate.tools.apply import resolve_args_range
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.spec import ToolSpec


class DescribeArgs(RangeArgs):
    pass


class DescribeResult(BaseModel):
    target: str
    start_s: float
    end_s: float
    duration_s: float
    sample_rate: int
    channels: int
    measures: dict[str, float]
    summary: str


def describe(args: DescribeArgs, ctx: ToolContext) -> DescribeResult:
    """Measure the mix or a stem without changing it: loudness, brightness, band levels, width, dynamics, decay.

    Use it to answer "how loud is it?", "is the bass too boomy?", "how wide is the mix?", or to check a
    part (a range) before and after an edit. Changes nothing.
    """
    from bandmate.core.measures import measure_all

    clip = ctx.clip(args.target)
    start, end = resolve_args_range(args, ctx, clip.duration_s)
    part = clip.slice_s(start, end) if args.has_range else clip
    values = measure_all(part)
    summary = (f"{args.target} {start:.2f}–{end:.2f}s: {values['loudness_lufs']:.1f} LUFS, centroid "
               f"{values['centroid_hz']:.0f} Hz, crest {values['crest_db']:.1f} dB, width "
               f"{values['stereo_width']:.2f}")
    return DescribeResult(target=args.target, start_s=start, end_s=end, duration_s=part.duration_s,
                          sample_rate=part.sample_rate, channels=part.channels, measures=values,
                          summary=summary)


SPEC = ToolSpec(name="describe", Args=DescribeArgs, Result=DescribeResult, fn=describe, read_only=True,
                category="analysis")
