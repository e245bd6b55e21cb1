"""The scripted demo (`make run`) writes playable audio for every step that changed the music."""

from __future__ import annotations

from bandmate.core.audio_io import load
from bandmate.core.measures import band_db, loudness_lufs
from bandmate.surfaces.demo import run_demo


def test_short_demo_writes_music(tmp_path):
    lines: list[str] = []
    out = run_demo(tmp_path / "demo", script=("rock groove in A minor at 120 bpm with drums and bass, 2 bars",
                                              "the bass is too boomy"), echo=lines.append)
    first, second = sorted(out.glob("0*_mix.wav"))
    a, b = load(first), load(second)
    assert a.duration_s > 3.5 and -40 < loudness_lufs(a) < 0          # two bars at 120 BPM, audible
    assert band_db(b, 60, 150) < band_db(a, 60, 150) - 0.5            # less boom, measured on the mix
    assert (out / "final" / "stems" / "bass.wav").is_file() and (out / "final" / "history.json").is_file()
    assert any("Measured:" in line for line in lines)
