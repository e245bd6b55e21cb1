"""`extract_stem`: keep only the named stem(s) (solo); the kept stems stay bit-identical."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bandmate.core.errors import ToolInputError
from bandmate.memory.state import StripSettings
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.separate import ensure_stems
from bandmate.tools.spec import ToolSpec


class ExtractStemArgs(ToolArgs):
    stem: str = Field(..., min_length=1, max_length=40,
                      description="The stem to keep on its own, e.g. 'vocals' for an a-cappella, 'drums'.")
    also_keep: list[str] | None = Field(None, max_length=8,
                                        description="Other stems to keep with it, e.g. ['bass'] for drums + bass.")


class ExtractStemResult(BaseModel):
    kept: list[str]
    removed: list[str]
    unmuted: list[str]  # kept stems that were muted in the mixer and are now audible
    separated_with: str | None  # the backend that split a mix-only session first, or None
    summary: str


def extract_stem(args: ExtractStemArgs, ctx: ToolContext) -> ExtractStemResult:
    """Keep only one stem (or a few) and delete the rest, e.g. isolate the vocals as an a-cappella.

    Use it for "solo the drums", "just the vocals", "only drums and bass". On a session that is only a
    mixed track, the mix is first separated into drums, bass, vocals and other.
    """
    keep = list(dict.fromkeys([args.stem, *(args.also_keep or [])]))
    separated = ensure_stems(ctx, keep)
    names = ctx.stem_names()
    unknown = [k for k in keep if k not in names]
    if unknown:
        raise ToolInputError(ctx.unknown_target_message(unknown[0]))
    removed = [n for n in names if n not in keep]
    for name in removed:
        ctx.remove_stem(name)
        ctx.state.mixer.pop(name, None)
    unmuted = [k for k in keep if k in ctx.state.mixer and ctx.state.mixer[k].mute]
    for name in unmuted:  # a solo that stays silent is never what was asked for
        ctx.state.mixer[name] = StripSettings(**{**ctx.state.mixer[name].model_dump(), "mute": False})
    first = f"separated the mix with {separated}, then " if separated else ""
    done = f"kept {', '.join(keep)}" + (f", removed {', '.join(removed)}" if removed else
                                        " (nothing else to remove)")
    return ExtractStemResult(kept=keep, removed=removed, unmuted=unmuted, separated_with=separated,
                             summary=first + done + (f"; unmuted {', '.join(unmuted)}" if unmuted else ""))


SPEC = ToolSpec(name="extract_stem", Args=ExtractStemArgs, Result=ExtractStemResult, fn=extract_stem,
                category="music", replayable=False, separates_first=True, stacks=False)
