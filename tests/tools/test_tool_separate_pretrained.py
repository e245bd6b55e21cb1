"""The pretrained separator on real recordings: a real voice comes out, an absent one is not invented.

Skips when ../shared/data/real is absent or the Spleeter weights are not installed (scripts/install.sh).
The voice's harmonics come from pyin on the original mix (see separation_eval.voice_f0/harmonic_split_db).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bandmate.core.audio_io import load
from bandmate.core.errors import BackendUnavailable
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.backends.separation_eval import harmonic_split_db, voice_f0
from bandmate.tools.run import run_tool

REAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


@pytest.fixture(scope="module")
def spleeter():
    from bandmate.tools.backends.spleeter_backend import load_spleeter

    try:
        return load_spleeter(Settings.from_env())
    except BackendUnavailable as err:
        pytest.skip(f"Spleeter weights not installed: {err}")


@pytest.fixture(scope="module")
def fishin(spleeter):
    path = REAL_DATA / "lets_go_fishin.ogg"
    if not path.is_file():
        pytest.skip("../shared/data/real is absent")
    mix = load(path).slice_s(0.0, 45.0)  # first verse with guitar intro: enough confidently sung frames
    return mix, spleeter.separate(mix), voice_f0(mix)


def test_removing_the_vocals_removes_the_voice_and_keeps_the_guitar(fishin):
    mix, stems, f0 = fishin
    karaoke = harmonic_split_db(mix, stems["accompaniment"], f0)
    assert karaoke["voiced_frames"] > 100
    assert karaoke["harmonic_db"] <= -12.0, karaoke
    assert abs(karaoke["rest_db"]) <= 2.0, karaoke


def test_the_vocal_stem_keeps_the_voice(fishin):
    mix, stems, f0 = fishin
    vocals = harmonic_split_db(mix, stems["vocals"], f0)
    assert vocals["harmonic_fraction"] >= 0.8, vocals
    # with the comb gate the rest (1-bin guard) is ~11.1 dB down (9.1 without); most of what is left lies
    # within 2 bins of a voice partial, i.e. the voice's own Hann main lobe, not the guitar
    assert vocals["rest_db"] <= -10.5, vocals
    between = harmonic_split_db(mix, stems["vocals"], f0, lobe_bins=2.0)
    assert between["rest_db"] <= -12.0, between  # the target, the voice's main lobes left out


def test_the_comb_gate_takes_guitar_out_of_the_vocal_stem(fishin, spleeter):
    mix, stems, f0 = fishin
    ungated = spleeter.with_options(comb=False).separate(mix)["vocals"]
    gated = harmonic_split_db(mix, stems["vocals"], f0, lobe_bins=2.0)
    before = harmonic_split_db(mix, ungated, f0, lobe_bins=2.0)
    assert gated["rest_db"] <= before["rest_db"] - 2.5, (before, gated)
    assert gated["harmonic_fraction"] >= before["harmonic_fraction"] - 0.05, (before, gated)


@pytest.mark.parametrize("name", ["vibe_ace", "choice_drum_bass"])
def test_no_vocal_stem_is_presented_as_present_on_an_instrumental(name, spleeter, make_session):
    path = REAL_DATA / f"{name}.ogg"
    if not path.is_file():
        pytest.skip("../shared/data/real is absent")
    session = make_session(mix=load(path).slice_s(0.0, 20.0))
    out = run_tool(default_registry(), "separate", {}, store=session.store, session_id=session.id,
                   settings=Settings.from_env())
    vocals = out.result.presence["vocals"]
    assert out.result.stem_backends["vocals"] == "spleeter"
    assert not vocals.present and vocals.confidence < 0.2 and vocals.level_db < -30, vocals
    assert not session.head.state.stem_presence["vocals"].present
    assert "only bleed" in out.result.summary and "vocals" in out.result.summary
