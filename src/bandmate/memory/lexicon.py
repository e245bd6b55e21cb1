"""The lexicon of musical terms: YAML data in ``prompts/lexicon/*.yaml``, validated on load.

An entry says what a word means acoustically and how to make it happen: a ``recipe`` of tool calls
whose ``scale`` parameters grow or shrink with intensity words ("a touch" .. "way more"), each clamped
to its declared ``[min, max]`` range, and a ``proof``: the measured change that shows it worked.
A negated or "less" request uses the ``opposite`` entry when it exists, else the recipe with its
scaled parameters mirrored (only for recipes marked ``invertible``).
Every timbre entry names its ``source``: the crowd studies of EQ words (SocialEQ, Audealize, SocialFX)
where they cover the word, which is where most listeners' meaning differs from the textbook one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bandmate.core.errors import BandmateError

Category = Literal["timbre", "space", "dynamics", "energy", "groove", "mood", "arrangement", "structure",
                   "tempo-key", "level"]
LEXICON_DIR = Path(__file__).resolve().parents[1] / "prompts" / "lexicon"

INTENSITY_WORDS: dict[str, float] = {
    "a touch": 0.35, "a tiny bit": 0.35, "a hair": 0.35, "barely": 0.35, "subtly": 0.4, "a little": 0.5,
    "a bit": 0.5, "slightly": 0.5, "somewhat": 0.7, "a little more": 0.6, "more": 1.0,
    "noticeably": 1.2, "much": 1.6, "much more": 1.6, "a lot": 1.8, "lots": 1.8, "very": 1.5,
    "really": 1.5, "way": 2.0, "way more": 2.0, "way less": 2.0, "super": 1.8, "tons": 2.0,
    "extremely": 2.0, "massively": 2.0,
}


class RecipeStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    scale: list[str] = Field(default_factory=list, description="Numeric args that scale with intensity.")
    limits: dict[str, tuple[float, float]] = Field(default_factory=dict,
                                                   description="Clamp range per scaled arg.")

    @model_validator(mode="after")
    def _scaled_args_exist(self):
        for name in self.scale:
            if not isinstance(self.args.get(name), (int, float)):
                raise ValueError(f"scaled arg {name!r} must have a numeric value in args")
            if name not in self.limits:
                raise ValueError(f"scaled arg {name!r} needs limits [min, max]")
        return self


class Proof(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure: str
    direction: Literal["up", "down", "same"]


class LexiconEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: str
    aliases: list[str] = Field(default_factory=list)
    category: Category
    definition: str = Field(..., min_length=20)
    correlates: list[str] = Field(..., min_length=1)
    stems: list[str] = Field(..., min_length=1, description="Stems it usually concerns; 'mix' allowed.")
    recipe: list[RecipeStep] = Field(..., min_length=1)
    intensity: str = Field(..., min_length=10, description="How intensity words scale it, in words.")
    opposite: str | None = None
    invertible: bool = False
    proof: list[Proof] = Field(..., min_length=1)
    examples: list[str] = Field(default_factory=list, description="Utterances that mean this term.")
    source: str | None = Field(None, min_length=20, description=(
        "Where the recipe's reading comes from: the crowd study or reference and what it found for this word, "
        "and where the recipe departs from the textbook reading. Required for timbre entries."))

    @field_validator("term")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()

    def document(self) -> str:
        """The text embedded for retrieval."""
        names = ", ".join([self.term, *self.aliases])
        return f"{names}: {self.definition} Sounds like: {'; '.join(self.correlates)}. " + " ".join(self.examples)


class LexiconError(BandmateError):
    pass


def load_lexicon(directory: Path | None = None) -> dict[str, LexiconEntry]:
    """All entries under ``directory`` keyed by term; errors name the file, entry and field."""
    return dict(_load_cached(str(directory or LEXICON_DIR)))


@lru_cache(maxsize=4)
def _load_cached(directory: str) -> tuple[tuple[str, LexiconEntry], ...]:
    entries: dict[str, LexiconEntry] = {}
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise LexiconError(f"no lexicon YAML files in {directory}")
    for f in files:
        raw = yaml.safe_load(f.read_text()) or []
        if not isinstance(raw, list):
            raise LexiconError(f"{f.name}: expected a YAML list of entries, got {type(raw).__name__}")
        for i, item in enumerate(raw):
            try:
                e = LexiconEntry.model_validate(item)
            except ValidationError as err:
                name = item.get("term", f"#{i}") if isinstance(item, dict) else f"#{i}"
                raise LexiconError(f"{f.name}: entry {name!r} is invalid: {err}") from None
            if e.term in entries:
                raise LexiconError(f"{f.name}: term {e.term!r} is defined twice")
            entries[e.term] = e
    return tuple(entries.items())


def scaled_recipe(entry: LexiconEntry, factor: float, *, invert: bool = False) -> list[tuple[str, dict]]:
    """The recipe's calls with scaled args multiplied by ``factor`` (mirrored if ``invert``), clamped."""
    calls = []
    for step in entry.recipe:
        args = dict(step.args)
        for name in step.scale:
            lo, hi = step.limits[name]
            v = float(args[name]) * factor * (-1 if invert else 1)
            args[name] = round(min(max(v, min(lo, hi) if not invert else -max(lo, hi)),
                                   max(lo, hi) if not invert else -min(lo, hi)), 3)
        calls.append((step.tool, args))
    return calls


EXEMPLARS_PATH = Path(__file__).resolve().parents[1] / "prompts" / "exemplars.yaml"


def load_exemplars(path: Path | None = None) -> dict[str, list[str]]:
    """Intent -> example utterances (``prompts/exemplars.yaml``)."""
    raw = yaml.safe_load(Path(path or EXEMPLARS_PATH).read_text()) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise LexiconError(f"{path or EXEMPLARS_PATH}: expected a mapping of intent -> list of utterances")
    return {str(k): [str(u) for u in v] for k, v in raw.items()}
