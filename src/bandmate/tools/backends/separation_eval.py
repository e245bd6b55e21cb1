"""Measuring separation: SDR per stem, and a synthetic band whose true stems are known.

SDR here is the plain signal-to-distortion ratio used by the MDX/SiSEC-2021 challenges
(``10 log10(|s|^2 / |s - s_hat|^2)``, no projection or allowed filtering, so it is stricter than
the bss_eval SDR of mir_eval/museval). Signals are float32 ``(channels, frames)`` arrays.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from bandmate.core.clip import Clip

Separator = Callable[[Clip], dict[str, Clip]]


def sdr_db(reference: np.ndarray, estimate: np.ndarray, eps: float = 1e-9) -> float:
    """Signal-to-distortion ratio in dB of ``estimate`` against ``reference`` (same shape)."""
    ref = np.asarray(reference, np.float64)
    est = np.asarray(estimate, np.float64)
    if ref.shape != est.shape:
        raise ValueError(f"reference {ref.shape} and estimate {est.shape} must have the same shape")
    return float(10 * np.log10((np.sum(ref**2) + eps) / (np.sum((ref - est) ** 2) + eps)))


def evaluate(separator: Separator, stems: dict[str, Clip]) -> dict[str, float]:
    """Mix ``stems``, separate the mix, and return SDR per stem (dB) plus ``rtf`` (x real time)."""
    frames = max(c.frames for c in stems.values())
    refs = {n: c.with_channels(2).padded(frames) for n, c in stems.items()}
    sr = next(iter(stems.values())).sample_rate
    mix = Clip(np.sum(list(refs.values()), axis=0), sr, ("evaluation mixture",))
    t0 = time.perf_counter()
    est = separator(mix)
    seconds = time.perf_counter() - t0
    out = {n: sdr_db(refs[n], est[n].with_channels(2).padded(frames)) for n in refs}
    out["rtf"] = mix.duration_s / max(seconds, 1e-9)
    return out


def baseline_sdr(stems: dict[str, Clip]) -> dict[str, float]:
    """SDR of the trivial separator that returns mixture / number-of-stems for every stem."""
    frames = max(c.frames for c in stems.values())
    refs = {n: c.with_channels(2).padded(frames) for n, c in stems.items()}
    mix = np.sum(list(refs.values()), axis=0)
    return {n: sdr_db(r, mix / len(refs)) for n, r in refs.items()}


# ---- a voice's harmonics on real recordings (no true stems needed) -------------------------------

N_FFT = 4096  # the measure's STFT: 93 ms at 44.1 kHz, 10.8 Hz bins (the separator's own resolution)
F0_HOP = 256  # pyin's hop for the measure: 5.8 ms, so the f0 track follows a glide within one STFT frame


def voice_f0(mix: Clip, *, fmin_hz: float = 150.0, fmax_hz: float = 1000.0, min_voiced_prob: float = 0.05,
             hop: int = F0_HOP) -> np.ndarray:
    """pyin f0 (Hz) of ``mix`` (mono sum), one value per ``hop`` samples (frame j centred on sample
    ``j * hop``); NaN where pyin finds no voice or its voiced probability is under ``min_voiced_prob`` (on a
    full mix, low-probability frames are often an accompanying instrument's pitch). The default range is a
    singing voice's, above a guitar's bass. The default hop is four tracked values per hop of
    ``harmonic_split_db``'s STFT, so that the measure can follow the voice's pitch inside each frame."""
    import librosa

    f0, voiced, prob = librosa.pyin(mix.to_mono().astype(np.float32), fmin=fmin_hz, fmax=fmax_hz,
                                    sr=mix.sample_rate, frame_length=4096, hop_length=hop, center=True)
    return np.where(voiced & (prob >= min_voiced_prob), f0, np.nan)


def harmonic_split_db(reference: Clip, estimate: Clip, f0_hz: np.ndarray, *, f0_hop: int = F0_HOP,
                      glide_span: int | None = None, harmonics: int = 10, width_cents: float = 50.0,
                      guard_cents: float = 100.0, hop: int = 1024, top_hz: float = 11000.0,
                      lobe_bins: float = 1.0) -> dict[str, float]:
    """Energy of ``estimate`` against ``reference`` at the voice's harmonics and in the rest of the spectrum.

    Both clips go through the same STFT (``N_FFT`` Hann, ``hop``, centred like ``voice_f0``). ``f0_hz`` is
    a ``voice_f0`` track of ``reference`` with one value per ``f0_hop`` samples (``hop`` a multiple of it).
    A frame counts when the track is voiced at its centre.

    The voice's pitch inside a frame: a 93 ms frame holds a sung glide's sweep (in the first verse of
    lets_go_fishin a tenth of the voiced frames' pyin track moves 60 cents or more within the frame's
    central half, 1 % 150 cents or more, against a 50-cent harmonic band and a 100-cent guard), so the
    h-th partial's energy lies along ``h * [lo, hi]``, where ``lo``/``hi`` are
    the lowest/highest voiced track values within ``glide_span`` samples of the frame centre (default
    ``N_FFT // 4``: the Hann window's central half, which carries 92 % of the frame's windowed energy).
    Reading the centre's f0 alone (``glide_span=0``, the measure before) counts a gliding voice's
    partials as rest; with a steady voice both readings are the same.

    Harmonic set: bins within ``width_cents`` (at least one bin) of the span ``h * [lo, hi]`` of harmonics
    1..``harmonics``. Rest: bins 40 Hz..``top_hz`` farther than ``guard_cents`` from the span of every
    harmonic (all orders) and farther than ``lobe_bins`` bins, i.e. what sounds between the voice's
    partials: the accompaniment. With the default (1 bin) a low partial's own Hann main lobe (2 bins each
    side) counts as "rest"; ``lobe_bins=2`` leaves the voice's main lobes out of the rest. Returns
    ``harmonic_db`` and ``rest_db`` (10 log10 of estimate / reference energy in each set),
    ``harmonic_fraction`` (the linear harmonic energy ratio) and ``voiced_frames``.
    """
    ref, est = stft_power(reference, hop), stft_power(estimate, hop)
    on, rest = voice_masks(f0_hz, reference.frames, reference.sample_rate, f0_hop=f0_hop, glide_span=glide_span,
                           harmonics=harmonics, width_cents=width_cents, guard_cents=guard_cents, hop=hop,
                           top_hz=top_hz, lobe_bins=lobe_bins)
    frames = min(ref.shape[1], est.shape[1], on.shape[1])
    ref, est, on, rest = ref[:, :frames], est[:, :frames], on[:, :frames], rest[:, :frames]
    voiced = on.any(axis=0)
    h_ref, h_est = float(ref[on].sum()), float(est[on].sum())
    r_ref, r_est = float(ref[rest].sum()), float(est[rest].sum())
    return {"harmonic_db": float(10 * np.log10((h_est + 1e-20) / (h_ref + 1e-20))),
            "rest_db": float(10 * np.log10((r_est + 1e-20) / (r_ref + 1e-20))),
            "harmonic_fraction": h_est / max(h_ref, 1e-20), "voiced_frames": int(voiced.sum())}


def voice_masks(f0_hz: np.ndarray, samples: int, sample_rate: int, *, f0_hop: int = F0_HOP,
                glide_span: int | None = None, harmonics: int = 10, width_cents: float = 50.0,
                guard_cents: float = 100.0, hop: int = 1024, top_hz: float = 11000.0,
                lobe_bins: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The harmonic and rest sets of ``harmonic_split_db`` as (bins, frames) boolean masks over the
    ``stft_power`` frames of a clip of ``samples`` frames, from its ``voice_f0`` track ``f0_hz``."""
    if hop % f0_hop:
        raise ValueError(f"hop {hop} must be a multiple of f0_hop {f0_hop}")
    expected = 1 + samples // f0_hop
    if abs(np.size(f0_hz) - expected) > 1:
        raise ValueError(f"f0_hz has {np.size(f0_hz)} values; a track of this clip at f0_hop={f0_hop} has "
                         f"{expected} (was it tracked at another hop?)")
    step = hop // f0_hop
    frames = min(1 + samples // hop, (np.size(f0_hz) - 1) // step + 1)
    lo, hi = _pitch_span(np.asarray(f0_hz, np.float64), step, frames,
                         (N_FFT // 4 if glide_span is None else glide_span) // f0_hop)
    voiced = np.isfinite(lo)
    lo, hi = np.where(voiced, lo, 0.0)[None, :], np.where(voiced, hi, 0.0)[None, :]
    freqs = np.fft.rfftfreq(N_FFT, 1 / sample_rate)[:, None]
    bin_hz = freqs[1, 0]
    on = np.zeros((freqs.size, frames), bool)
    near = np.zeros((freqs.size, frames), bool)
    guard, width = 2 ** (guard_cents / 1200) - 1, 2 ** (width_cents / 1200) - 1
    for h in range(1, int(top_hz / 100) + 1):
        # the partial sweeps h*lo..h*hi; each side reaches as far as a steady partial at that end would
        below, above = h * lo - freqs, freqs - h * hi
        near |= (below <= np.maximum(h * lo * guard, lobe_bins * bin_hz)) & (above <= np.maximum(h * hi * guard,
                                                                                               lobe_bins * bin_hz))
        if h <= harmonics:
            on |= (below <= np.maximum(h * lo * width, bin_hz)) & (above <= np.maximum(h * hi * width, bin_hz))
    on &= voiced[None, :]
    rest = voiced[None, :] & ~near & (freqs >= 40.0) & (freqs <= top_hz)
    return on, rest


def _pitch_span(f0: np.ndarray, step: int, frames: int, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Per STFT frame (centre at track index ``i * step``): the lowest and highest voiced track values
    within ``half`` track values of the centre; NaN for both where the track is unvoiced at the centre."""
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(f0, (half, half), constant_values=np.nan)
    window = sliding_window_view(padded, 2 * half + 1)[np.arange(frames) * step]
    finite = np.isfinite(window)
    lo = np.where(finite, window, np.inf).min(axis=1)
    hi = np.where(finite, window, -np.inf).max(axis=1)
    centre = np.isfinite(f0[np.arange(frames) * step])
    return np.where(centre, lo, np.nan), np.where(centre, hi, np.nan)


def stft_power(clip: Clip, hop: int = 1024) -> np.ndarray:
    """(bins, frames) power of ``clip`` summed over channels: ``N_FFT`` Hann frames every ``hop`` samples,
    frame i centred on sample ``i * hop`` (as pyin's ``center=True``)."""
    x = clip.samples.astype(np.float64)
    x = np.pad(x, [(0, 0), (N_FFT // 2, N_FFT // 2)])
    from numpy.lib.stride_tricks import sliding_window_view

    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    frames = sliding_window_view(x, N_FFT, axis=-1)[:, ::hop] * w
    return (np.abs(np.fft.rfft(frames, axis=-1)) ** 2).sum(axis=0).T


# ---- a synthetic band with known stems --------------------------------------------------------------

def synthetic_band(duration_s: float = 6.0, *, sample_rate: int = 44100, tempo_bpm: float = 120.0,
                   seed: int = 0) -> dict[str, Clip]:
    """Stereo drums, bass, vocals and other (keys) with the roles a mix usually gives them.

    drums: kick, snare and hats (near centre); bass: centre, 40-130 Hz fundamentals; vocals: a sung
    line with vibrato, dead centre; other: steady piano-like chords spread wide in stereo.
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * sample_rate)
    beat = 60.0 / tempo_bpm
    stems = {"drums": _drums(n, sample_rate, beat, rng), "bass": _bass(n, sample_rate, beat),
             "vocals": _vocals(n, sample_rate, beat), "other": _keys(n, sample_rate, beat)}
    return {k: Clip(v.astype(np.float32), sample_rate, (f"synthetic {k}",)) for k, v in stems.items()}


def _env(n: int, sr: int, decay_s: float, attack_s: float = 0.002) -> np.ndarray:
    t = np.arange(n) / sr
    return np.minimum(1.0, t / attack_s) * np.exp(-t / decay_s)


def _place(out: np.ndarray, sound: np.ndarray, start: int) -> None:
    end = min(out.shape[-1], start + sound.shape[-1])
    if end > start:
        out[..., start:end] += sound[..., : end - start]


def _drums(n: int, sr: int, beat: float, rng: np.random.Generator) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    out = np.zeros((2, n))
    m = int(0.4 * sr)
    t = np.arange(m) / sr
    kick = 0.7 * np.sin(2 * np.pi * (45 * t + 60 * 0.04 * (1 - np.exp(-t / 0.04)))) * _env(m, sr, 0.12)
    snare_noise = sosfilt(butter(2, [300, 7000], "bandpass", fs=sr, output="sos"), rng.standard_normal(m))
    snare = 0.5 * snare_noise * _env(m, sr, 0.08) + 0.2 * np.sin(2 * np.pi * 190 * t) * _env(m, sr, 0.05)
    hat_noise = sosfilt(butter(4, 7000, "highpass", fs=sr, output="sos"), rng.standard_normal((2, m)))
    hat = 0.25 * hat_noise * _env(m, sr, 0.025)
    steps = int(n / sr / (beat / 2)) + 1
    for k in range(steps):
        start = int(k * beat / 2 * sr)
        if k % 4 == 0:
            _place(out, np.stack([kick, kick]), start)
        if k % 4 == 2:
            _place(out, np.stack([snare, snare]), start)
        _place(out, hat * np.array([[1.0], [0.7]]), start)
    return out


def _tone(freq_hz: np.ndarray | float, n: int, sr: int, harmonics: list[float]) -> np.ndarray:
    f = np.broadcast_to(np.asarray(freq_hz, float), (n,))
    phase = 2 * np.pi * np.cumsum(f) / sr
    return sum(a * np.sin((h + 1) * phase) for h, a in enumerate(harmonics))


def _bass(n: int, sr: int, beat: float) -> np.ndarray:
    roots = [55.0, 43.65, 65.41, 49.0]  # A1 F1 C2 G1
    out = np.zeros(n)
    note = int(2 * beat * sr)
    for k in range(n // note + 1):
        f = roots[(k // 2) % 4] * (2 if k % 2 else 1)
        tone = 0.35 * _tone(f, note, sr, [1, 0.5, 0.25, 0.12]) * _env(note, sr, 0.6, 0.01)
        _place(out, tone, k * note)
    return np.stack([out, out])


def _vocals(n: int, sr: int, beat: float) -> np.ndarray:
    melody = [440.0, 493.9, 523.3, 440.0, 392.0, 349.2, 392.0, 329.6]
    note = int(beat * sr)
    t = np.arange(n) / sr
    f = np.array([melody[min(len(melody) - 1, (i // note) % len(melody))] for i in range(0, n, note)])
    f = np.repeat(f, note)[:n]
    f = f * 2 ** (0.4 / 12 * np.sin(2 * np.pi * 5.5 * t))  # vibrato, +-40 cents
    amp = 0.25 * (0.6 + 0.4 * np.sin(np.pi * ((np.arange(n) % note) / note)))
    voice = amp * _tone(f, n, sr, [1, 0.6, 0.45, 0.3, 0.2, 0.1])
    return np.stack([voice, voice])


def _keys(n: int, sr: int, beat: float) -> np.ndarray:
    chords = [[220.0, 277.2, 329.6], [174.6, 220.0, 261.6], [261.6, 329.6, 392.0], [196.0, 246.9, 293.7]]
    out = np.zeros((2, n))
    bar = int(4 * beat * sr)
    delay = int(0.012 * sr)  # a short inter-channel delay makes the keys wide, as a stereo piano is
    pans = [(1.0, 0.35), (0.6, 0.6), (0.35, 1.0)]
    for k in range(n // bar + 1):
        for v, f in enumerate(chords[k % 4]):
            tone = 0.12 * _tone(f * 2, bar, sr, [1, 0.4, 0.2, 0.1]) * _env(bar, sr, 1.2, 0.005)
            left, right = pans[v]
            _place(out[0:1], left * tone[None], k * bar)
            _place(out[1:2], right * tone[None], k * bar + delay)
    return out


# ---- a General-MIDI band rendered with FluidSynth ----------------------------------------------------

def rendered_band(bars: int = 4, *, soundfont: str = "/usr/share/sounds/sf2/FluidR3_GM.sf2",
                  sample_rate: int = 44100, tempo_bpm: float = 120.0) -> dict[str, Clip]:
    """Drums, bass, vocals (voice 'oohs' with vibrato, centre) and other (piano left, strings right),
    each rendered on its own by the ``fluidsynth`` command with ``soundfont``. Stems are balanced to
    equal RMS (General-MIDI drum kits render far quieter than a mix would have them) and the mixture
    is scaled to peak at -1 dBFS. Needs pretty_midi and the fluidsynth binary.
    """
    import pretty_midi

    beat = 60.0 / tempo_bpm
    duration = bars * 4 * beat
    parts = {"drums": _midi_drums(bars, beat), "bass": _midi_bass(bars, beat),
             "vocals": _midi_vocals(bars, beat), "other": _midi_keys(bars, beat)}
    n = int(duration * sample_rate)
    audio = {}
    for name, instruments in parts.items():
        pm = pretty_midi.PrettyMIDI(initial_tempo=tempo_bpm)
        pm.instruments.extend(instruments)
        audio[name] = _fluidsynth(pm, soundfont, sample_rate)[:, :n]
    frames = min(a.shape[1] for a in audio.values())
    audio = {k: a[:, :frames] / max(float(np.sqrt(np.mean(a[:, :frames] ** 2))), 1e-9) for k, a in audio.items()}
    peak = np.abs(np.sum([a[:, :frames] for a in audio.values()], axis=0)).max()
    scale = 10 ** (-1 / 20) / max(peak, 1e-9)
    return {k: Clip((a[:, :frames] * scale).astype(np.float32), sample_rate, (f"fluidsynth {k}",))
            for k, a in audio.items()}


def _fluidsynth(pm, soundfont: str, sample_rate: int) -> np.ndarray:
    import subprocess
    import tempfile
    from pathlib import Path

    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "part.mid", Path(tmp) / "part.wav"
        pm.write(str(mid))
        subprocess.run(["fluidsynth", "-ni", "-q", "-r", str(sample_rate), "-F", str(wav), soundfont,
                        str(mid)], check=True, capture_output=True, timeout=120)
        x, _ = sf.read(str(wav), dtype="float32", always_2d=True)
    return x.T


def _instrument(program: int, pan: int, is_drum: bool = False):
    import pretty_midi

    inst = pretty_midi.Instrument(program=program, is_drum=is_drum)
    inst.control_changes.append(pretty_midi.ControlChange(10, pan, 0.0))
    return inst


def _midi_drums(bars: int, beat: float) -> list:
    import pretty_midi

    kit = _instrument(0, 64, is_drum=True)
    for k in range(bars * 8):
        t = k * beat / 2
        hits = [42] + ([36] if k % 4 == 0 else []) + ([38] if k % 4 == 2 else [])
        kit.notes.extend(pretty_midi.Note(100, p, t, t + 0.1) for p in hits)
    return [kit]


def _midi_bass(bars: int, beat: float) -> list:
    import pretty_midi

    bass = _instrument(33, 64)
    roots = [33, 29, 36, 31]  # A1 F1 C2 G1
    for k in range(bars * 4):
        t = k * beat
        bass.notes.append(pretty_midi.Note(100, roots[(k // 4) % 4] + (12 if k % 4 == 3 else 0),
                                           t, t + beat * 0.9))
    return [bass]


def _midi_vocals(bars: int, beat: float) -> list:
    import pretty_midi

    voice = _instrument(53, 64)
    melody = [69, 71, 72, 69, 67, 65, 67, 64]
    for k in range(bars * 2):
        t = k * 2 * beat
        voice.notes.append(pretty_midi.Note(100, melody[k % len(melody)], t, t + 2 * beat * 0.95))
    for i in range(int(bars * 4 * beat / 0.02)):  # vibrato: +-40 cents at 5.5 Hz (bend range +-2 st)
        t = i * 0.02
        voice.pitch_bends.append(pretty_midi.PitchBend(int(1638 * np.sin(2 * np.pi * 5.5 * t)), t))
    return [voice]


def _midi_keys(bars: int, beat: float) -> list:
    import pretty_midi

    piano, strings = _instrument(0, 24), _instrument(48, 104)
    chords = [[57, 60, 64], [53, 57, 60], [55, 60, 64], [55, 59, 62]]
    for k in range(bars):
        t = k * 4 * beat
        for p in chords[k % 4]:
            piano.notes.extend(pretty_midi.Note(80, p, t + j * beat, t + (j + 1) * beat * 0.95)
                               for j in range(4))
            strings.notes.append(pretty_midi.Note(60, p, t, t + 4 * beat))
    return [piano, strings]
