"""Sections: boundary F-measure and speed of `analyze`'s segmentation on generated songs with known forms.

Songs come from the `generate` tool with a written form (intro/verse/chorus/bridge/outro); beats and
downbeats are tracked by the analysis backend (madmom when installed, else librosa), then
``analysis_sections.segment_sections`` runs on the mix. Boundary F is mir_eval.segment.detection with a
3 s window, the piece's own start and end trimmed; ``label_pairwise_f`` is mir_eval's pairwise frame
clustering F of the repeat labels. ``x_realtime`` is audio seconds over segmentation seconds (beat
tracking not included; see bench_analysis for it).
Run: ``python -m benchmarks.bench_sections [--quick] [--json PATH]``.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np

from benchmarks.table import main

COLUMNS = ["song", "sections_ref", "sections_est", "boundary_f", "boundary_f_untrimmed", "label_pairwise_f",
           "audio_s", "x_realtime", "beats_by"]
FORMS = (
    ("rock_Am_128", "rock in A minor at 128 bpm with drums, bass, guitar and lead, form intro:4 verse:8 chorus:8 "
                    "verse:8 chorus:8 outro:4"),
    ("funk_Em_100", "funk in E minor at 100 bpm with drums, bass and keys, form verse chorus verse chorus bridge "
                    "chorus"),
    ("jazz_F_140", "jazz in F major at 140 bpm with drums, walking bass and piano, form intro verse verse chorus "
                   "verse outro"),
    ("pop_G_110", "pop song in G major at 110 bpm with drums, bass, piano and pad, form intro verse chorus verse "
                  "chorus bridge chorus outro"),
)


def run(quick: bool = False) -> list[dict[str, Any]]:
    import mir_eval

    from bandmate.core.settings import Settings
    from bandmate.memory.store import Store
    from bandmate.tools import default_registry
    from bandmate.tools.analyze import choose_backend
    from bandmate.tools.backends.analysis_sections import segment_sections
    from bandmate.tools.run import run_tool

    backend = choose_backend("auto", Settings().analyzer)
    if backend == "madmom":
        from bandmate.tools.backends.analysis_madmom import MadmomAnalyzer

        track = MadmomAnalyzer().analyze
    else:
        from bandmate.tools.backends.analysis_librosa import analyze_librosa as track
    rows = []
    with tempfile.TemporaryDirectory() as home:
        store = Store(home)
        for name, prompt in FORMS[:2] if quick else FORMS:
            gen = run_tool(default_registry(), "generate", {"prompt": prompt}, store=store, session_id=None,
                           settings=Settings())
            v = gen.version
            y, sr = store.clip(v.mix).to_mono(), store.clip(v.mix).sample_rate
            beats = track(y=y, sample_rate=sr, what=("beats",))
            t0 = time.perf_counter()
            segs = segment_sections(y=y, sample_rate=sr, downbeats_s=beats.downbeats_s, beats_s=beats.beats_s,
                                    beats_per_bar=beats.beats_per_bar)
            sec = time.perf_counter() - t0
            ref = v.state.sections
            ri = np.array([[s.start_s, s.end_s] for s in ref])
            ri[-1, 1] = len(y) / sr
            ei = np.array([[s.start_s, s.end_s] for s in segs]).reshape(-1, 2)
            f = mir_eval.segment.detection(ri, ei, window=3, trim=True)[2] if len(segs) else 0.0
            fu = mir_eval.segment.detection(ri, ei, window=3)[2] if len(segs) else 0.0
            lab = mir_eval.segment.pairwise(ri, [s.label for s in ref], ei, [s.label for s in segs])[2] \
                if len(segs) else 0.0
            rows.append({"song": name, "sections_ref": len(ref), "sections_est": len(segs),
                         "boundary_f": round(f, 3), "boundary_f_untrimmed": round(fu, 3),
                         "label_pairwise_f": round(lab, 3), "audio_s": round(len(y) / sr, 1),
                         "x_realtime": round(len(y) / sr / sec, 1), "beats_by": backend})
    return rows


if __name__ == "__main__":
    main(run, "Sections: boundary F-measure of analyze's segmentation on generated songs with known forms", COLUMNS)
