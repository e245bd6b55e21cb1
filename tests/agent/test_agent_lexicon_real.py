"""Lexicon recipes proved on real music: every timbre, dynamics and space entry moves its proof the declared way.

Four short excerpts of the shared recordings (``../shared/data/real``; the module skips without them):
choice_drum_bass (a drum and bass track) and lets_go_fishin (a sung folk verse) are separated once per
module with the ``separate`` tool, so drum, bass and vocal recipes act on real separated stems; recipes
for parts that are not separated (keys, guitar, strings, pad) and for the mix act on the mix of a
recording where that part plays (vibe_ace: vibraphone and piano; lets_go_fishin: guitar;
hungarian_dance_5: string orchestra). Each entry's recipe (intensity 1.0) runs on the first of its stems
that a recording holds, through ``run_tool``, and each proof is measured on that target before and after:
it must move the declared way by what the executor counts as noticeable (a 'same' proof must not move
noticeably). Three readings the issue names are pinned with their own numbers: punchier drums raise
the drums' attack-to-tail ratio, more air on the vocal lifts the vocal's and the mix's top octave, and
more space shows in ``ambience_db`` on music that already has a tail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bandmate.agent.executor import SESSION_MEASURES, judge
from bandmate.agent.plan import ExpectedChange
from bandmate.core import measures
from bandmate.core.audio_io import load
from bandmate.memory.lexicon import LexiconEntry, load_lexicon, scaled_recipe
from bandmate.memory.state import StateTable
from bandmate.memory.store import Store
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
EXCERPTS_S = {"choice_drum_bass": (2.0, 14.0), "lets_go_fishin": (20.0, 32.0), "vibe_ace": (20.0, 32.0),
              "hungarian_dance_5": (10.0, 22.0)}
SEPARATED = ("choice_drum_bass", "lets_go_fishin")
# tempos given as an upload would (``--tempo``), for beat-synced delays: what ``analyze`` measures on the excerpts
TEMPO_BPM = {"choice_drum_bass": 135.9, "lets_go_fishin": 88.4, "vibe_ace": 130.0}
# where each stem name of the lexicon plays in the recordings: (recording, target in its session)
WHERE = {"drums": ("choice_drum_bass", "drums"), "bass": ("choice_drum_bass", "bass"),
         "vocals": ("lets_go_fishin", "vocals"), "keys": ("vibe_ace", "mix"), "guitar": ("lets_go_fishin", "mix"),
         "strings": ("hungarian_dance_5", "mix"), "pad": ("hungarian_dance_5", "mix"), "mix": ("vibe_ace", "mix")}
MIN_PRESENCE = 0.5  # a separated stem must be the part, not bleed
CATEGORIES = ("timbre", "dynamics", "space")
LEXICON = load_lexicon()
ENTRIES = sorted(t for t, e in LEXICON.items() if e.category in CATEGORIES)


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> Store:
    if not REAL.is_dir() or not all((REAL / f"{name}.ogg").is_file() for name in EXCERPTS_S):
        pytest.skip("../shared/data/real is absent")
    return Store(tmp_path_factory.mktemp("lexicon-real") / "home")


@pytest.fixture(scope="module")
def sessions(real_store) -> dict[str, str]:
    """recording -> session id; the version after separation (or the upload) is the one every edit starts from."""
    out = {}
    for name, (start, end) in EXCERPTS_S.items():
        clip = load(REAL / f"{name}.ogg").slice_s(start, end)
        sid = real_store.create_session(mix=clip, stems={}, state=StateTable(tempo_bpm=TEMPO_BPM.get(name)))
        if name in SEPARATED:
            run_tool(default_registry(), "separate", {}, store=real_store, session_id=sid)
        out[name] = sid
    return out


def where(entry: LexiconEntry, store: Store, sessions: dict[str, str]) -> tuple[str, str] | None:
    """(recording, target) for the first of the entry's stems that a recording holds as a real part."""
    for stem in entry.stems:
        if stem not in WHERE:
            continue
        name, target = WHERE[stem]
        if target == "mix":
            return name, target
        version = store.version(sessions[name])
        presence = version.state.stem_presence.get(target)
        if target in version.stems and (presence is None or presence.confidence >= MIN_PRESENCE):
            return name, target
    return None


def apply(store: Store, sid: str, entry: LexiconEntry, target: str, extra: tuple[str, ...] = ()) -> dict:
    """Run the entry's recipe on ``target`` from the session's starting version; {(target, measure): (b, a)}."""
    registry = default_registry()
    base = store.version(sid)
    try:
        for tool, args in scaled_recipe(entry, 1.0):
            if "target" in registry[tool].Args.model_fields:
                args.setdefault("target", target)
            run_tool(registry, tool, args, store=store, session_id=sid)
        after = store.version(sid)
        out = {}
        for where_, measure in [(target, p.measure) for p in entry.proof] + [("mix", m) for m in extra]:
            if measure in SESSION_MEASURES:
                out[(where_, measure)] = (SESSION_MEASURES[measure](base), SESSION_MEASURES[measure](after))
                continue
            clips = [store.clip(v.mix if where_ == "mix" else v.stems[where_]) for v in (base, after)]
            out[(where_, measure)] = tuple(measures.measure(measure, c) for c in clips)
        return out
    finally:
        store.checkout(sid, base.id)  # the next entry starts from the same version


# Known not to hold on main (seen 2026-12-07, after the verify stage made 0.5 dB the smallest ambience_db change
# that counts): a reverb on lets_go_fishin's separated vocal moves ambience_db by only +0.3 to +0.8 dB, because
# the stem is digitally silent between phrases and the measure's 10th percentile sits at its floor there.
# A gap-aware ambience measure is the fix (not strict: on some excerpts the move just reaches 0.5 dB).
WEAK_AMBIENCE = {"distant", "echoey", "plate"}


def _param(term: str):
    if term in WEAK_AMBIENCE:
        return pytest.param(term, marks=pytest.mark.xfail(strict=False, reason="ambience_db pinned at its floor "
                                                                                  "by silent gaps in the vocal"))
    return term


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.parametrize("term", [_param(t) for t in ENTRIES])
def test_recipe_moves_its_proof_on_real_music(term, real_store, sessions):
    entry = LEXICON[term]
    found = where(entry, real_store, sessions)
    if found is None:
        pytest.skip(f"none of {entry.stems} plays in the shared recordings")
    name, target = found
    moved = apply(real_store, sessions[name], entry, target)
    for proof in entry.proof:
        before, after = moved[(target, proof.measure)]
        ok, big = judge(ExpectedChange(measure=proof.measure, direction=proof.direction, target=target),
                        before, after)
        assert ok and big, (f"{term} on {name} {target}: {proof.measure} should go {proof.direction}: "
                            f"{before:.4g} -> {after:.4g}")


@pytest.mark.slow
@pytest.mark.real_data
def test_punchier_drums_raise_the_attack_to_tail_ratio(real_store, sessions):
    moved = apply(real_store, sessions["choice_drum_bass"], LEXICON["punchy"], "drums", extra=("attack_db",))
    drums_before, drums_after = moved[("drums", "attack_db")]
    mix_before, mix_after = moved[("mix", "attack_db")]
    assert drums_after - drums_before > 2.0, (drums_before, drums_after)
    assert mix_after > mix_before, (mix_before, mix_after)


@pytest.mark.slow
@pytest.mark.real_data
def test_more_air_on_the_vocal_lifts_the_vocal_and_the_mix_above_10k(real_store, sessions):
    moved = apply(real_store, sessions["lets_go_fishin"], LEXICON["airy"], "vocals",
                  extra=("band_db:10000-16000",))
    vocal_before, vocal_after = moved[("vocals", "band_db:10000-16000")]
    mix_before, mix_after = moved[("mix", "band_db:10000-16000")]
    assert vocal_after - vocal_before >= 1.0, (vocal_before, vocal_after)
    assert mix_after - mix_before >= 0.5, (mix_before, mix_after)


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.parametrize("term, measure, direction, least", [("warm", "centroid_hz", -1, 0.05),
                                                             ("bright", "band_db:2000-8000", +1, 1.5)])
def test_warmer_or_brighter_vocals_move_their_proof_on_the_vocal(real_store, sessions, term, measure, direction,
                                                                 least):
    """The issue's 'make the vocals warmer' on lets_go_fishin: measured on the separated vocal itself.

    'warm' is proved by a lower centroid (by 5 %), 'bright' by its 2-8 kHz band (by 1.5 dB), the crowd's reading.
    """
    moved = apply(real_store, sessions["lets_go_fishin"], LEXICON[term], "vocals")
    before, after = moved[("vocals", measure)]
    change = direction * (after - before)
    assert change > (least * abs(before) if measure == "centroid_hz" else least), (before, after)


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.parametrize("name", ["vibe_ace", "hungarian_dance_5"])
def test_more_space_is_proved_by_ambience_on_music_with_a_tail(real_store, sessions, name):
    spacious = LEXICON["spacious"]
    assert "ambience_db" in {p.measure for p in spacious.proof}
    moved = apply(real_store, sessions[name], spacious, "mix")
    before, after = moved[("mix", "ambience_db")]
    assert after - before >= 0.5, (before, after)
