"""`transcribe` (basic-pitch, ICASSP 2022, ONNX): note F-measure on rendered sessions with known MIDI,
and key-consistent bass on a real drum-and-bass recording after separation.

Note F-measure: mir_eval.transcription.precision_recall_f1_overlap, onset tolerance 50 ms, pitch within
50 cents, offsets ignored. References are the notes the composer wrote (asset ``notes:<stem>``).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.backends.composer.arrangement import Part
from bandmate.tools.run import run_tool

pytestmark = pytest.mark.skipif(importlib.util.find_spec("basic_pitch") is None,
                                reason="basic-pitch is not installed (scripts/install.sh installs it)")


def note_f(ref: Part, est: Part) -> float:
    import mir_eval

    def arrays(part):
        return (np.array([[n.start_s, n.end_s] for n in part.notes]).reshape(-1, 2),
                np.array([440.0 * 2 ** ((n.pitch - 69) / 12) for n in part.notes]))

    (ri, rp), (ei, ep) = arrays(ref), arrays(est)
    if not len(ei):
        return 0.0
    return mir_eval.transcription.precision_recall_f1_overlap(ri, rp, ei, ep, onset_tolerance=0.05,
                                                              offset_ratio=None)[2]


def _part(store, sid, asset) -> Part:
    return Part.from_json(store.blobs.get_bytes(store.version(sid).assets[asset]))


@pytest.mark.parametrize("prompt, stem, floor", [
    ("pop song in G major at 100 bpm with drums, bass and piano", "bass", 0.7),
    ("funky 100 bpm groove in E minor with drums, bass and keys", "bass", 0.7),
    ("pop song in G major at 100 bpm with drums, bass and piano", "piano", 0.5),
    ("funky 100 bpm groove in E minor with drums, bass and keys", "keys", 0.5),
], ids=["pop-bass", "funk-bass", "pop-piano", "funk-keys"])
def test_rendered_stems_transcribe_to_the_written_notes(store, prompt, stem, floor):
    gen = run_tool(default_registry(), "generate", {"prompt": prompt, "bars": 8}, store=store, session_id=None,
                   settings=Settings())
    sid = gen.version.session_id
    out = run_tool(default_registry(), "transcribe", {"target": stem}, store=store, session_id=sid,
                   settings=Settings())
    r = out.result
    est = _part(store, sid, r.notes_asset)
    assert r.num_notes == len(est.notes) > 0 and r.x_real_time > 1
    f = note_f(_part(store, sid, f"notes:{stem}"), est)
    assert f >= floor, f
    import io

    import pretty_midi

    midi = pretty_midi.PrettyMIDI(io.BytesIO(store.blobs.get_bytes(store.version(sid).assets[r.midi_asset])))
    assert sum(len(i.notes) for i in midi.instruments) == r.num_notes
    assert store.version(sid).mix == gen.version.mix  # audio untouched


def test_real_bass_after_separation_stays_in_the_analysed_key(make_session, real_data):
    from bandmate.core.audio_io import load
    from bandmate.tools.backends.composer.theory import MAJOR_SCALE, MINOR_SCALE, parse_key

    path = real_data / "choice_drum_bass.ogg"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    session = make_session(mix=load(path))

    def run(tool, **args):
        return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id,
                        settings=Settings()).result

    run("separate")
    key = parse_key(run("analyze", what=["key"]).key)
    r = run("transcribe", target="bass")
    assert r.num_notes >= 40
    scale = {(key.tonic + step) % 12 for step in (MINOR_SCALE if key.is_minor else MAJOR_SCALE)}
    from bandmate.tools.backends.analysis_librosa import pitch_class

    in_key = sum(share for name, share in r.pitch_classes.items() if pitch_class(name) in scale)
    assert in_key >= 0.6, (key.name(), r.pitch_classes)
    assert r.lowest is not None and r.highest is not None


@pytest.mark.parametrize("args, match", [
    ({"min_freq_hz": 500, "max_freq_hz": 200}, "max_freq_hz 200 must be above min_freq_hz 500"),
    ({"onset_threshold": 1.5}, "onset_threshold"),
    ({"target": "nope"}, "unknown target 'nope'"),
])
def test_bad_calls_are_refused(make_session, band_stems, args, match):
    session = make_session(stems=band_stems)
    with pytest.raises(ToolInputError, match=match):
        run_tool(default_registry(), "transcribe", args, store=session.store, session_id=session.id,
                 settings=Settings())
