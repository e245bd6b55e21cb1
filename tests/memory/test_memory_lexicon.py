"""The lexicon: its YAML loads and validates, covers the issue's words, and cross-checks against the tools.

Bad files and bad entries must fail with messages that name the file, the entry and the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bandmate.memory.lexicon import INTENSITY_WORDS, LexiconError, load_lexicon, scaled_recipe
from bandmate.memory.lexicon_check import check_lexicon, entry_files, lexicon_problems
from bandmate.tools import default_registry

ISSUE_WORDS = ["warm", "bright", "dark", "muddy", "boxy", "thin", "harsh", "airy", "crisp", "punchy", "fat", "tight",
               "boomy", "nasal", "sibilant", "spacious", "dry", "wet", "wide", "intimate", "distant", "glue",
               "aggressive", "laid-back", "swung", "busier", "sparser", "lift", "drop", "build", "lo-fi", "cinematic"]
CATEGORIES = {"timbre", "space", "dynamics", "energy", "groove", "mood", "arrangement", "structure", "level",
              "tempo-key"}


def _entry(**changes) -> dict:
    base = {"term": "glassy-test", "aliases": ["glassier-test"], "category": "timbre",
            "definition": "A clean, bright top end from a shelf above 8 kHz.", "correlates": ["more energy above 8 kHz"],
            "stems": ["keys", "mix"],
            "recipe": [{"tool": "eq", "args": {"high_shelf_hz": 8000, "high_shelf_db": 3.0},
                        "scale": ["high_shelf_db"], "limits": {"high_shelf_db": [0.5, 8.0]}}],
            "intensity": "a touch +1 dB, plain +3 dB, way +6 dB", "opposite": None, "invertible": True,
            "proof": [{"measure": "band_db:8000-16000", "direction": "up"}],
            "examples": ["glassier keys", "a glassy top", "make it glassy"],
            "source": "Made up for the test: a shelf above 8 kHz, as mixing practice reads 'glassy'."}
    base.update(changes)
    return base


def _write(tmp_path: Path, entries: list, name: str = "bad.yaml") -> Path:
    (tmp_path / name).write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True))
    return tmp_path


# ---- the shipped lexicon -------------------------------------------------------------------------
def test_lexicon_has_at_least_150_terms_in_every_category():
    lex = load_lexicon()
    assert len(lex) >= 150
    assert {e.category for e in lex.values()} == CATEGORIES


@pytest.mark.parametrize("word", ISSUE_WORDS)
def test_every_issue_word_is_a_term_or_alias(word):
    words = {w.lower() for e in load_lexicon().values() for w in [e.term, *e.aliases]}
    assert word in words


def test_every_file_is_named_for_its_category():
    files = entry_files()
    lex = load_lexicon()
    assert set(files) == set(lex)
    wrong = {t: f for t, f in files.items() if f != f"{lex[t].category}.yaml"}
    assert not wrong, f"entries filed under another category's file: {wrong}"


def test_shipped_lexicon_passes_the_registry_cross_check():
    check_lexicon(load_lexicon(), default_registry(), sources=entry_files())  # raises listing every problem


def test_entries_are_specific():
    """Definitions say where in the spectrum or in time; each entry carries examples and an intensity note."""
    lex = load_lexicon()
    vague = [t for t, e in lex.items() if not any(ch.isdigit() for ch in e.definition)
             and e.category in ("timbre", "space", "dynamics")]
    assert not vague, f"timbre/space/dynamics definitions without a number (Hz, dB, ms, s): {vague}"
    assert all(3 <= len(e.examples) <= 6 for e in lex.values())


# ---- scaling -------------------------------------------------------------------------------------
def test_intensity_scales_and_clamps_and_mirrors():
    warm = load_lexicon()["warm"]
    touch, plain, way = (scaled_recipe(warm, INTENSITY_WORDS[w])[0][1]["low_shelf_db"]
                         for w in ("a touch", "more", "way more"))
    assert 0 < touch < plain < way <= 8.0
    assert scaled_recipe(warm, 10.0)[0][1]["low_shelf_db"] == 8.0  # clamped to its limits
    mirrored = scaled_recipe(warm, 1.0, invert=True)[0][1]
    assert mirrored["low_shelf_db"] == -3.0 and mirrored["peak1_db"] == 3.0 and mirrored["high_shelf_db"] == 1.0


# ---- schema errors name file, entry and field ---------------------------------------------------------
@pytest.mark.parametrize("entry, match", [
    (_entry(recipe=[{"tool": "eq", "args": {"high_shelf_db": 3.0}, "scale": ["high_shelf_db"]}]),
     r"bad\.yaml: entry 'glassy-test' is invalid.*needs limits"),
    (_entry(recipe=[{"tool": "eq", "args": {"high_shelf_db": "loud"}, "scale": ["high_shelf_db"],
                     "limits": {"high_shelf_db": [0, 1]}}]), r"bad\.yaml: entry 'glassy-test'.*numeric value"),
    (_entry(definition="short"), r"bad\.yaml: entry 'glassy-test'.*definition"),
    (_entry(category="vibes"), r"bad\.yaml: entry 'glassy-test'.*category"),
    (_entry(proof=[{"measure": "centroid_hz", "direction": "sideways"}]), r"'glassy-test'.*proof.*direction"),
    (_entry(colour="blue"), r"'glassy-test'.*colour.*[Ee]xtra"),
    ({k: v for k, v in _entry().items() if k != "stems"}, r"'glassy-test'.*stems.*[Ff]ield required"),
])
def test_bad_entry_fails_to_load_naming_file_entry_and_field(tmp_path, entry, match):
    with pytest.raises(LexiconError, match="(?s)" + match):  # pydantic's report spans lines
        load_lexicon(_write(tmp_path, [entry]))


def test_bad_files_fail_to_load(tmp_path):
    (tmp_path / "notalist.yaml").write_text("term: warm\n")
    with pytest.raises(LexiconError, match=r"notalist\.yaml: expected a YAML list"):
        load_lexicon(tmp_path)
    with pytest.raises(LexiconError, match=r"no lexicon YAML files"):
        load_lexicon(tmp_path / "missing")


def test_a_term_defined_twice_is_refused(tmp_path):
    _write(tmp_path, [_entry()], "a.yaml")
    _write(tmp_path, [_entry()], "b.yaml")
    with pytest.raises(LexiconError, match=r"b\.yaml: term 'glassy-test' is defined twice"):
        load_lexicon(tmp_path)


# ---- registry cross-check errors ---------------------------------------------------------------------
@pytest.mark.parametrize("entries, match", [
    ([_entry(recipe=[{"tool": "flanger", "args": {}}], invertible=False)],
     r"bad\.yaml: entry 'glassy-test' step 1 \(flanger\): unknown tool 'flanger'; registered tools: eq"),
    ([_entry(recipe=[{"tool": "reverb", "args": {"wet_level": 0.6}, "scale": ["wet_level"],
                      "limits": {"wet_level": [0.1, 1.5]}}], invertible=False)],
     r"'glassy-test' step 1 \(reverb\) at intensity 2: .*wet_level"),
    ([_entry(recipe=[{"tool": "eq", "args": {"peak1_hz": 90000, "peak1_db": 3.0}}], invertible=False)],
     r"step 1 \(eq\) at intensity .*peak1_hz"),
    ([_entry(recipe=[{"tool": "eq", "args": {"high_shelf_db": 3.0, "tilt": 1}}], invertible=False)],
     r"step 1 \(eq\).*tilt"),
    ([_entry(opposite="nope")], r"'glassy-test' opposite: 'nope' is not a term of the lexicon"),
    ([_entry(opposite="glassy-test")], r"cannot be its own opposite"),
    ([_entry(proof=[{"measure": "brightness", "direction": "up"}])], r"proof 'brightness': unknown measure"),
    ([_entry(proof=[{"measure": "band_db:9000-100", "direction": "up"}])], r"band edges"),
    ([_entry(recipe=[{"tool": "reverb", "args": {"wet_level": 0.3}, "scale": ["wet_level"],
                      "limits": {"wet_level": [0.1, 0.6]}}])], r"invertible: reverb\.wet_level is not a signed dB"),
    ([_entry(recipe=[{"tool": "eq", "args": {"high_shelf_db": 3.0}}])], r"invertible: true but no arg is scaled"),
    ([_entry(recipe=[{"tool": "eq", "args": {"high_shelf_db": 9.0}, "scale": ["high_shelf_db"],
                      "limits": {"high_shelf_db": [0.5, 8.0]}}])], r"high_shelf_db: value 9.0 is outside its limits"),
    ([_entry(examples=["one"])], r"examples: has 1, expected 3"),
    ([_entry(source=None)], r"'glassy-test' source: timbre entries must name the study"),
    ([_entry(), _entry(term="other-test", aliases=["glassier-test"])],
     r"'other-test' alias 'glassier-test' already means 'glassy-test'"),
    ([_entry(opposite="other-test"), _entry(term="other-test", aliases=[], opposite="glassy-test")],
     r"opposite: 'other-test' also moves band_db:8000-16000 up"),
])
def test_cross_check_names_file_entry_step_and_field(tmp_path, entries, match):
    lex = load_lexicon(_write(tmp_path, entries))
    with pytest.raises(LexiconError, match="(?s)" + match):
        check_lexicon(lex, default_registry(), sources=entry_files(tmp_path))


def test_cross_check_accepts_a_section_tool_without_a_range(tmp_path):
    """inpaint needs a range; the planner supplies it from the request, so the check supplies one too."""
    registry = default_registry()
    if "inpaint" not in registry:
        pytest.skip("the inpaint tool is not available")
    entry = _entry(recipe=[{"tool": "inpaint", "args": {"instruction": "build"}}], invertible=False)
    assert lexicon_problems(load_lexicon(_write(tmp_path, [entry])), registry) == []
