"""transient: the shaper raises or lowers the attack-to-tail ratio of hits, measured on synthesized and real drums."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.audio_io import load
from bandmate.core.clip import Clip
from bandmate.core.measures import attack_db, loudness_lufs, peak_dbfs
from bandmate.tools import default_registry
from bandmate.tools.run import run_tool
from bandmate.tools.transient import shape_transients

SR = 44100


def run(session, **args):
    return run_tool(default_registry(), "transient", args, store=session.store, session_id=session.id)


def hits(n: int = 8, gap_s: float = 0.25, decay_s: float = 0.08, seed: int = 3) -> Clip:
    """``n`` noise bursts, one every ``gap_s``: instant attack, exponential decay, at -12 dBFS peaks."""
    rng = np.random.default_rng(seed)
    x = np.zeros(int((n * gap_s + 0.5) * SR))
    burst = rng.standard_normal(int(gap_s * SR)) * np.exp(-np.arange(int(gap_s * SR)) / SR / decay_s)
    for i in range(n):
        a = int((0.1 + i * gap_s) * SR)
        x[a: a + burst.size] += burst
    x *= 0.25 / np.abs(x).max()
    return Clip(np.stack([x, x]).astype(np.float32), SR, ("hits",))


@pytest.mark.parametrize("attack, sustain, direction, least_db", [(6.0, 0.0, 1, 1.0), (6.0, -4.0, 1, 1.0),
                                                                  (-6.0, 0.0, -1, 1.0), (0.0, 6.0, -1, 0.5)])
def test_attack_and_sustain_move_the_attack_to_tail_ratio(make_session, attack, sustain, direction, least_db):
    """Sustain gain acts only as far as the slow follower lags a decay, so it moves the ratio less."""
    s = make_session(mix=hits())
    run(s, attack_db=attack, sustain_db=sustain)
    before, after = attack_db(s.mix(1)), attack_db(s.mix())
    assert direction * (after - before) > least_db, (before, after)
    assert loudness_lufs(s.mix()) == pytest.approx(loudness_lufs(s.mix(1)), abs=0.3)  # level-matched


def test_stronger_attack_moves_further_and_zero_changes_nothing():
    clip = hits()
    ratios = [attack_db(Clip(shape_transients(clip.samples, SR, attack_db=a, sustain_db=0.0), SR))
              for a in (0.0, 3.0, 9.0)]
    assert ratios[0] == pytest.approx(attack_db(clip), abs=1e-3)
    assert ratios[0] < ratios[1] < ratios[2]


def test_without_level_match_the_level_follows_the_gain():
    clip = hits()
    y = Clip(shape_transients(clip.samples, SR, attack_db=6.0, sustain_db=0.0, level_match=False), SR)
    assert peak_dbfs(y) > peak_dbfs(clip) + 3


def test_silence_and_very_short_clips_pass_through():
    silent = np.zeros((2, SR), np.float32)
    assert not np.any(shape_transients(silent, SR, attack_db=6, sustain_db=-6))
    short = np.full((1, 10), 0.1, np.float32)
    assert np.array_equal(shape_transients(short, SR, attack_db=6, sustain_db=0), short)


@pytest.mark.parametrize("args, match", [({"attack_db": 20}, "attack_db"), ({"sustain_db": -13}, "sustain_db"),
                                         ({"attack_db": "lots"}, "attack_db")])
def test_out_of_range_arguments_are_refused(make_session, args, match):
    s = make_session(mix=hits())
    with pytest.raises(Exception, match=match):
        run(s, **args)


def test_real_drums_get_a_higher_attack_to_tail_ratio(real_data, make_session):
    """choice_drum_bass (drums and bass): +6 dB attack raises the ratio by several dB at the same loudness."""
    s = make_session(mix=load(real_data / "choice_drum_bass.ogg").slice_s(2.0, 12.0))
    run(s, attack_db=6.0, sustain_db=-3.0)
    before, after = attack_db(s.mix(1)), attack_db(s.mix())
    assert after - before > 2.0, (before, after)
    assert loudness_lufs(s.mix()) == pytest.approx(loudness_lufs(s.mix(1)), abs=0.5)
