"""`reverb`: put the sound in a room (algorithmic reverb)."""

from __future__ import annotations

from pydantic import Field

from bandmate.tools.apply import apply_effect
from bandmate.tools.args import RangeArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.results import EffectResult
from bandmate.tools.spec import ToolSpec


class ReverbArgs(RangeArgs):
    room_size: float = Field(0.5, ge=0, le=1, description="Size of the space: 0.2 small room, 0.5 hall, "
                                                          "0.9 cathedral (longer decay).")
    damping: float = Field(0.5, ge=0, le=1, description="How fast the highs die away: 0 bright, 1 dark.")
    wet_level: float = Field(0.33, ge=0, le=1, description="Level of the reverberated sound (0..1).")
    dry_level: float = Field(0.7, ge=0, le=1, description="Level of the original sound (0..1).")
    width: float = Field(1.0, ge=0, le=1, description="Stereo width of the reverb: 0 mono, 1 wide.")


def tail_seconds(room_size: float) -> float:
    """How long the reverb keeps ringing after a range ends (generous, so nothing is cut audibly)."""
    return 0.5 + 4.0 * room_size


def reverb(args: ReverbArgs, ctx: ToolContext) -> EffectResult:
    """Add reverb (room/hall ambience) to the mix or a stem for space, depth, "wet", "roomy", "washed out" sounds.

    Use it for "more space", "push the keys back", "dreamy", "cathedral", "too dry"; bigger room_size
    means a longer tail. In a range the reverb rings out naturally after the range ends.
    """
    import pedalboard as pb

    board = pb.Pedalboard([pb.Reverb(room_size=args.room_size, damping=args.damping, wet_level=args.wet_level,
                                     dry_level=args.dry_level, width=args.width)])
    text = (f"room {args.room_size:g}, damping {args.damping:g}, wet {args.wet_level:g}, "
            f"dry {args.dry_level:g}, width {args.width:g}")
    start, end = apply_effect(args, ctx, lambda x, sr: board(x, sr), label=f"reverb {text}",
                              tail_s=tail_seconds(args.room_size))
    return EffectResult(target=args.target, start_s=start, end_s=end,
                        summary=f"reverb on {args.target} ({start:.2f}–{end:.2f}s): {text}")


def _words(a: dict) -> str:
    return f"reverb (room {a.get('room_size', 0.5):g}, wet {a.get('wet_level', 0.33):g})"


SPEC = ToolSpec(name="reverb", Args=ReverbArgs, Result=EffectResult, fn=reverb, words=_words, restemmable=True)
