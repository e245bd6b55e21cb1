"""`remove_stem`: delete one stem; every other stem stays bit-identical and the mix is re-summed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bandmate.core.errors import ToolInputError
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.separate import ensure_stems
from bandmate.tools.spec import ToolSpec


class RemoveStemArgs(ToolArgs):
    stem: str = Field(..., min_length=1, max_length=40,
                      description="The stem to delete, e.g. 'vocals' (for an instrumental/karaoke version), "
                                  "'drums', 'bass'.")


class RemoveStemResult(BaseModel):
    removed: str
    remaining: list[str]
    separated_with: str | None  # the backend that split a mix-only session first, or None
    summary: str


def remove_stem(args: RemoveStemArgs, ctx: ToolContext) -> RemoveStemResult:
    """Delete one instrument stem from the song (e.g. remove the vocals for an instrumental); the rest is untouched.

    Use it for "take the vocals out", "lose the drums", "make a karaoke version". On a session that is
    only a mixed track, the mix is first separated into drums, bass, vocals and other.
    """
    separated = ensure_stems(ctx, [args.stem])
    names = ctx.stem_names()
    if args.stem not in names:
        raise ToolInputError(ctx.unknown_target_message(args.stem))
    if names == [args.stem]:
        raise ToolInputError(f"{args.stem!r} is the only stem; removing it would leave silence. Use fade or "
                             "gain on the mix instead, or add a stem first")
    ctx.remove_stem(args.stem)
    ctx.state.mixer.pop(args.stem, None)  # its fader settings go with it
    remaining = ctx.stem_names()
    first = f"separated the mix with {separated}, then " if separated else ""
    return RemoveStemResult(removed=args.stem, remaining=remaining, separated_with=separated,
                            summary=f"{first}removed {args.stem}; the mix is now {', '.join(remaining)}")


SPEC = ToolSpec(name="remove_stem", Args=RemoveStemArgs, Result=RemoveStemResult, fn=remove_stem,
                category="music", separates_first=True, stacks=False)
