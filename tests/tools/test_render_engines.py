"""Rendering parts to stems: FluidSynth with the GM SoundFont, and the built-in synth fallback."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from bandmate.core.settings import Settings
from bandmate.tools.backends.composer import Controls, Note, Part, compose
from bandmate.tools.backends.render import (
    ROLE_RMS_DB,
    engine_name,
    make_renderer,
    render_arrangement,
    render_part,
)

SR = 44100
FLUID = Settings.from_env()
needs_fluid = pytest.mark.skipif(engine_name(FLUID) != "fluidsynth",
                                 reason="FluidSynth library or General-MIDI SoundFont not installed")
BUILTIN = Settings(soundfont=Path("/nonexistent/missing.sf2"))


def _peak_hz(x: np.ndarray, lo: float = 30.0, hi: float = 5000.0, rel: float = 0.3) -> float:
    """The lowest spectral peak within ``rel`` of the strongest one (the fundamental of a tone)."""
    n = 1 << 17
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    f = np.fft.rfftfreq(n, 1 / SR)
    spec[(f < lo) | (f > hi)] = 0
    strong = np.nonzero(spec >= rel * spec.max())[0]
    peaks = [i for i in strong if spec[i] >= spec[i - 1] and spec[i] >= spec[i + 1]]
    i = peaks[0]
    return float(f[i])


def _line(pitches: list[int], program: int, role: str, note_s: float = 0.5) -> Part:
    notes = [Note(p, i * note_s, (i + 0.9) * note_s, 100) for i, p in enumerate(pitches)]
    return Part("lead" if role == "lead" else role, program, False, notes, role)


def _band() -> Controls:
    return Controls(tempo_bpm=100, key="E minor", chords=["Em7", "A7"], genre="funk", bars=8, seed=1,
                    instruments=["drums", "bass", "keys", "pad"])


def test_missing_soundfont_selects_the_builtin_synth(monkeypatch):
    monkeypatch.setenv("BANDMATE_SOUNDFONT", "/nonexistent/missing.sf2")
    assert engine_name(Settings.from_env()) == "builtin"
    assert make_renderer(Settings.from_env()) is None


@pytest.mark.parametrize("program, role, pitches", [
    (81, "lead", [69, 73, 76]),  # saw lead: A4 C#5 E5
    (33, "bass", [40, 45, 43]),  # finger bass: E2 A2 G2
    (0, "comp", [60, 64, 67]),  # piano: C4 E4 G4
    (48, "pad", [57, 62, 65]),  # strings
])
def test_builtin_synth_plays_the_right_pitches(program, role, pitches):
    clip = render_part(_line(pitches, program, role), sample_rate=SR, settings=BUILTIN)
    assert clip.provenance[-1] == "rendered with builtin synth"
    assert clip.channels == 2 and clip.sample_rate == SR
    x = clip.to_mono()
    for i, p in enumerate(pitches):
        seg = x[int((i * 0.5 + 0.05) * SR):int((i * 0.5 + 0.4) * SR)]
        expected = 440 * 2 ** ((p - 69) / 12)
        assert _peak_hz(seg) == pytest.approx(expected, rel=0.015), (program, p)


def test_builtin_drums_have_low_kicks_and_bright_hats():
    kick = render_part(Part("drums", 0, True, [Note(36, 0.0, 0.2, 110)], "drums"), settings=BUILTIN).to_mono()
    hat = render_part(Part("drums", 0, True, [Note(42, 0.0, 0.1, 110)], "drums"), settings=BUILTIN).to_mono()
    k, fk = np.abs(np.fft.rfft(kick)) ** 2, np.fft.rfftfreq(len(kick), 1 / SR)
    h, fh = np.abs(np.fft.rfft(hat)) ** 2, np.fft.rfftfreq(len(hat), 1 / SR)
    assert k[fk < 200].sum() > 0.7 * k.sum()
    assert h[fh > 5000].sum() > 0.7 * h.sum()


def test_builtin_arrangement_is_deterministic_and_levelled():
    arr = compose(_band().merged(bars=4))
    a = render_arrangement(arr, settings=BUILTIN)
    b = render_arrangement(arr, settings=BUILTIN)
    assert all(np.array_equal(a[n].samples, b[n].samples) for n in a)
    assert {c.frames for c in a.values()} == {int(round((arr.duration_s + 1.0) * SR))}
    for name, clip in a.items():
        role = arr.parts[name].role
        rms_db = 20 * np.log10(np.sqrt(np.mean(clip.samples ** 2)))
        assert rms_db <= ROLE_RMS_DB[role] + 0.5 and clip.peak() <= 0.7 + 1e-6
        assert rms_db > ROLE_RMS_DB[role] - 12, name


@needs_fluid
def test_fluidsynth_renders_the_right_pitches_and_is_repeatable():
    part = _line([45, 57, 64], 33, "bass", note_s=0.6)
    renderer = make_renderer(FLUID)
    one = render_part(part, settings=FLUID, renderer=renderer)
    assert one.provenance[-1].startswith("rendered with fluidsynth")
    x = one.to_mono()
    for i, p in enumerate([45, 57, 64]):
        seg = x[int((i * 0.6 + 0.08) * SR):int((i * 0.6 + 0.5) * SR)]
        assert _peak_hz(seg, rel=0.1) == pytest.approx(440 * 2 ** ((p - 69) / 12), rel=0.02)
    drums = Part("drums", 0, True, [Note(36, 0, 0.2, 100), Note(38, 0.3, 0.5, 100)], "drums")
    render_part(drums, settings=FLUID, renderer=renderer)  # a render in between must not leak into the next
    again = render_part(part, settings=FLUID, renderer=renderer)
    fresh = render_part(part, settings=FLUID)
    assert np.array_equal(one.samples, again.samples) and np.array_equal(one.samples, fresh.samples)


@needs_fluid
def test_fluidsynth_arrangement_speed_length_and_level():
    arr = compose(_band())
    t0 = time.perf_counter()
    stems = render_arrangement(arr, settings=FLUID)
    seconds = time.perf_counter() - t0
    assert seconds < 20, f"8 bars of 4 parts took {seconds:.1f}s"
    assert set(stems) == {"drums", "bass", "keys", "pad"}
    assert {c.frames for c in stems.values()} == {int(round((arr.duration_s + 1.0) * SR))}
    for name, clip in stems.items():
        part = arr.parts[name]
        a = int(min(n.start_s for n in part.notes) * SR)
        b = int(max(n.end_s for n in part.notes) * SR)
        rms_db = 20 * np.log10(np.sqrt(np.mean(clip.samples[:, a:b] ** 2)))
        at_target = abs(rms_db - ROLE_RMS_DB[part.role]) < 0.5
        at_ceiling = clip.peak() == pytest.approx(0.7, abs=1e-3)
        assert at_target or at_ceiling, (name, rms_db, clip.peak())
        assert np.abs(clip.samples[:, -10:]).max() < 1e-3  # faded to silence at the end
