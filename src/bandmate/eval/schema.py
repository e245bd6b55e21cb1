"""The eval case format (a public contract: case files written by others must keep loading).

A case file is YAML with one top-level key, ``cases:``, holding a list of cases::

    - id: warm-bass-01
      category: timbre
      context: {prompt: "mellow neo-soul groove", stems: [drums, bass, keys], tempo_bpm: 92,
                key: "A minor", bars: 4, seed: 7, mixture_only: false}
      history: ["make the drums punchier"]       # optional earlier turns, replayed first
      request: "give the bass a bit more warmth"
      expect:
        clarify: false
        tools_any: [eq]
        tools_none: [generate]
        target: bass
        changes: [{measure: centroid_hz, direction: down}]
        changes_any: [{measure: "band_db:80-400", direction: up, min_change: 1.0}]
        preserve: [drums, keys]
        preserve_measures: [tempo_bpm, key, duration_s]

Measures are the names of ``bandmate.core.measures`` (``band_db:LO-HI`` in Hz) plus the session
measures ``tempo_bpm``, ``key`` (compared as the signed distance between tonics in semitones) and
``stem_count``. ``min_change`` is in the measure's unit, or a string such as ``"5%"`` (relative to the
value before). A context may instead start from a recording, exactly as an upload does::

      context: {audio: ../../shared/data/real/vibe_ace.ogg, excerpt_s: [10, 25]}   # or stems_dir: DIR

``audio`` is one file (the mix), ``stems_dir`` a folder of ``NAME.wav`` stems; a relative path is relative
to the case file; ``excerpt_s`` cuts ``[start, end]`` seconds first (to keep cases fast); ``tempo_bpm`` and
``key`` may be given as a user would tell them, the generator's keys may not. Loading does not need the
files: a run skips the cases whose recording is absent. ``context: null`` starts the request with no
session (a new chat). Beyond the documented keys, ``expect`` also accepts ``kind``
(edit|clarify|answer|history) and ``answer_contains`` (any of these words in the reply), and a case may
carry a free-text ``note``.
Unknown keys, measures, tools or categories are errors that name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bandmate.core.errors import BandmateError

CATEGORIES = ("timbre", "space", "dynamics", "energy", "arrangement", "structure", "tempo-key", "generation",
              "analysis", "ambiguous")
SESSION_MEASURES = ("tempo_bpm", "key", "stem_count")
PRESERVABLE = ("tempo_bpm", "key", "duration_s", "stem_count")
_PERCENT_RE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*%\s*$")
_BAND_RE = re.compile(r"^band_db:\s*(\d+(?:\.\d*)?)\s*-\s*(\d+(?:\.\d*)?)$")

Category = Literal["timbre", "space", "dynamics", "energy", "arrangement", "structure", "tempo-key",
                   "generation", "analysis", "ambiguous"]


class CaseFileError(BandmateError):
    """A case file that cannot be used; the message names the file, the case and every problem."""


def valid_measures() -> tuple[str, ...]:
    from bandmate.core.measures import MEASURE_NAMES

    return (*MEASURE_NAMES, "band_db:LO-HI", *SESSION_MEASURES)


def check_measure(name: str) -> str:
    """``name`` stripped, if it is a known measure; a ValueError naming it and the valid ones otherwise."""
    from bandmate.core.measures import MEASURE_NAMES

    key = name.strip()
    if key in MEASURE_NAMES or key in SESSION_MEASURES:
        return key
    m = _BAND_RE.match(key)
    if m and 0 <= float(m[1]) < float(m[2]):
        return key
    if key.startswith("band_db"):
        raise ValueError(f"measure {name!r} should look like 'band_db:LO-HI' with 0 <= LO < HI in Hz, "
                         "e.g. 'band_db:80-400'")
    raise ValueError(f"unknown measure {name!r}; valid measures: {', '.join(valid_measures())}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Strict):
    measure: str = Field(..., description="A measure name, e.g. 'centroid_hz' or 'band_db:80-400'.")
    direction: Literal["up", "down", "same"]
    min_change: float | str | None = Field(None, description="Smallest change that counts, in the measure's "
                                                             "unit (e.g. 1.5) or relative (e.g. '5%').")

    @field_validator("measure")
    @classmethod
    def _measure(cls, v: str) -> str:
        return check_measure(v)

    @field_validator("min_change")
    @classmethod
    def _min_change(cls, v: float | str | None) -> float | str | None:
        if isinstance(v, str):
            if _PERCENT_RE.match(v) is None:
                raise ValueError(f"min_change {v!r} should be a number in the measure's unit or a percentage "
                                 "like '5%'")
            return v.strip()
        if v is not None and v < 0:
            raise ValueError(f"min_change {v} is negative; give the size of the change (direction says which way)")
        return v

    def threshold(self, before: float) -> float | None:
        """``min_change`` in the measure's unit for a value ``before`` (percentages are of |before|)."""
        if isinstance(self.min_change, str):
            return float(_PERCENT_RE.match(self.min_change)[1]) / 100.0 * abs(before)
        return self.min_change


GENERATOR_FIELDS = ("prompt", "stems", "time_signature", "bars", "seed", "mixture_only")


class Context(_Strict):
    prompt: str = ""
    stems: list[str] | None = Field(None, description="Instruments present (the generator's parts).")
    tempo_bpm: float | None = Field(None, gt=0)
    key: str | None = None
    time_signature: str | None = None
    bars: int = Field(4, ge=1, le=64)
    seed: int = Field(0, ge=0)
    mixture_only: bool = False
    audio: str | None = Field(None, description="A recording to start from, as an upload (relative: to the "
                                                "case file).")
    stems_dir: str | None = Field(None, description="A folder of NAME.wav stems to start from (relative: to "
                                                    "the case file).")
    excerpt_s: tuple[float, float] | None = Field(None, description="[start, end] in seconds: the recording "
                                                                    "is cut to this first.")

    @model_validator(mode="after")
    def _one_source(self):
        if self.audio is not None and self.stems_dir is not None:
            raise ValueError("give context.audio (one recording) or context.stems_dir (a folder of stems), "
                             "not both")
        if self.is_recording:
            mixed = sorted(f for f in GENERATOR_FIELDS if f in self.model_fields_set)
            if mixed:
                raise ValueError(f"context {mixed} describe generated music, but this context starts from "
                                 f"{'context.audio' if self.audio else 'context.stems_dir'}; drop them "
                                 "(tempo_bpm and key may stay: they are what the user would tell an upload)")
        if self.excerpt_s is not None:
            start, end = self.excerpt_s
            if not self.is_recording:
                raise ValueError("context.excerpt_s cuts a recording; add context.audio or context.stems_dir")
            if not 0 <= start < end:
                raise ValueError(f"context.excerpt_s {list(self.excerpt_s)} should be [start, end] in seconds "
                                 "with 0 <= start < end")
        return self

    @property
    def is_recording(self) -> bool:
        """True when the session starts from files (an upload), not from the generator."""
        return self.audio is not None or self.stems_dir is not None

    def missing_files(self) -> list[str]:
        """The recording or stems folder this context needs but the disk lacks (empty: nothing missing)."""
        if self.audio is not None and not Path(self.audio).is_file():
            return [self.audio]
        if self.stems_dir is not None and not Path(self.stems_dir).is_dir():
            return [self.stems_dir]
        return []

    def cache_key(self) -> str:
        return self.model_dump_json()


class Expect(_Strict):
    clarify: bool = False
    kind: Literal["edit", "clarify", "answer", "history"] | None = None
    tools_any: list[str] = Field(default_factory=list)
    tools_none: list[str] = Field(default_factory=list)
    target: str | None = None
    changes: list[Change] = Field(default_factory=list)
    changes_any: list[Change] = Field(default_factory=list)
    preserve: list[str] = Field(default_factory=list)
    preserve_measures: list[str] = Field(default_factory=list)
    answer_contains: list[str] = Field(default_factory=list)

    @field_validator("preserve_measures")
    @classmethod
    def _preservable(cls, v: list[str]) -> list[str]:
        bad = [m for m in v if m not in PRESERVABLE]
        if bad:
            raise ValueError(f"unknown preserve_measures {bad}; valid: {', '.join(PRESERVABLE)}")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind is not None and (self.kind == "clarify") != self.clarify:
            raise ValueError(f"kind {self.kind!r} contradicts clarify: {str(self.clarify).lower()}")
        return self


class Case(_Strict):
    id: str = Field(..., min_length=1, max_length=120)
    category: Category
    context: Context | None = Field(default_factory=Context, description="null: the request starts a new chat.")
    history: list[str] = Field(default_factory=list)
    request: str = Field(..., min_length=1)
    expect: Expect = Field(default_factory=Expect)
    note: str = ""
    source: str = Field("", exclude=True, description="The file the case came from (set by load_cases).")

    def tools_named(self) -> set[str]:
        return {*self.expect.tools_any, *self.expect.tools_none}


# ---- loading ------------------------------------------------------------------------------------
def builtin_case_files() -> list[Path]:
    """The case files shipped with the package (``bandmate/eval/cases/*.yaml``)."""
    return sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def load_cases(paths: Iterable[str | Path] | None = None, *, tool_names: Sequence[str] | None = None) -> list[Case]:
    """Every case of ``paths`` (files or directories of ``*.yaml``; default: the built-in set), validated.

    ``tool_names`` are the valid names for ``tools_any``/``tools_none`` (default: the tool registry's).
    Raises :class:`CaseFileError` listing every problem found, with file, case id and field.
    """
    files = _expand(paths)
    cases: list[Case] = []
    problems: list[str] = []
    for f in files:
        got, errs = _load_file(f)
        cases += got
        problems += errs
    problems += _cross_checks(cases, tool_names)
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise CaseFileError(f"{len(problems)} problem(s) in the case files: " + "; ".join(shown))
    return cases


def _expand(paths: Iterable[str | Path] | None) -> list[Path]:
    if paths is None:
        files = builtin_case_files()
        if not files:
            raise CaseFileError("no built-in case files found under bandmate/eval/cases; pass --cases FILE")
        return files
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
            if not found:
                raise CaseFileError(f"{p} holds no *.yaml case files")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise CaseFileError(f"case file {str(p)!r} does not exist; pass a YAML file or a directory of them")
    return files


def _load_file(path: Path) -> tuple[list[Case], list[str]]:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        return [], [f"{path}: not valid YAML ({' '.join(str(err).split())})"]
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        return [], [f"{path}: expected a mapping with a top-level 'cases:' list, got "
                    f"{type(doc).__name__ if not isinstance(doc, dict) else sorted(doc)}"]
    extra = sorted(set(doc) - {"cases"})
    errs = [f"{path}: unknown top-level key(s) {extra}; only 'cases' is allowed"] if extra else []
    cases = []
    for i, raw in enumerate(doc["cases"]):
        label = f"{path.name} case #{i + 1}" + (f" ({raw.get('id')!r})" if isinstance(raw, dict) else "")
        try:
            raw = _resolved(raw, path.parent) if isinstance(raw, dict) else raw
            cases.append(Case.model_validate({**raw, "source": str(path)} if isinstance(raw, dict) else raw))
        except ValidationError as err:
            errs += [f"{label}: {_describe(e)}" for e in err.errors()]
    return cases, errs


def _resolved(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``raw`` with a relative ``context.audio``/``context.stems_dir`` made relative to the case file's folder."""
    ctx = raw.get("context")
    if not isinstance(ctx, dict):
        return raw
    fixed = {k: (str(folder.absolute() / v) if k in ("audio", "stems_dir") and isinstance(v, str) and not Path(v).is_absolute()
                 else v) for k, v in ctx.items()}
    return {**raw, "context": fixed}


def _describe(e: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in e["loc"]) or "case"
    if e["type"] == "extra_forbidden":
        parent = e["loc"][:-1]
        return f"unknown key {where!r} (valid keys: {', '.join(_fields_at(parent))})"
    if e["type"] == "missing":
        return f"missing key {where!r}"
    if e["type"] == "literal_error" and e["loc"] and e["loc"][-1] == "category":
        return f"unknown category {e.get('input')!r} (valid: {', '.join(CATEGORIES)})"
    msg = e["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}"


def _fields_at(loc: tuple) -> list[str]:
    model: type[BaseModel] = Case
    for part in loc:
        if isinstance(part, int):
            continue
        ann = model.model_fields[part].annotation
        inner = getattr(ann, "__args__", (ann,))
        nxt = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            break
        model = nxt
    return [n for n in model.model_fields if n != "source"]


def _cross_checks(cases: list[Case], tool_names: Sequence[str] | None) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for c in cases:
        if c.id in seen:
            problems.append(f"duplicate case id {c.id!r} (in {Path(seen[c.id]).name} and {Path(c.source).name})")
        seen.setdefault(c.id, c.source)
    named = set().union(*(c.tools_named() for c in cases)) if cases else set()
    if named:
        if tool_names is None:
            from bandmate.tools import default_registry

            tool_names = default_registry().names()
        for c in cases:
            bad = sorted(c.tools_named() - set(tool_names))
            if bad:
                problems.append(f"case {c.id!r}: unknown tool(s) {bad} (valid: {', '.join(sorted(tool_names))})")
    return problems
