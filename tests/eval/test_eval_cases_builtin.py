"""The built-in eval case set: valid against the public case format, broad, and runnable on the generator.

The case files are a yardstick, so these tests check the files themselves: every key, tool and measure
is one the format allows; each target and preserved stem exists in the session the case builds; the
set covers every category and the ways musicians talk (bar ranges, follow-ups, mixture-only sessions,
clarifications); and the few distinct starting sessions compose exactly the stems the cases name.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from importlib import resources

import numpy as np
import pytest
import yaml

from bandmate.core import measures
from bandmate.core.clip import Clip
from bandmate.tools import default_registry

CATEGORIES = ("timbre", "space", "dynamics", "energy", "arrangement", "structure", "tempo-key", "generation",
              "analysis", "ambiguous")
CASE_KEYS = {"id", "category", "context", "request", "expect", "history", "note"}
CONTEXT_KEYS = {"prompt", "stems", "tempo_bpm", "key", "bars", "seed", "mixture_only"}
EXPECT_KEYS = {"clarify", "kind", "tools_any", "tools_none", "target", "changes", "changes_any", "preserve",
               "preserve_measures"}
KINDS = {"edit", "clarify", "answer", "history"}
CHANGE_KEYS = {"measure", "direction", "min_change"}
SESSION_MEASURES = {"tempo_bpm", "key", "stem_count"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PCT_RE = re.compile(r"^\d+(?:\.\d+)?%$")
RANGE_RE = re.compile(r"\bbars? \d|\b(?:first|last|second|opening|final) (?:\w+ )?bars?\b|\bbar (?:one|two)\b")


def case_files():
    root = resources.files("bandmate.eval") / "cases"
    return sorted((p for p in root.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


def raw_cases() -> list[tuple[str, dict]]:
    out = []
    for path in case_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(path.name, c) for c in doc["cases"]]
    return out


CASES = raw_cases()


def context_key(ctx: dict) -> tuple:
    """What the harness caches a generated session on (mixture_only shares the generated audio)."""
    return (ctx.get("prompt", ""), tuple(ctx["stems"]), ctx["tempo_bpm"], ctx["key"], ctx["bars"], ctx["seed"])


def measure_ok(name: str) -> bool:
    if name in SESSION_MEASURES:
        return True
    try:  # the measures module is the authority on names: ask it on a tiny real clip
        measures.measure(name, Clip.mono(np.zeros(4410, dtype=np.float32), 44100))
    except Exception:  # noqa: BLE001 - any refusal means the name is not a measure
        return False
    return True


def test_files_are_one_per_category_with_only_a_cases_list():
    names = [p.name for p in case_files()]
    assert sorted(names) == sorted(f"{c.replace('-', '_')}.yaml" for c in CATEGORIES)
    for path in case_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(doc) == {"cases"}, path.name
        assert isinstance(doc["cases"], list) and doc["cases"], path.name


def test_size_ids_and_category_balance():
    assert len(CASES) >= 250
    ids = [c["id"] for _, c in CASES]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes
    assert all(ID_RE.match(i) for i in ids), [i for i in ids if not ID_RE.match(i)]
    per = Counter(c["category"] for _, c in CASES)
    assert set(per) == set(CATEGORIES)
    assert min(per.values()) >= 15, per
    for fname, c in CASES:
        assert fname == f"{c['category'].replace('-', '_')}.yaml", (fname, c["id"])


@pytest.mark.parametrize("fname,case", CASES, ids=[c["id"] for _, c in CASES])
def test_case_is_well_formed(fname, case):
    assert set(case) <= CASE_KEYS and {"id", "category", "context", "request", "expect"} <= set(case)
    ctx, exp = case["context"], case["expect"]
    assert set(ctx) <= CONTEXT_KEYS and {"stems", "tempo_bpm", "key", "bars", "seed"} <= set(ctx)
    assert 70 <= ctx["tempo_bpm"] <= 160 and ctx["bars"] in (2, 4)
    assert len(set(ctx["stems"])) == len(ctx["stems"]) >= 1
    assert isinstance(case["request"], str) and case["request"].strip()
    assert all(isinstance(h, str) and h.strip() for h in case.get("history", []))
    assert set(exp) <= EXPECT_KEYS and isinstance(exp.get("clarify", False), bool)
    if "kind" in exp:
        assert exp["kind"] in KINDS and (exp["kind"] == "clarify") == exp.get("clarify", False)

    names = set(default_registry().names())
    for key in ("tools_any", "tools_none"):
        assert set(exp.get(key, [])) <= names, (key, set(exp.get(key, [])) - names)
    assert not set(exp.get("tools_any", [])) & set(exp.get("tools_none", []))

    for ch in exp.get("changes", []) + exp.get("changes_any", []):
        assert set(ch) <= CHANGE_KEYS and ch["direction"] in ("up", "down", "same"), ch
        assert measure_ok(ch["measure"]), ch["measure"]
        mc = ch.get("min_change")
        assert mc is None or (isinstance(mc, (int, float)) and mc > 0) or PCT_RE.match(str(mc)), ch
    assert all(measure_ok(m) for m in exp.get("preserve_measures", []))
    assert len(exp.get("changes_any", [])) != 1, "a single alternative belongs in changes"


@pytest.mark.parametrize("fname,case", CASES, ids=[c["id"] for _, c in CASES])
def test_targets_and_preserved_stems_exist(fname, case):
    ctx, exp = case["context"], case["expect"]
    stems = set(ctx["stems"])
    target = exp.get("target")
    preserve = set(exp.get("preserve", []))
    if ctx.get("mixture_only"):
        # an uploaded mix has no stems before the turn: only the mix can be measured before and after
        assert target in (None, "mix") and not preserve, case["id"]
        assert "stem_count" not in exp.get("preserve_measures", [])
    elif target not in (None, "mix") and target not in stems:
        # a stem added by an earlier turn of the same conversation
        assert case.get("history"), (case["id"], target)
    assert preserve <= stems, case["id"]
    if exp.get("changes") or exp.get("changes_any"):
        assert target not in preserve, case["id"]  # a part cannot both change and stay untouched
    if exp.get("clarify") or exp.get("kind") == "history":  # asking back or undoing runs no tool
        assert not exp.get("tools_any"), case["id"]
    if exp.get("clarify"):
        assert not exp.get("changes") and not exp.get("changes_any")
    if exp.get("kind") in ("history", "answer"):  # no tool step would carry a target; measures read the mix
        assert target is None or exp.get("tools_any"), case["id"]


def test_the_set_talks_like_musicians():
    """Follow-ups, bar ranges, mixture-only sessions, clarifications and questions are all well represented."""
    hist = [c for _, c in CASES if c.get("history")]
    mixonly = [c for _, c in CASES if c["context"].get("mixture_only")]
    ranged = [c for _, c in CASES if RANGE_RE.search(c["request"].lower())]
    clarify = [c for _, c in CASES if c["expect"].get("clarify")]
    measured = [c for _, c in CASES if c["expect"].get("changes") or c["expect"].get("changes_any")]
    assert len(hist) >= 20 and len(mixonly) >= 20 and len(ranged) >= 20, (len(hist), len(mixonly), len(ranged))
    assert len(clarify) >= 15 and len(measured) >= 150, (len(clarify), len(measured))
    assert all(c["expect"].get("clarify") for _, c in CASES if c["category"] == "ambiguous")
    assert not any(c["expect"].get("clarify") for _, c in CASES if c["category"] != "ambiguous")
    for _, c in CASES:
        if c["category"] == "analysis":  # a question never edits the music
            exp = c["expect"]
            assert exp.get("clarify") is False and exp.get("kind") == "answer"
            assert {"eq", "generate", "gain"} <= set(exp.get("tools_none", []))
            assert set(exp.get("preserve", [])) == (set() if c["context"].get("mixture_only")
                                                     else set(c["context"]["stems"]))
    assert len(set(c["request"].strip().lower() for _, c in CASES)) >= 0.9 * len(CASES)


def test_few_distinct_sessions_and_they_compose_the_named_stems():
    """The harness caches one generated session per context: keep them few, short, and exactly as named."""
    from bandmate.tools.backends.composer import compose
    from bandmate.tools.generate import GenerateArgs, controls_from_args

    contexts = {context_key(c["context"]): c["context"] for _, c in CASES}
    assert len(contexts) <= 16, len(contexts)
    for ctx in contexts.values():
        args = GenerateArgs(prompt=ctx.get("prompt", ""), instruments=ctx["stems"], tempo_bpm=ctx["tempo_bpm"],
                            key=ctx["key"], bars=ctx["bars"], seed=ctx["seed"])
        arr = compose(controls_from_args(args))
        assert list(arr.parts) == list(ctx["stems"]), (ctx, list(arr.parts))
        assert arr.duration_s < 16.0, ctx  # 2-4 bars: the whole set must run in minutes


def test_load_cases_accepts_every_builtin_file():
    try:
        schema = importlib.import_module("bandmate.eval.schema")
    except ModuleNotFoundError:
        pytest.skip("bandmate.eval.schema is not written yet")
    loaded = schema.load_cases()  # the default is the built-in set: every file, validated together
    assert sorted(c.id for c in loaded) == sorted(c["id"] for _, c in CASES)
    assert {c.category for c in loaded} == set(CATEGORIES)


# ---- the yardstick holds on the rendered material ----------------------------------------------------
# A correct plan, as an engineer would run it, for a few cases whose proofs depend on what the generator
# renders (reverb on near-mono parts, stereo width, fades and bar-range mutes read as ungated level,
# busier/sparser parts): the correct plan must pass, and doing nothing must not.
REFERENCE_PLANS = {
    "space-mix-reverb-01": [("reverb", {"target": "mix", "room_size": 0.6, "wet_level": 0.2})],
    "space-pan-keys-left-01": [("mix", {"stem": "keys", "pan": -0.4})],
    "dynamics-drums-minus-3-01": [("gain", {"target": "drums", "gain_db": -3.0})],
    "timbre-warm-bass-01": [("eq", {"target": "bass", "low_shelf_hz": 250, "low_shelf_db": 2.0,
                                    "high_shelf_hz": 5000, "high_shelf_db": -1.6})],
    "energy-sparser-keys-01": [("replace_stem", {"stem": "keys", "style": "sustained"})],
    "structure-fade-out-01": [("fade", {"target": "mix", "fade_out_s": 3.0})],
    "arrangement-range-mute-drums-01": [("gain", {"target": "drums", "gain_db": -60.0, "start_bar": 2, "end_bar": 2})],
    "arrangement-lose-pad-01": [("mix", {"stem": "pad", "mute": True})],
    "space-mono-strings-01": [("stereo_width", {"target": "strings", "width": 0.0})],
    "space-cathedral-keys-01": [("reverb", {"target": "keys", "room_size": 0.95, "wet_level": 0.5})],
}


@pytest.fixture(scope="module")
def eval_harness(tmp_path_factory):
    try:
        from bandmate.eval.context import ContextBuilder
        from bandmate.eval.measure import observe
        from bandmate.eval.schema import load_cases
    except ModuleNotFoundError:
        pytest.skip("the eval harness is not written yet")
    from bandmate.memory.store import Store

    store = Store(tmp_path_factory.mktemp("evalhome"))
    cases = {c.id: c for c in load_cases() if c.id in REFERENCE_PLANS}
    return store, ContextBuilder(store=store, registry=default_registry()), observe, cases


@pytest.mark.parametrize("case_id", sorted(REFERENCE_PLANS))
def test_a_correct_plan_passes_and_doing_nothing_fails(eval_harness, case_id):
    from bandmate.tools.run import run_tool

    store, builder, observe, cases = eval_harness
    case = cases[case_id]
    session = builder.session(case.context)
    before = session.head.id
    idle = observe(case, session, before, before)
    for tool, args in REFERENCE_PLANS[case_id]:
        run_tool(default_registry(), tool, args, store=store, session_id=session.id)
    done = observe(case, session, before, session.head.id)

    def holds(obs):
        return (all(c["ok"] for c in obs["changes"]) and (not obs["changes_any"] or any(c["ok"] for c in obs["changes_any"]))
                and all(p["ok"] for p in obs["preserve"] + obs["preserve_measures"]))

    assert holds(done), done
    assert not holds(idle), idle
