"""`mix`: per-stem fader level, pan and mute, kept in the state table (``ctx.state.mixer``).

The stems' audio is never touched: ``run_tool`` re-renders the mix from the stems whenever the mixer
changes, so these moves are reversible and combine with later stem edits.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from bandmate.core.errors import ToolInputError
from bandmate.memory.state import StripSettings
from bandmate.tools.args import ToolArgs
from bandmate.tools.context import ToolContext
from bandmate.tools.separate import ensure_stems
from bandmate.tools.spec import ToolSpec


class MixArgs(ToolArgs):
    stem: str = Field(..., min_length=1, max_length=40, description="The stem whose channel strip to set, "
                                                                    "e.g. 'vocals', 'bass', 'drums'.")
    gain_db: float | None = Field(None, ge=-60, le=12,
                                  description="Fader level in dB relative to the stem as recorded (0 = as "
                                              "recorded). It sets the fader, it does not add to it. Omit to "
                                              "leave it.")
    pan: float | None = Field(None, ge=-1, le=1, description="Pan position from -1 (hard left) through 0 "
                                                              "(centre) to 1 (hard right). Omit to leave it.")
    mute: bool | None = Field(None, description="true mutes the stem, false unmutes it. Omit to leave it.")

    @model_validator(mode="after")
    def _something_to_set(self):
        if self.gain_db is None and self.pan is None and self.mute is None:
            raise ToolInputError("mix needs at least one of gain_db, pan or mute to set")
        return self


class MixResult(BaseModel):
    stem: str
    before: StripSettings
    after: StripSettings
    separated_with: str | None  # the backend that split a mix-only session first, or None
    summary: str


def mix(args: MixArgs, ctx: ToolContext) -> MixResult:
    """Set one stem's fader level (dB), pan (-1 left..1 right) or mute in the mix; the stem's audio is kept.

    Use it for "pan the keys left", "mute the drums", "vocals at -3 dB", "unmute the bass". For a
    change relative to the current level use the gain tool on that stem instead.
    """
    separated = ensure_stems(ctx, [args.stem])
    if args.stem not in ctx.stem_names():
        raise ToolInputError(ctx.unknown_target_message(args.stem))
    before = ctx.state.mixer.get(args.stem, StripSettings())
    changes = {k: v for k, v in (("gain_db", args.gain_db), ("pan", args.pan), ("mute", args.mute))
               if v is not None}
    after = StripSettings(**{**before.model_dump(), **changes})
    ctx.state.mixer[args.stem] = after
    first = f"separated the mix with {separated}, then " if separated else ""
    return MixResult(stem=args.stem, before=before, after=after, separated_with=separated,
                     summary=first + f"{args.stem}: " + ", ".join(_describe(k, getattr(before, k), v)
                                                               for k, v in changes.items()))


def _describe(field: str, old, new) -> str:
    if field == "mute":
        return ("muted" if new else "unmuted") + ("" if old != new else " (already)")
    if field == "pan":
        return f"pan {old:+.2f} → {new:+.2f}"
    return f"fader {old:+.1f} → {new:+.1f} dB"


SPEC = ToolSpec(name="mix", Args=MixArgs, Result=MixResult, fn=mix, category="music", stacks=False)
