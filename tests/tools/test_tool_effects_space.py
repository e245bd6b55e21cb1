"""reverb, delay, chorus, stereo_width: measured on synthesized signals through run_tool."""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import ToolInputError
from bandmate.core.measures import centroid_hz, crest_db, decay_s, stereo_width
from bandmate.core.testsignals import noise, sine
from bandmate.tools import default_registry
from bandmate.tools.reverb import tail_seconds
from bandmate.tools.run import run_tool

SR = 44100


def run(session, tool, **args):
    return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id)


def blip(duration_s: float = 2.5, at_s: float = 0.1, channels: int = 2) -> Clip:
    """A 10 ms 1 kHz burst at ``at_s`` in silence."""
    x = np.zeros((channels, int(duration_s * SR)), np.float32)
    a = int(at_s * SR)
    x[:, a:a + 441] = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(441) / SR)
    return Clip(x, SR)


def window_rms(clip: Clip, start_s: float, end_s: float) -> float:
    seg = clip.samples[:, int(start_s * SR):int(end_s * SR)].astype(np.float64)
    return float(np.sqrt(np.mean(seg**2)))


def test_reverb_lengthens_the_decay(make_session):
    s = make_session(mix=blip())
    run(s, "reverb", room_size=0.8)
    before, after = decay_s(s.mix(1)), decay_s(s.mix())
    assert before < 0.1
    assert after > 1.0, (before, after)


def test_bigger_room_decays_longer(make_session):
    small, big = make_session(mix=blip()), make_session(mix=blip())
    run(small, "reverb", room_size=0.2)
    run(big, "reverb", room_size=0.9)
    assert decay_s(big.mix()) > 1.5 * decay_s(small.mix())


def test_reverb_in_a_range_rings_out_and_leaves_the_rest_alone(make_session):
    # bursts at 0.1 s (inside the range) and at 3.9 s (after the range and its tail)
    x = blip(4.5, 0.1).samples + blip(4.5, 3.9).samples
    s = make_session(mix=Clip(x, SR))
    run(s, "reverb", room_size=0.5, start_s=0.0, end_s=0.3)
    before, after = s.mix(1), s.mix()
    assert window_rms(before, 0.5, 1.0) == 0.0
    assert window_rms(after, 0.5, 1.0) > 1e-3  # the tail continues past the range end
    end_of_tail = int((0.3 + tail_seconds(0.5)) * SR)
    np.testing.assert_array_equal(after.samples[:, end_of_tail:], before.samples[:, end_of_tail:])


def test_delay_repeats_the_sound_after_delay_ms(make_session):
    s = make_session(mix=blip(1.5))
    run(s, "delay", delay_ms=300, feedback=0.0, wet_mix=0.5)
    before, after = s.mix(1), s.mix()
    assert window_rms(before, 0.4, 0.41) == 0.0
    assert window_rms(after, 0.4, 0.41) > 0.05  # the echo of the 0.1 s burst
    assert window_rms(after, 0.7, 0.71) < 1e-4  # no feedback: one echo only


def test_delay_in_beats_follows_the_tempo(make_session):
    s = make_session(mix=blip(1.5), tempo_bpm=120)
    out = run(s, "delay", delay_beats=0.5, feedback=0.5, wet_mix=0.5)  # an eighth note: 250 ms
    after = s.mix()
    assert "250 ms" in out.result.summary
    assert window_rms(after, 0.35, 0.36) > 0.05
    assert window_rms(after, 0.6, 0.61) > 0.02  # feedback: a second, quieter repeat
    assert window_rms(after, 0.6, 0.61) < window_rms(after, 0.35, 0.36)


def test_delay_in_beats_needs_a_tempo(make_session):
    s = make_session(mix=blip(1.0))
    with pytest.raises(ToolInputError, match="needs the session tempo"):
        run(s, "delay", delay_beats=0.5)
    assert len(s.history()) == 1


def test_chorus_makes_a_steady_tone_beat_and_keeps_its_pitch(make_session):
    s = make_session(mix=sine(440, 2.0, amplitude=0.3, channels=2))
    run(s, "chorus", rate_hz=1.0, depth=0.5, wet_mix=0.5)
    before, after = s.mix(1), s.mix()
    assert crest_db(after) - crest_db(before) > 1.0  # the modulated copy beats against the original
    assert centroid_hz(after) == pytest.approx(centroid_hz(before), rel=0.02)


def test_width_zero_makes_mono_and_two_makes_wider(make_session):
    wide = noise(1.0, amplitude=0.1, channels=2, seed=5)  # independent channels: width about 1
    mono, wider = make_session(mix=wide), make_session(mix=wide)
    run(mono, "stereo_width", width=0)
    run(wider, "stereo_width", width=2)
    assert stereo_width(mono.mix(1)) == pytest.approx(1.0, abs=0.1)
    assert stereo_width(mono.mix()) < 1e-6
    assert stereo_width(wider.mix()) == pytest.approx(4 * stereo_width(wider.mix(1)), rel=0.02)


@pytest.mark.parametrize("tool, args, match", [
    ("stereo_width", {"width": 1}, "unchanged"),
    ("stereo_width", {"width": 5}, "width"),
    ("stereo_width", {"width": 2, "target": "mono_mix"}, "unknown target"),
    ("reverb", {"room_size": 2}, "room_size"),
    ("reverb", {"wet_level": -0.1}, "wet_level"),
    ("delay", {"delay_ms": 5000}, "delay_ms"),
    ("delay", {"feedback": 1.0}, "feedback"),
    ("chorus", {"rate_hz": 100}, "rate_hz"),
    ("chorus", {"feedback": -1}, "feedback"),
])
def test_bad_space_calls_are_refused_without_a_version(make_session, tool, args, match):
    s = make_session(mix=sine(220, 0.5, channels=2))
    with pytest.raises(ToolInputError, match=match):
        run(s, tool, **args)
    assert len(s.history()) == 1


def test_widening_a_mono_clip_is_refused(make_session):
    s = make_session(mix=sine(220, 0.5, channels=1))
    with pytest.raises(ToolInputError, match="mono"):
        run(s, "stereo_width", width=2)
    assert len(s.history()) == 1
