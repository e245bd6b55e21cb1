"""Transcription (basic-pitch ICASSP 2022, ONNX) speed and note F-measure on rendered stems with known MIDI.

Material: sessions from the `generate` tool (FluidSynth + FluidR3_GM when installed, else the built-in
synth); each pitched stem is transcribed alone and scored against the notes the composer wrote
(mir_eval.transcription, onset tolerance 50 ms, pitch ±50 cents, offsets ignored). ``x_realtime`` is
audio seconds over transcription seconds after the model is loaded (``load_s``, once per process).
Run: ``python -m benchmarks.bench_transcription [--quick] [--json PATH]``.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np

from benchmarks.table import main

COLUMNS = ["material", "stem", "notes_ref", "notes_est", "precision", "recall", "note_f", "audio_s", "x_realtime",
           "load_s"]
PROMPTS = (
    ("pop_G_100", "pop song in G major at 100 bpm with drums, bass and piano"),
    ("funk_Em_100", "funky 100 bpm groove in E minor with drums, bass and keys"),
    ("jazz_F_140", "jazz in F major at 140 bpm with drums, walking bass, piano and strings"),
)


def _arrays(notes) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([[n.start_s, n.end_s] for n in notes]).reshape(-1, 2),
            np.array([440.0 * 2 ** ((n.pitch - 69) / 12) for n in notes]))


def run(quick: bool = False) -> list[dict[str, Any]]:
    import mir_eval

    from bandmate.core.settings import Settings
    from bandmate.memory.store import Store
    from bandmate.tools import default_registry
    from bandmate.tools.backends.composer.arrangement import Part
    from bandmate.tools.backends.transcription_basic_pitch import BasicPitchTranscriber
    from bandmate.tools.run import run_tool

    t0 = time.perf_counter()
    engine = BasicPitchTranscriber()
    load_s = time.perf_counter() - t0
    rows = []
    with tempfile.TemporaryDirectory() as home:
        store = Store(home)
        for name, prompt in PROMPTS[:1] if quick else PROMPTS:
            gen = run_tool(default_registry(), "generate", {"prompt": prompt, "bars": 8}, store=store,
                           session_id=None, settings=Settings())
            v = gen.version
            for stem in gen.result.stems:
                if stem == "drums":
                    continue
                ref = Part.from_json(store.blobs.get_bytes(v.assets[f"notes:{stem}"]))
                clip = store.clip(v.stems[stem])
                t0 = time.perf_counter()
                est = engine.transcribe(y=clip.to_mono(), sample_rate=clip.sample_rate,
                                        max_freq_hz=400.0 if stem.startswith("bass") else None)
                sec = time.perf_counter() - t0
                (ri, rp), (ei, ep) = _arrays(ref.notes), _arrays(est)
                p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
                    ri, rp, ei, ep, onset_tolerance=0.05, offset_ratio=None) if len(est) else (0, 0, 0, 0)
                rows.append({"material": name, "stem": stem, "notes_ref": len(ref.notes), "notes_est": len(est),
                             "precision": round(p, 3), "recall": round(r, 3), "note_f": round(f, 3),
                             "audio_s": round(clip.duration_s, 1), "x_realtime": round(clip.duration_s / sec, 1),
                             "load_s": round(load_s, 2)})
    return rows


if __name__ == "__main__":
    main(run, "Transcription: basic-pitch note F-measure and speed on rendered stems with known notes", COLUMNS)
