"""Rendering composed parts to audio stems: FluidSynth with a General-MIDI SoundFont, or the built-in
synthesizer when no SoundFont (or no FluidSynth library) is available.

Conventions: every stem is a stereo ``Clip`` at ``sample_rate`` (44.1 kHz by default). FluidSynth runs
with its reverb and chorus off (dry, repeatable stems; space is added by the effect tools) and renders
float samples, one fresh synth per part so no state leaks between parts. FluidSynth's output is
quiet (about −27 dBFS at gain 0.2), so every stem is levelled by role: an RMS target measured over the
part's active span, with a peak ceiling. ``render_arrangement`` gives all stems one length: the bar
grid plus ``tail_s`` of release, ending with a short fade.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable
from bandmate.core.settings import Settings
from bandmate.tools.backends.composer.arrangement import Arrangement, Part

# role -> RMS target in dBFS over the part's active span (a balanced starting mix)
ROLE_RMS_DB = {"drums": -17.0, "bass": -17.0, "comp": -21.0, "pad": -24.0, "lead": -20.0, "arp": -22.0}
PEAK_CEILING = 0.7  # −3 dBFS per stem
FADE_S = 0.05
FLUID_GAIN = 0.5


def soundfont_path(settings: Settings | None) -> Path | None:
    """The SoundFont to use, or None (built-in synth) when it is unset or missing."""
    s = settings or Settings.from_env()
    p = s.soundfont
    return p if p is not None and Path(p).is_file() else None


def engine_name(settings: Settings | None = None) -> str:
    """'fluidsynth' when a SoundFont and the FluidSynth library are usable, else 'builtin'."""
    if soundfont_path(settings) is None:
        return "builtin"
    try:
        _fluid_module()
    except BackendUnavailable:
        return "builtin"
    return "fluidsynth"


def render_part(part: Part, *, sample_rate: int = 44100, duration_s: float | None = None,
                settings: Settings | None = None, level: bool = True,
                renderer: FluidRenderer | None = None) -> Clip:
    """One part as a stereo clip of ``duration_s`` (default: the last note's end plus 2 s of release),
    levelled for its role unless ``level`` is False. Pass a ``FluidRenderer`` (e.g. kept in
    ``ctx.backends``) to skip reloading the SoundFont."""
    frames = max(1, int(round((duration_s if duration_s is not None else part.end_s() + 2.0) * sample_rate)))
    if renderer is None and engine_name(settings) == "fluidsynth":
        renderer = FluidRenderer(soundfont_path(settings), sample_rate)
    if renderer is not None:
        x = renderer.render(part, frames)
        source = f"fluidsynth:{renderer.sf2.name}"
    else:
        from bandmate.tools.backends.composer.synth import render_builtin

        x = render_builtin(part, sample_rate, frames)
        source = "builtin synth"
    x = _fade_end(x, sample_rate)
    if level:
        x = level_part(x, part, sample_rate)
    return Clip(x, sample_rate, (f"composed {part.name} ({part.instrument or part.role}, program {part.program})",
                                 f"rendered with {source}"))


def make_renderer(settings: Settings | None, sample_rate: int = 44100) -> FluidRenderer | None:
    """A FluidSynth renderer when the SoundFont and library are usable, else None (built-in synth)."""
    if engine_name(settings) != "fluidsynth":
        return None
    return FluidRenderer(soundfont_path(settings), sample_rate)


def render_arrangement(arr: Arrangement, *, sample_rate: int = 44100, settings: Settings | None = None,
                       tail_s: float = 1.0, renderer: FluidRenderer | None = None) -> dict[str, Clip]:
    """Every part rendered to the same length: the bar grid plus ``tail_s``."""
    duration = arr.duration_s + tail_s
    renderer = renderer or make_renderer(settings, sample_rate)
    return {name: render_part(p, sample_rate=sample_rate, duration_s=duration, settings=settings,
                              renderer=renderer)
            for name, p in arr.parts.items()}


def level_part(x: np.ndarray, part: Part, sample_rate: int) -> np.ndarray:
    """Scale to the role's RMS target over the span where the part plays, capped at the peak ceiling."""
    if not part.notes:
        return x
    a = int(min(n.start_s for n in part.notes) * sample_rate)
    b = int(max(n.end_s for n in part.notes) * sample_rate) + 1
    span = x[:, a:max(b, a + 1)]
    rms = float(np.sqrt(np.mean(np.square(span, dtype=np.float64)))) if span.size else 0.0
    peak = float(np.abs(x).max())
    if rms <= 1e-9 or peak <= 1e-9:
        return x
    target = 10 ** (ROLE_RMS_DB.get(part.role, -20.0) / 20)
    gain = min(target / rms, PEAK_CEILING / peak)
    return (x * gain).astype(np.float32)


def _fade_end(x: np.ndarray, sample_rate: int) -> np.ndarray:
    n = min(x.shape[1], int(FADE_S * sample_rate))
    if n > 1:
        x = x.copy()
        x[:, -n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)
    return x


# ---- FluidSynth ---------------------------------------------------------------------------------
def _fluid_module():
    try:
        import fluidsynth  # pyfluidsynth; loads libfluidsynth through ctypes
    except (ImportError, OSError) as err:
        raise BackendUnavailable(f"FluidSynth is not usable ({err}); install the Debian package "
                                 "'fluidsynth' and the Python package 'pyfluidsynth', or rely on the "
                                 "built-in synth") from err
    return fluidsynth


def _write_float(fluidsynth):
    """libfluidsynth's float renderer (pyfluidsynth only wraps the dithered 16-bit one)."""
    fn = fluidsynth._fl.fluid_synth_write_float
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                   ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


def _events(part: Part, sample_rate: int, frames: int) -> list[tuple[int, int, int, int]]:
    """(frame, kind, pitch, velocity) with kind 0 = note-off, 1 = note-on; offs sort first."""
    ev = []
    for n in part.notes:
        on = int(round(n.start_s * sample_rate))
        if on >= frames:
            continue
        off = min(max(on + 1, int(round(n.end_s * sample_rate))), frames - 1)
        ev += [(on, 1, n.pitch, n.velocity), (off, 0, n.pitch, 0)]
    return sorted(ev, key=lambda e: (e[0], e[1], e[2]))


class FluidRenderer:
    """Renders parts with FluidSynth, one fresh synth per part (a reused synth keeps voice state that
    changes the next render's samples), while one anchor synth holds the SoundFont open so that
    FluidSynth's sample cache makes each fresh load cheap."""

    def __init__(self, sf2: Path, sample_rate: int = 44100):
        self._fs = _fluid_module()
        self.sf2 = Path(sf2)
        self.sample_rate = sample_rate
        self._write = _write_float(self._fs)
        self._anchor, _ = self._new_synth()

    def _new_synth(self):
        synth = self._fs.Synth(gain=FLUID_GAIN, samplerate=float(self.sample_rate),
                               **{"synth.reverb.active": 0, "synth.chorus.active": 0})
        sfid = synth.sfload(str(self.sf2))
        if sfid < 0:
            synth.delete()
            raise BackendUnavailable(f"FluidSynth could not load the SoundFont {self.sf2}; set "
                                     "BANDMATE_SOUNDFONT to a valid General-MIDI .sf2")
        return synth, sfid

    def render(self, part: Part, frames: int) -> np.ndarray:
        synth, sfid = self._new_synth()
        try:
            chan = 9 if part.is_drum else 0
            bank = 128 if part.is_drum else 0
            if synth.program_select(chan, sfid, bank, part.program) != 0:
                synth.program_select(chan, sfid, bank, 0)  # the font lacks this kit/program: its first
            out = np.zeros((2, frames), np.float32)
            pos = 0
            for frame, kind, pitch, vel in _events(part, self.sample_rate, frames):
                if frame > pos:
                    _render_into(self._write, synth, out, pos, frame)
                    pos = frame
                if kind:
                    synth.noteon(chan, pitch, vel)
                else:
                    synth.noteoff(chan, pitch)
            _render_into(self._write, synth, out, pos, frames)
            return out
        finally:
            synth.delete()

    def close(self) -> None:
        if self._anchor is not None:
            self._anchor.delete()
            self._anchor = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass


def _render_into(write, synth, out: np.ndarray, start: int, end: int) -> None:
    n = end - start
    if n <= 0:
        return
    left = out[0].ctypes.data + start * 4
    right = out[1].ctypes.data + start * 4
    write(synth.synth, n, left, 0, 1, right, 0, 1)
