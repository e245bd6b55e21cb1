"""Music analysis without madmom: librosa beats, chroma + HMM chords, key-profile key.

Conventions: input is mono float32 audio ``y`` with an explicit ``sample_rate`` (keyword-only); it is
resampled with soxr to 22 050 Hz here, on purpose and once. Times are seconds from the start of the
audio. Chord labels use mir_eval syntax over major/minor triads plus no-chord: ``"A:min"``,
``"C:maj"``, ``"N"``. Keys read like ``"E minor"`` (also mir_eval syntax). Tempo counts the beats the
tracker found (a quarter note in 4/4 and 3/4).

This module also holds the ``Analysis`` record and the small helpers both backends share
(``analysis_madmom`` imports them), so that the permissive backend never depends on madmom.

Method, in short:
- beats: librosa's dynamic-programming beat tracker on the onset envelope; tempo from the median
  inter-beat interval; meter (3 or 4 beats per bar) and the downbeat phase by the beat position whose
  low-frequency onsets and harmonic changes stand out most.
- chords: chroma (CQT) of the harmonic part, matched to 24 triad templates plus a no-chord state,
  smoothed with a Viterbi pass over a sticky transition matrix.
- key: correlation of the average chroma with the Krumhansl–Kessler major/minor key profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ANALYSIS_SR = 22_050
HOP = 256  # ~11.6 ms beat-tracking frames: finer than librosa's default, less tempo quantisation
ONSET_FFT = 1024
CHORD_HOP = 2048
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
WHAT_ALL = ("tempo", "beats", "key", "chords")
# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
KK_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
KK_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


@dataclass
class Analysis:
    """What one backend measured; fields not asked for stay empty."""

    backend: str
    duration_s: float
    tempo_bpm: float | None = None
    beats_s: list[float] = field(default_factory=list)
    downbeats_s: list[float] = field(default_factory=list)
    beats_per_bar: int | None = None
    key: str | None = None
    chords: list[tuple[float, float, str]] = field(default_factory=list)
    all_chords: list[tuple[float, float, str]] = field(default_factory=list)  # also when not asked for


# ---- shared helpers ---------------------------------------------------------------------------
def tempo_from_beats(beats_s: np.ndarray | list[float]) -> float | None:
    """BPM of a beat sequence: the slope of beat time against beat number.

    The median inter-beat interval numbers the beats (so a skipped beat does not shift the count), then a
    least-squares line through (number, time) gives the period; this avoids the frame quantisation a
    plain median interval has (at 43 frames/s, 120 BPM would read as 117 or 123).
    """
    b = np.asarray(beats_s, dtype=float)
    if b.size < 3:
        return None
    ibi = float(np.median(np.diff(b)))
    if ibi <= 0:
        return None
    index = np.round((b - b[0]) / ibi)
    period = float(np.polyfit(index, b, 1)[0]) if index[-1] > 0 else ibi
    return round(60.0 / period, 2)


def pitch_class(name: str) -> int:
    """Pitch class of a note name such as ``"C#"``, ``"Db"``, ``"Bb"`` (raises ValueError otherwise)."""
    if not name or name[0].upper() not in "CDEFGAB" or name[1:].strip("#b"):
        raise ValueError(f"not a note name: {name!r}; expected a letter A–G with optional # or b")
    base = "C D EF G A B".index(name[0].upper())
    return (base + name[1:].count("#") - name[1:].count("b")) % 12


def spell_chord(label: str) -> str:
    """A chord label respelled with this project's root names (``"A#:maj"`` -> ``"Bb:maj"``)."""
    if label in ("N", "X") or ":" not in label:
        return label
    root, quality = label.split(":", 1)
    return f"{PITCH_NAMES[pitch_class(root)]}:{quality}"


def spell_key(label: str) -> str:
    """``"A# minor"`` -> ``"Bb minor"``: one spelling for keys throughout the project."""
    tonic, mode = label.split()
    return f"{PITCH_NAMES[pitch_class(tonic)]} {mode}"


def frames_to_spans(labels: list[str], times_s: np.ndarray, end_s: float) -> list[tuple[float, float, str]]:
    """Merge per-frame labels (frame i starts at times_s[i]) into (start, end, label) spans."""
    spans: list[tuple[float, float, str]] = []
    for i, lab in enumerate(labels):
        start = float(times_s[i])
        stop = float(times_s[i + 1]) if i + 1 < len(labels) else end_s
        if spans and spans[-1][2] == lab:
            spans[-1] = (spans[-1][0], stop, lab)
        elif stop > start:
            spans.append((start, stop, lab))
    return spans


def chord_vocabulary() -> tuple[list[str], np.ndarray]:
    """Labels and (25, 12) unit-norm templates: 12 major, 12 minor triads, then no-chord (zeros)."""
    labels, rows = [], []
    for quality, third in (("maj", 4), ("min", 3)):
        for root in range(12):
            t = np.zeros(12)
            t[[root, (root + third) % 12, (root + 7) % 12]] = (1.0, 0.8, 0.8)
            labels.append(f"{PITCH_NAMES[root]}:{quality}")
            rows.append(t / np.linalg.norm(t))
    labels.append("N")
    rows.append(np.zeros(12))
    return labels, np.array(rows)


def key_from_chroma(chroma_mean: np.ndarray, chords: list[tuple[float, float, str]] | None = None) -> str | None:
    """The key whose rotated Krumhansl–Kessler profile correlates best with a 12-bin chroma vector.

    Relative keys (C major / A minor) share their notes and score alike; when a chord timeline is
    given, the key whose tonic triad sounds longest, and opens or closes the piece, gets a small bonus.
    None for a flat (or empty) chroma, where no key stands out.
    """
    if np.ptp(chroma_mean) < 1e-9:
        return None
    tonic_bonus = _tonic_evidence(chords or [])
    best, best_r = "C major", -np.inf
    for mode, profile, quality in (("major", KK_MAJOR, "maj"), ("minor", KK_MINOR, "min")):
        for tonic in range(12):
            r = np.corrcoef(np.roll(profile, tonic), chroma_mean)[0, 1]
            r += tonic_bonus.get(f"{PITCH_NAMES[tonic]}:{quality}", 0.0)
            if r > best_r:
                best, best_r = f"{PITCH_NAMES[tonic]} {mode}", r
    return best


def _tonic_evidence(chords: list[tuple[float, float, str]]) -> dict[str, float]:
    """Bonus per chord label: 0.2 × its share of the chord time, +0.05 each for opening and closing."""
    played = [c for c in chords if c[2] not in ("N", "X") and c[1] > c[0]]
    if not played:
        return {}
    total = sum(e - s for s, e, _ in played)
    bonus: dict[str, float] = {}
    for s, e, lab in played:
        bonus[lab] = bonus.get(lab, 0.0) + 0.2 * (e - s) / total
    for lab in (played[0][2], played[-1][2]):
        bonus[lab] += 0.05
    return bonus


# ---- the librosa backend ----------------------------------------------------------------------
def analyze_librosa(*, y: np.ndarray, sample_rate: int, what: tuple[str, ...] = WHAT_ALL) -> Analysis:
    """Analyse mono audio ``y`` at ``sample_rate`` Hz; ``what`` picks among tempo, beats, key, chords."""
    import soxr

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"analyze_librosa wants mono audio shaped (frames,), got {y.shape}; "
                         "average the channels first")
    duration = len(y) / sample_rate
    if sample_rate != ANALYSIS_SR:
        y = soxr.resample(y, sample_rate, ANALYSIS_SR).astype(np.float32)
    out = Analysis(backend="librosa", duration_s=duration)
    if "tempo" in what or "beats" in what:
        _track_beats(y, out)
    if "chords" in what or "key" in what:
        chroma, times = _harmonic_chroma(y)
        chords = _decode_chords(chroma, times, duration)  # the key estimate uses them too
        out.chords = chords if "chords" in what else []
        if "key" in what:
            out.key = key_from_chroma(_weighted_mean_chroma(chroma), chords)
    return out


def _track_beats(y: np.ndarray, out: Analysis) -> None:
    import librosa

    onset = librosa.onset.onset_strength(y=y, sr=ANALYSIS_SR, hop_length=HOP, n_fft=ONSET_FFT)
    _, beat_frames = librosa.beat.beat_track(onset_envelope=onset, sr=ANALYSIS_SR, hop_length=HOP, trim=True)
    beats = librosa.frames_to_time(beat_frames, sr=ANALYSIS_SR, hop_length=HOP)
    out.beats_s = [round(float(b), 4) for b in beats]
    out.tempo_bpm = tempo_from_beats(beats)
    if len(beats) >= 6:
        per_bar, phase = _meter_and_phase(y, beat_frames)
        out.beats_per_bar = per_bar
        out.downbeats_s = out.beats_s[phase::per_bar]


def _meter_and_phase(y: np.ndarray, beat_frames: np.ndarray) -> tuple[int, int]:
    """Beats per bar (3 or 4) and the index of the first downbeat.

    Downbeats are where kick/bass onsets and chord changes concentrate; each (meter, phase) is scored by
    how much the beats it calls downbeats exceed the other beats on those two cues (z-scored). The
    chord change at a beat compares the two beats after it with the two before, so that comping which
    anticipates the bar line by half a beat still points at the downbeat.
    """
    import librosa

    mel = librosa.feature.melspectrogram(y=y, sr=ANALYSIS_SR, hop_length=HOP, n_fft=ONSET_FFT * 2, n_mels=64,
                                         fmax=8000)
    low = librosa.onset.onset_strength(S=librosa.power_to_db(mel[:3]), sr=ANALYSIS_SR)  # below ~140 Hz
    lows = np.array([low[max(0, f - 2): f + 3].max(initial=0.0) for f in beat_frames])
    chroma = librosa.feature.chroma_stft(y=y, sr=ANALYSIS_SR, hop_length=HOP)
    cue = _z(lows) + _z(_chord_change(chroma, beat_frames, width=2))
    best, best_score = (4, 0), -np.inf
    for per_bar in (4, 3):
        for phase in range(per_bar):
            on = np.zeros(len(cue), bool)
            on[phase::per_bar] = True
            score = cue[on].mean() - cue[~on].mean()
            if score > best_score + 1e-9:
                best, best_score = (per_bar, phase), score
    return best


def _chord_change(chroma: np.ndarray, beat_frames: np.ndarray, width: int) -> np.ndarray:
    """Per beat: 1 - cosine similarity of the mean chroma of ``width`` beats after it and before it."""
    import librosa

    # sync pads a segment before the first beat: column k + 1 is the segment starting at beat k
    sync = librosa.util.sync(chroma, beat_frames, aggregate=np.median)[:, 1: len(beat_frames) + 1]
    sync = sync / (np.linalg.norm(sync, axis=0, keepdims=True) + 1e-9)
    change = np.zeros(len(beat_frames))
    for i in range(width, sync.shape[1] - width + 1):
        before, after = sync[:, i - width: i].mean(axis=1), sync[:, i: i + width].mean(axis=1)
        change[i] = 1.0 - before @ after / (np.linalg.norm(before) * np.linalg.norm(after) + 1e-9)
    return change


def _z(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float)
    return (x - x.mean()) / (x.std() + 1e-9)


def _harmonic_chroma(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(12, T) CQT chroma of the harmonic part (drums removed by HPSS) and the frame times.

    The CQT starts at C2 (65 Hz): sub-bass below it carries kick and rumble more than pitch.
    """
    import librosa

    harmonic = librosa.effects.harmonic(y, margin=2.0)
    chroma = librosa.feature.chroma_cqt(y=harmonic, sr=ANALYSIS_SR, hop_length=CHORD_HOP, bins_per_octave=36,
                                        norm=None, fmin=librosa.note_to_hz("C2"), n_octaves=6)
    times = librosa.frames_to_time(np.arange(chroma.shape[1]), sr=ANALYSIS_SR, hop_length=CHORD_HOP)
    return chroma, times


def _weighted_mean_chroma(chroma: np.ndarray) -> np.ndarray:
    """Average chroma with each frame normalised, so loud frames do not dominate the key estimate."""
    norm = chroma / (chroma.max(axis=0, keepdims=True) + 1e-9)
    energy = chroma.sum(axis=0)
    norm = norm[:, energy > 0.05 * (energy.max() + 1e-9)] if energy.max() > 0 else norm
    return norm.mean(axis=1)


def _decode_chords(chroma: np.ndarray, times: np.ndarray, duration_s: float,
                   self_prob: float = 0.99, sharpness: float = 12.0) -> list[tuple[float, float, str]]:
    """Template likelihoods per frame, then Viterbi over a transition matrix that favours staying."""
    import librosa

    labels, templates = chord_vocabulary()
    energy = chroma.sum(axis=0)
    unit = chroma / (np.linalg.norm(chroma, axis=0, keepdims=True) + 1e-9)
    sim = templates @ unit  # (25, T) cosine similarity; the N row is 0
    quiet = energy < 0.02 * (energy.max() + 1e-9)
    sim[-1] = np.where(quiet, 1.0, 0.55)  # no-chord wins only where chord fits are poor or it is silent
    sim[:-1, quiet] = 0.0
    prob = np.exp(sharpness * (sim - sim.max(axis=0, keepdims=True)))
    prob /= prob.sum(axis=0, keepdims=True)
    trans = librosa.sequence.transition_loop(len(labels), self_prob)
    path = librosa.sequence.viterbi(prob, trans)
    return frames_to_spans([labels[i] for i in path], times, duration_s)
