"""The case format: valid files load with every field; every kind of mistake is named in the error."""

from __future__ import annotations

import textwrap

import pytest

from bandmate.eval.schema import CATEGORIES, CaseFileError, builtin_case_files, load_cases

VALID = """
cases:
- id: warm-bass-01
  category: timbre
  context:
    prompt: "mellow neo-soul groove"
    stems: [drums, bass, keys]
    tempo_bpm: 92
    key: "A minor"
    bars: 4
    seed: 7
    mixture_only: false
  request: "give the bass a bit more warmth"
  expect:
    clarify: false
    tools_any: [eq]
    tools_none: [generate]
    target: bass
    changes:
      - {measure: centroid_hz, direction: down}
    changes_any:
      - {measure: "band_db:80-400", direction: up}
      - {measure: "band_db:3000-10000", direction: down, min_change: "5%"}
    preserve: [drums, keys]
    preserve_measures: [tempo_bpm, key, duration_s]
- id: brighter-again
  category: timbre
  history: ["make the keys brighter"]
  request: "a bit more"
  expect: {changes: [{measure: rolloff_hz, direction: up, min_change: 50}]}
- id: new-chat
  category: generation
  context: null
  request: "a dreamy lo-fi loop, 80 bpm"
  expect: {tools_any: [generate], kind: edit}
"""


def write(tmp_path, text: str, name: str = "cases.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_valid_file_loads_every_field(tmp_path):
    cases = load_cases([write(tmp_path, VALID)])
    assert [c.id for c in cases] == ["warm-bass-01", "brighter-again", "new-chat"]
    c = cases[0]
    assert (c.context.stems, c.context.tempo_bpm, c.context.key, c.context.bars, c.context.seed) == \
        (["drums", "bass", "keys"], 92.0, "A minor", 4, 7)
    assert c.expect.tools_any == ["eq"] and c.expect.target == "bass" and c.expect.preserve == ["drums", "keys"]
    assert [ch.measure for ch in c.expect.changes_any] == ["band_db:80-400", "band_db:3000-10000"]
    # "5%" is relative to the value before; a number is in the measure's unit
    assert c.expect.changes_any[1].threshold(-20.0) == pytest.approx(1.0)
    assert cases[1].expect.changes[0].threshold(3000.0) == 50.0
    assert cases[1].history == ["make the keys brighter"] and cases[1].context.mixture_only is False
    assert cases[2].context is None and cases[2].expect.kind == "edit"


def test_directory_loads_all_yaml_files(tmp_path):
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, "cases:\n- {id: other, category: analysis, request: 'what key is this?'}\n", "b.yaml")
    assert len(load_cases([tmp_path])) == 4


def bad_case(**parts) -> str:
    fields = {"id": "c1", "category": "timbre", "request": "warmer bass", **parts}
    body = "\n".join(f"  {k}: {v}" for k, v in fields.items())
    return "cases:\n- " + body.lstrip() + "\n"


@pytest.mark.parametrize("text, match", [
    (bad_case(colour="red"), r"unknown key 'colour' \(valid keys: id, category, context"),
    (bad_case(expect="{clarify: false, tool: [eq]}"), r"unknown key 'expect\.tool' \(valid keys: clarify"),
    (bad_case(context="{stems: [bass], tempo: 90}"), r"unknown key 'context\.tempo'"),
    (bad_case(expect="{changes: [{measure: centroid_hz, direction: down, by: 3}]}"),
     r"unknown key 'expect\.changes\.0\.by'"),
    (bad_case(expect="{changes: [{measure: brightness, direction: up}]}"),
     r"unknown measure 'brightness'; valid measures: centroid_hz.*tempo_bpm, key, stem_count"),
    (bad_case(expect="{changes: [{measure: 'band_db:400-80', direction: up}]}"), r"should look like 'band_db:LO-HI'"),
    (bad_case(expect="{changes: [{measure: centroid_hz, direction: sideways}]}"), r"expect\.changes\.0\.direction"),
    (bad_case(expect="{changes: [{measure: centroid_hz, direction: up, min_change: 'lots'}]}"),
     r"min_change 'lots' should be a number"),
    (bad_case(expect="{changes: [{measure: centroid_hz, direction: up, min_change: -2}]}"), r"min_change -2.0 is negative"),
    (bad_case(expect="{preserve_measures: [loudness]}"), r"unknown preserve_measures \['loudness'\]"),
    (bad_case(expect="{tools_any: [equalizer]}"), r"unknown tool\(s\) \['equalizer'\] \(valid: .*eq"),
    (bad_case(expect="{clarify: false, kind: clarify}"), r"kind 'clarify' contradicts clarify: false"),
    (bad_case(category="vibes"), r"unknown category 'vibes' \(valid: timbre, space"),
    (bad_case(request="''"), r"request: String should have at least 1 character"),
    ("cases:\n- {id: c1, category: timbre}\n", r"missing key 'request'"),
    (bad_case() + bad_case().replace("cases:\n", ""), r"duplicate case id 'c1'"),
    ("- {id: c1}\n", r"expected a mapping with a top-level 'cases:' list"),
    ("cases: []\nversion: 2\n", r"unknown top-level key\(s\) \['version'\]"),
    ("cases: [\n", r"not valid YAML"),
])
def test_invalid_files_name_the_problem(tmp_path, text, match):
    with pytest.raises(CaseFileError, match=match):
        load_cases([write(tmp_path, text)])


def test_every_problem_is_reported_at_once(tmp_path):
    text = bad_case(colour="red", expect="{changes: [{measure: brightness, direction: up}]}")
    with pytest.raises(CaseFileError, match=r"2 problem\(s\).*(colour.*brightness|brightness.*colour)"):
        load_cases([write(tmp_path, text)])


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CaseFileError, match=r"nope\.yaml' does not exist"):
        load_cases([tmp_path / "nope.yaml"])


def test_builtin_cases_load_when_shipped():
    if not builtin_case_files():
        pytest.skip("no built-in case files shipped yet")
    cases = load_cases()
    assert len({c.id for c in cases}) == len(cases)
    assert {c.category for c in cases} <= set(CATEGORIES)
