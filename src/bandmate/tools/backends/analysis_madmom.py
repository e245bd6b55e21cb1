"""Music analysis with madmom: CNN chord features + CRF, RNN downbeats + DBN, CNN key.

Conventions are those of ``analysis_librosa`` (mono float32 in, explicit ``sample_rate``, seconds,
mir_eval chord and key labels). madmom's networks expect 44.1 kHz, so the audio is resampled with
soxr to 44 100 Hz here, once.

Licence: madmom's code is BSD, but the trained models it ships and that this backend runs are
CC BY-NC-SA 4.0 (attribution, non-commercial, share-alike). Use ``backend='librosa'`` (or
``BANDMATE_ANALYZER=librosa``) where that licence does not fit.

Method: ``RNNDownBeatProcessor`` (an ensemble of recurrent networks giving beat and downbeat
activations) decoded by ``DBNDownBeatTrackingProcessor`` over 3- and 4-beat bars gives beats, their
position in the bar, hence downbeats and meter; tempo is the median inter-beat interval.
``CNNChordFeatureProcessor`` + ``CRFChordRecognitionProcessor`` give a major/minor/no-chord timeline;
``CNNKeyRecognitionProcessor`` gives a probability per key. ``MadmomAnalyzer`` builds the processors
once (loading the networks takes a second or two); keep one per process via ``ctx.backends``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from bandmate.tools.backends.analysis_librosa import (
    WHAT_ALL,
    Analysis,
    spell_chord,
    spell_key,
    tempo_from_beats,
)
from bandmate.tools.backends.madmom_shim import fix_downbeat_tracker, import_madmom

MADMOM_SR = 44_100
FPS = 100  # frames per second of madmom's beat activations


class MadmomAnalyzer:
    """Holds madmom's processors, created lazily per task on first use."""

    def __init__(self) -> None:
        import_madmom()  # raises BackendUnavailable with the install recipe
        self._procs: dict[str, Any] = {}

    def _proc(self, name: str) -> Any:
        if name not in self._procs:
            self._procs[name] = _build(name)
        return self._procs[name]

    def analyze(self, *, y: np.ndarray, sample_rate: int, what: tuple[str, ...] = WHAT_ALL) -> Analysis:
        """Analyse mono audio ``y`` at ``sample_rate`` Hz; ``what`` picks among tempo, beats, key, chords."""
        import soxr

        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 1:
            raise ValueError(f"MadmomAnalyzer wants mono audio shaped (frames,), got {y.shape}; "
                             "average the channels first")
        out = Analysis(backend="madmom", duration_s=len(y) / sample_rate)
        if sample_rate != MADMOM_SR:
            y = soxr.resample(y, sample_rate, MADMOM_SR).astype(np.float32)
        with warnings.catch_warnings():
            # madmom 0.16.1 uses deprecated scipy/numpy names; the warnings say nothing about the result
            warnings.simplefilter("ignore", DeprecationWarning)
            self._run(self._signal(y), out, what)
        return out

    def _run(self, signal: Any, out: Analysis, what: tuple[str, ...]) -> None:
        if "tempo" in what or "beats" in what:
            self._beats(signal, out)
        if "chords" in what:
            segments = self._proc("chord_crf")(self._proc("chord_cnn")(signal))
            out.chords = [(round(float(s), 3), round(float(e), 3), spell_chord(str(lab)))
                          for s, e, lab in segments]
        if "key" in what:
            from madmom.features.key import key_prediction_to_label

            out.key = spell_key(key_prediction_to_label(self._proc("key")(signal)))

    def _signal(self, y: np.ndarray) -> Any:
        from madmom.audio.signal import Signal

        return Signal(y, sample_rate=MADMOM_SR, num_channels=1)

    def _beats(self, signal: Any, out: Analysis) -> None:
        activations = self._proc("downbeat_rnn")(signal)
        tracked = np.atleast_2d(self._proc("downbeat_dbn")(activations))
        if tracked.size == 0:
            return
        times, positions = tracked[:, 0], tracked[:, 1].astype(int)
        out.beats_s = [round(float(t), 4) for t in times]
        out.downbeats_s = [round(float(t), 4) for t in times[positions == 1]]
        out.tempo_bpm = tempo_from_beats(times)
        out.beats_per_bar = int(positions.max()) if positions.size else None


def _build(name: str) -> Any:
    """One madmom processor by role; imports stay inside so nothing heavy loads at module import."""
    if name == "downbeat_rnn":
        from madmom.features.downbeats import RNNDownBeatProcessor

        return RNNDownBeatProcessor()
    if name == "downbeat_dbn":
        from madmom.features.downbeats import DBNDownBeatTrackingProcessor

        return fix_downbeat_tracker(DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=FPS))
    if name == "chord_cnn":
        from madmom.features.chords import CNNChordFeatureProcessor

        return CNNChordFeatureProcessor()
    if name == "chord_crf":
        from madmom.features.chords import CRFChordRecognitionProcessor

        return CRFChordRecognitionProcessor()
    if name == "key":
        from madmom.features.key import CNNKeyRecognitionProcessor

        return CNNKeyRecognitionProcessor()
    raise KeyError(name)
