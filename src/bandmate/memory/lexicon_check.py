"""Cross-checks of the lexicon against the tool registry and the measures, beyond what the schema sees.

``load_lexicon`` validates each entry on its own. These checks look across entries and into the tools:
every recipe step names a registered tool whose arguments validate at every intensity the planner can
ask for (mirrored too, for invertible entries), every opposite names another entry, every proof names
a real measure, every timbre entry names its source, and no alias means two things. A problem names the file, the entry, the recipe step
and the field, e.g. ``space.yaml: entry 'wet' step 1 (reverb): wet_level: Input should be less than or
equal to 1 (got 1.4)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from bandmate.core import measures
from bandmate.memory.lexicon import INTENSITY_WORDS, LEXICON_DIR, LexiconEntry, LexiconError, scaled_recipe

SESSION_MEASURES = ("stem_count", "tempo_bpm")  # measured on the session's version, not on audio
MIRRORABLE = re.compile(r"(_db|semitones)$")  # args whose sign flip is the opposite move
SAMPLE_RANGE = {"start_bar": 1, "end_bar": 2}  # what the planner adds for "... in bars 1-2"
RANGE_KEYS = ("start_s", "end_s", "start_bar", "end_bar")
EXAMPLES = (3, 6)
SOURCED = ("timbre",)  # categories whose every entry must say where its reading comes from


def entry_files(directory: Path | None = None) -> dict[str, str]:
    """term -> name of the YAML file that defines it (for messages)."""
    out: dict[str, str] = {}
    for f in sorted(Path(directory or LEXICON_DIR).glob("*.yaml")):
        for item in yaml.safe_load(f.read_text()) or []:
            if isinstance(item, dict) and isinstance(item.get("term"), str):
                out[item["term"].strip().lower()] = f.name
    return out


def check_lexicon(entries: Mapping[str, LexiconEntry], registry: Any, *,
                  sources: Mapping[str, str] | None = None) -> None:
    """Raise LexiconError listing every problem :func:`lexicon_problems` finds."""
    problems = lexicon_problems(entries, registry, sources=sources)
    if problems:
        raise LexiconError(f"{len(problems)} lexicon problem(s):\n" + "\n".join(problems))


def lexicon_problems(entries: Mapping[str, LexiconEntry], registry: Any, *,
                     sources: Mapping[str, str] | None = None) -> list[str]:
    """Every cross-entry and registry problem, one line each, naming file, entry, step and field."""
    sources = sources or {}
    problems: list[str] = []
    for term, entry in entries.items():
        where = f"{sources.get(term, '?')}: entry {term!r}"
        problems += [f"{where} {p}" for p in _entry_problems(entry, entries, registry)]
    problems += _alias_problems(entries, sources)
    return problems


def _entry_problems(entry: LexiconEntry, entries: Mapping[str, LexiconEntry], registry: Any) -> list[str]:
    out = [p for i, step in enumerate(entry.recipe, start=1) for p in _step_problems(entry, i, step, registry)]
    out += _opposite_problems(entry, entries)
    out += [f"proof {p.measure!r}: {why}" for p in entry.proof if (why := _measure_problem(p.measure))]
    if entry.invertible:
        out += _invertible_problems(entry)
    if entry.category in SOURCED and not entry.source:
        out.append(f"source: {entry.category} entries must name the study or reference their recipe follows "
                   "(e.g. 'SocialEQ (Cartwright & Pardo 2013): crowd curve raises ...')")
    lo, hi = EXAMPLES
    if not lo <= len(entry.examples) <= hi:
        out.append(f"examples: has {len(entry.examples)}, expected {lo}–{hi} utterances")
    return out


def _step_problems(entry: LexiconEntry, index: int, step, registry: Any) -> list[str]:
    where = f"step {index} ({step.tool})"
    if step.tool not in registry:
        return [f"{where}: unknown tool {step.tool!r}; registered tools: {', '.join(registry.names())}"]
    out = []
    for name in step.scale:
        lo, hi = sorted(step.limits[name])
        if not lo <= float(step.args[name]) <= hi:
            out.append(f"{where}: {name}: value {step.args[name]} is outside its limits [{lo:g}, {hi:g}]")
    spec = registry[step.tool]
    for factor, invert in _intensities(entry.invertible):
        args = scaled_recipe(entry, factor, invert=invert)[index - 1][1]
        error = _validate(spec, args)
        if error:
            how = f"intensity {factor:g}{' mirrored' if invert else ''}"
            out.append(f"{where} at {how}: {error}")
            break  # one failing intensity says enough about this step
    return out


def _intensities(invertible: bool) -> Iterable[tuple[float, bool]]:
    factors = sorted({1.0, min(INTENSITY_WORDS.values()), max(INTENSITY_WORDS.values())})
    for invert in (False, True) if invertible else (False,):
        for f in factors:
            yield f, invert


def _validate(spec, args: dict) -> str | None:
    """None if ``args`` validate as the planner would send them (whole clip, or a named bar range)."""
    errors = []
    variants = [args]
    if "start_bar" in spec.Args.model_fields and not any(k in args for k in RANGE_KEYS):
        variants.append({**args, **SAMPLE_RANGE})
    for variant in variants:
        try:
            spec.parse_args(variant)
            return None
        except Exception as err:  # noqa: BLE001 - any validation failure is reported as text
            errors.append(str(err))
    return errors[0]


def _opposite_problems(entry: LexiconEntry, entries: Mapping[str, LexiconEntry]) -> list[str]:
    if entry.opposite is None:
        return []
    if entry.opposite == entry.term:
        return ["opposite: an entry cannot be its own opposite"]
    other = entries.get(entry.opposite)
    if other is None:
        return [f"opposite: {entry.opposite!r} is not a term of the lexicon; name an entry or use null"]
    mine = {p.measure: p.direction for p in entry.proof}
    return [f"opposite: {other.term!r} also moves {p.measure} {p.direction}; opposites must move it apart"
            for p in other.proof if p.direction != "same" and mine.get(p.measure) == p.direction]


def _invertible_problems(entry: LexiconEntry) -> list[str]:
    scaled = [(s.tool, name) for s in entry.recipe for name in s.scale]
    if not scaled:
        return ["invertible: true but no arg is scaled, so the mirror would repeat the recipe"]
    out = [f"invertible: {tool}.{name} is not a signed dB or semitone value; mirroring it is meaningless"
           for tool, name in scaled if not MIRRORABLE.search(name)]
    for step in entry.recipe:
        for name in step.scale:
            lo, hi = step.limits[name]
            if lo * hi < 0:
                out.append(f"invertible: {step.tool}.{name} limits [{lo:g}, {hi:g}] straddle 0, so the mirror "
                           "can land on the same side")
    return out


def _measure_problem(name: str) -> str | None:
    if name in SESSION_MEASURES or name in measures.MEASURE_NAMES:
        return None
    m = re.fullmatch(r"band_db:(\d+(?:\.\d*)?)-(\d+(?:\.\d*)?)", name)
    if m is None:
        valid = ", ".join((*measures.MEASURE_NAMES, "band_db:LO-HI", *SESSION_MEASURES))
        return f"unknown measure; valid: {valid}"
    lo, hi = float(m[1]), float(m[2])
    if not 0 <= lo < hi <= 24000:
        return f"band edges must satisfy 0 <= LO < HI <= 24000 Hz, got {lo:g}-{hi:g}"
    return None


def _alias_problems(entries: Mapping[str, LexiconEntry], sources: Mapping[str, str]) -> list[str]:
    owner: dict[str, str] = {}
    out = []
    for term, entry in entries.items():
        for word in dict.fromkeys(a.strip().lower() for a in [term, *entry.aliases]):
            first = owner.setdefault(word, term)
            if first != term:
                out.append(f"{sources.get(term, '?')}: entry {term!r} alias {word!r} already means {first!r} "
                           f"({sources.get(first, '?')}); one word must mean one thing")
    return out
