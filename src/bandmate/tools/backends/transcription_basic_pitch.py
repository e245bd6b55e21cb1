"""Audio -> notes with Spotify's basic-pitch (ICASSP 2022 model, Apache-2.0), run through ONNX Runtime.

Conventions: mono float32 ``y`` with an explicit ``sample_rate`` (keyword-only), resampled once with
soxr to the model's 22 050 Hz; notes come back as ``(start_s, end_s, pitch, velocity)`` with MIDI
pitches and velocities 1–127, seconds from the start of ``y``.

The model ships inside the ``basic-pitch`` wheel (``basic_pitch/saved_models/icassp_2022/nmp.onnx``,
~230 KB). That wheel declares TensorFlow on Linux + Python 3.11; install it with ``pip install --no-deps
basic-pitch==0.4.0`` beside ``onnxruntime``, ``resampy<0.4.3`` and ``scikit-learn`` (see
scripts/install.sh). ``BasicPitchTranscriber`` loads the network once; keep one per process through
``ctx.backends``. Audio is windowed in memory with basic-pitch's own window/unwrap helpers (its
``predict`` only reads files), then its note decoder turns the activations into notes.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass

import numpy as np

from bandmate.core.errors import BackendUnavailable

MODEL_SR = 22_050
INSTALL = ("pip install --no-deps basic-pitch==0.4.0 onnxruntime 'resampy<0.4.3' scikit-learn "
           "(never tensorflow: the ONNX model inside the wheel is used)")


@dataclass(frozen=True)
class TranscribedNote:
    start_s: float
    end_s: float
    pitch: int
    velocity: int


class BasicPitchTranscriber:
    """The ICASSP-2022 basic-pitch network loaded once from the ONNX file inside the wheel."""

    def __init__(self) -> None:
        try:
            # basic-pitch logs a warning for each of TF / CoreML / TFLite it does not find; they are optional
            logging.getLogger("root").setLevel(logging.ERROR)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                from basic_pitch import FilenameSuffix, build_icassp_2022_model_path
                from basic_pitch.inference import Model
        except ImportError as err:
            raise BackendUnavailable(f"basic-pitch is not installed ({err}); install it with: {INSTALL}") from err
        path = build_icassp_2022_model_path(FilenameSuffix.onnx)
        if not path.is_file():
            raise BackendUnavailable(f"basic-pitch's ONNX model is missing at {path}; reinstall: {INSTALL}")
        self.model_path = path
        self._model = Model(path)

    def activations(self, y: np.ndarray) -> dict[str, np.ndarray]:
        """Note, onset and contour activations (frames × bins) for mono audio at 22 050 Hz."""
        from basic_pitch.constants import AUDIO_N_SAMPLES, FFT_HOP
        from basic_pitch.inference import unwrap_output, window_audio_file

        overlap_frames = 30
        overlap = overlap_frames * FFT_HOP
        padded = np.concatenate([np.zeros(overlap // 2, np.float32), y.astype(np.float32)])
        out: dict[str, list[np.ndarray]] = {"note": [], "onset": [], "contour": []}
        for window, _ in window_audio_file(padded, AUDIO_N_SAMPLES - overlap):
            for k, v in self._model.predict(window[None]).items():
                out[k].append(v)
        return {k: unwrap_output(np.concatenate(v), len(y), overlap_frames) for k, v in out.items()}

    def transcribe(self, *, y: np.ndarray, sample_rate: int, onset_threshold: float = 0.5,
                   frame_threshold: float = 0.3, min_note_s: float = 0.1, min_freq_hz: float | None = None,
                   max_freq_hz: float | None = None) -> list[TranscribedNote]:
        """Notes of mono audio ``y`` sampled at ``sample_rate`` Hz, in time order."""
        import soxr
        from basic_pitch.constants import FFT_HOP
        from basic_pitch.note_creation import model_output_to_notes

        y = np.asarray(y, np.float32)
        if y.ndim != 1:
            raise ValueError(f"transcribe wants mono audio shaped (frames,), got {y.shape}; average the channels")
        if sample_rate != MODEL_SR:
            y = soxr.resample(y, sample_rate, MODEL_SR).astype(np.float32)
        acts = self.activations(y)
        min_frames = max(1, int(round(min_note_s * MODEL_SR / FFT_HOP)))
        _, events = model_output_to_notes(acts, onset_thresh=onset_threshold, frame_thresh=frame_threshold,
                                          min_note_len=min_frames, min_freq=min_freq_hz, max_freq=max_freq_hz,
                                          multiple_pitch_bends=False, melodia_trick=True)
        notes = [TranscribedNote(round(float(s), 4), round(float(e), 4), int(p), int(np.clip(round(a * 127), 1, 127)))
                 for s, e, p, a, _ in events]
        return sorted(notes, key=lambda n: (n.start_s, n.pitch))
