"""A small built-in synthesizer, so a pip-only install (no FluidSynth, no SoundFont) still makes sound.

Each General-MIDI family maps to a ``Voice``: two band-limited single-cycle wavetables (a bright
attack timbre and a darker sustained one, crossfaded by ``timbre_s``), an ADSR envelope, optional
detuned second oscillator (stereo width) and vibrato. Mallets and bells use a few inharmonic sine
partials instead. Conventions: output is float32 ``(2, frames)``; nothing random, so a part renders
to the same samples every time. Drums are in ``synth_drums.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandmate.tools.backends.composer.arrangement import Note, Part

TABLE = 2048
VIB_HZ = 5.2


@dataclass(frozen=True)
class Voice:
    bright: tuple[float, ...]  # harmonic amplitudes (1st, 2nd, ...) at the attack
    dark: tuple[float, ...]  # harmonic amplitudes once the timbre has settled
    timbre_s: float = 0.3  # time constant of the bright -> dark crossfade
    attack_s: float = 0.005
    decay_s: float = 0.6
    sustain: float = 0.5  # level held after the decay (0: the note dies away while held)
    release_s: float = 0.15
    detune_cents: float = 0.0
    vibrato_semitones: float = 0.0
    partials: tuple[float, ...] = ()  # inharmonic ratios for mallets/bells (replace the tables)
    gain: float = 1.0


def _saw(n: int, tilt: float = 1.0) -> tuple[float, ...]:
    return tuple(1.0 / k**tilt for k in range(1, n + 1))


def _odd(n: int, tilt: float = 1.0) -> tuple[float, ...]:
    return tuple((1.0 / k**tilt) if k % 2 else 0.0 for k in range(1, n + 1))


VOICES: dict[str, Voice] = {
    "piano": Voice(_saw(14, 1.3), _saw(6, 2.2), 0.25, 0.003, 1.2, 0.0, 0.25),
    "epiano": Voice((1, 0.5, 0.2, 0.3, 0.05, 0.1), (1, 0.15, 0.05), 0.15, 0.003, 1.6, 0.0, 0.3, 4.0),
    "organ": Voice((1, 0.8, 0.6, 0.5, 0, 0.4, 0, 0.3), (1, 0.8, 0.6, 0.5, 0, 0.4, 0, 0.3), 1.0, 0.01, 0.1,
                   1.0, 0.06, 3.0, gain=0.6),
    "guitar": Voice(_saw(16, 1.1), _saw(5, 2.0), 0.18, 0.002, 0.9, 0.0, 0.12),
    "drive": Voice(_saw(24, 0.7), _saw(16, 0.9), 1.0, 0.004, 0.5, 0.7, 0.1, 8.0, gain=0.5),
    "bass": Voice((1, 0.6, 0.35, 0.2, 0.12, 0.08, 0.05), (1, 0.3, 0.1, 0.04), 0.2, 0.004, 0.7, 0.45, 0.08),
    "synth_bass": Voice(_saw(20, 1.0), _saw(6, 1.6), 0.12, 0.003, 0.4, 0.6, 0.06, gain=0.8),
    "strings": Voice(_saw(18, 1.1), _saw(12, 1.3), 1.0, 0.18, 0.4, 0.85, 0.35, 9.0, 0.12, gain=0.6),
    "pad": Voice(_saw(12, 1.6), _saw(8, 1.9), 1.0, 0.35, 0.6, 0.9, 0.6, 12.0, gain=0.7),
    "choir": Voice((1, 0.3, 0.5, 0.15, 0.1), (1, 0.3, 0.5, 0.15, 0.1), 1.0, 0.25, 0.5, 0.9, 0.45, 7.0, 0.1),
    "brass": Voice(_saw(16, 1.0), _saw(10, 1.4), 0.5, 0.04, 0.3, 0.8, 0.12, 4.0, 0.05, gain=0.7),
    "reed": Voice(_odd(12, 1.0), _odd(8, 1.3), 1.0, 0.03, 0.3, 0.85, 0.1, 0.0, 0.15, gain=0.8),
    "flute": Voice((1, 0.25, 0.08, 0.03), (1, 0.2, 0.05), 1.0, 0.05, 0.3, 0.85, 0.12, 0.0, 0.2),
    "square_lead": Voice(_odd(24, 1.0), _odd(24, 1.0), 1.0, 0.01, 0.2, 0.8, 0.1, 6.0, 0.15, gain=0.55),
    "saw_lead": Voice(_saw(24, 1.0), _saw(18, 1.1), 1.0, 0.01, 0.2, 0.8, 0.1, 8.0, 0.15, gain=0.5),
    "mallet": Voice((1,), (1,), 1.0, 0.002, 0.6, 0.0, 0.3, partials=(1.0, 3.93, 9.54)),
    "bell": Voice((1,), (1,), 1.0, 0.002, 1.8, 0.0, 0.8, partials=(1.0, 2.76, 5.40, 8.93)),
}


def voice_for(program: int) -> Voice:
    """The built-in voice for a 0-based General-MIDI program."""
    p = program
    table = [(4, "piano"), (8, "epiano"), (9, "bell"), (16, "mallet"), (24, "organ"), (29, "guitar"),
             (32, "drive"), (38, "bass"), (40, "synth_bass"), (52, "strings"), (56, "choir"), (64, "brass"),
             (72, "reed"), (80, "flute"), (81, "square_lead"), (88, "saw_lead"), (96, "pad"), (104, "bell"),
             (112, "guitar"), (128, "mallet")]
    if p in (4, 5, 6, 7):
        return VOICES["epiano"] if p != 7 else VOICES["guitar"]
    return VOICES[next(name for limit, name in table if p < limit)]


def _table(amps: tuple[float, ...], freq_hz: float, sample_rate: int) -> np.ndarray:
    """One band-limited cycle: harmonics above 90% of Nyquist are left out (no aliasing)."""
    k_max = max(1, int(0.45 * sample_rate / max(freq_hz, 1.0)))
    phase = np.arange(TABLE) / TABLE * 2 * np.pi
    out = np.zeros(TABLE)
    for k, a in enumerate(amps[:k_max], start=1):
        if a:
            out += a * np.sin(k * phase)
    peak = np.abs(out).max()
    return out / peak if peak > 0 else out


def _envelope(v: Voice, n_on: int, n_total: int, sample_rate: int, velocity: int) -> np.ndarray:
    t = np.arange(n_total) / sample_rate
    att = max(1, int(v.attack_s * sample_rate))
    env = np.where(t < v.attack_s, np.arange(n_total) / att,
                   v.sustain + (1 - v.sustain) * np.exp(-(t - v.attack_s) / max(v.decay_s, 1e-3) * 3))
    env = np.minimum(env, 1.0)
    if n_on < n_total:
        level = env[min(n_on, n_total - 1)]
        tail = np.arange(n_total - n_on) / sample_rate
        env[n_on:] = level * np.exp(-tail / max(v.release_s, 1e-3) * 4)
    return env * (velocity / 127.0) ** 1.6 * v.gain


def _lookup(table: np.ndarray, frac: np.ndarray, i0: np.ndarray) -> np.ndarray:
    """Linear interpolation in a wrapped table (``table`` has its first sample appended at the end)."""
    return table[i0] + frac * (table[i0 + 1] - table[i0])


def _oscillator(v: Voice, freq_hz: float, n: int, sample_rate: int, cents: float,
                tables: dict) -> np.ndarray:
    t = np.arange(n) / sample_rate
    f = freq_hz * 2 ** (cents / 1200)
    if v.vibrato_semitones:
        depth = v.vibrato_semitones * np.clip(t / 0.4, 0, 1)  # vibrato fades in, as players do
        phase = np.cumsum(f * 2 ** (depth * np.sin(2 * np.pi * VIB_HZ * t) / 12)) / sample_rate
    else:
        phase = t * f
    if v.partials:
        return sum(np.sin(2 * np.pi * r * phase) * np.exp(-t * (1 + 2.5 * i)) / (1 + i)
                   for i, r in enumerate(v.partials) if r * f < 0.45 * sample_rate)
    # the phase and index stay float64 (a float32 position can round up to the table's end); the
    # interpolation runs in float32 for speed
    pos = (phase % 1.0) * TABLE
    i0 = pos.astype(np.int32)
    frac = (pos - i0).astype(np.float32)
    key = (id(v), round(f, 3))
    if key not in tables:
        tables[key] = tuple(np.append(tb, tb[0]).astype(np.float32) for tb in (
            _table(v.bright, f, sample_rate), _table(v.dark, f, sample_rate)))
    bright_t, dark_t = tables[key]
    bright = _lookup(bright_t, frac, i0)
    if v.dark == v.bright:
        return bright
    m = np.exp(-t.astype(np.float32) / np.float32(max(v.timbre_s, 1e-3)))
    return m * bright + (1 - m) * _lookup(dark_t, frac, i0)


def render_note(v: Voice, note: Note, sample_rate: int, tables: dict | None = None) -> tuple[int, np.ndarray]:
    """(start frame, stereo samples) of one note including its release."""
    from bandmate.tools.backends.composer.theory import midi_to_hz

    tables = {} if tables is None else tables
    start = int(round(note.start_s * sample_rate))
    n_on = max(1, int(round((note.end_s - note.start_s) * sample_rate)))
    n_total = n_on + int(v.release_s * sample_rate)
    env = _envelope(v, n_on, n_total, sample_rate, note.velocity)
    f = midi_to_hz(note.pitch)
    left = _oscillator(v, f, n_total, sample_rate, +v.detune_cents / 2, tables)
    right = left if not v.detune_cents else _oscillator(v, f, n_total, sample_rate, -v.detune_cents / 2, tables)
    return start, np.stack([left * env, right * env])


def render_builtin(part: Part, sample_rate: int, frames: int) -> np.ndarray:
    """The whole part as float32 ``(2, frames)`` with the built-in voices (drums included)."""
    out = np.zeros((2, frames), np.float64)
    if part.is_drum:
        from bandmate.tools.backends.composer.synth_drums import render_drum_hit

        designs: dict = {}  # filter coefficients, designed once per render
        for i, note in enumerate(part.notes):
            start, x = render_drum_hit(note, sample_rate, i, designs)
            _add(out, start, x)
        return out.astype(np.float32)
    v = voice_for(part.program)
    tables: dict = {}  # wavetables per pitch, built once per render
    for note in part.notes:
        start, x = render_note(v, note, sample_rate, tables)
        _add(out, start, x)
    return out.astype(np.float32)


def _add(out: np.ndarray, start: int, x: np.ndarray) -> None:
    if start >= out.shape[1]:
        return
    n = min(x.shape[-1], out.shape[1] - start)
    out[:, start:start + n] += x[..., :n]
