"""Store: versions, history, content addressing, float headroom, state round trip, error messages."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import SessionError, ToolInputError
from bandmate.core.testsignals import noise, sine
from bandmate.memory.blobs import quantize
from bandmate.memory.state import ChordSpan, StateTable, StripSettings
from bandmate.memory.store import Store


def _flac_files(store: Store) -> list:
    return sorted(store.blobs.root.rglob("*.flac"))


def test_commit_chain_keeps_every_version_reachable(store):
    clips = [sine(110 * (i + 1), 0.5, channels=2, amplitude=0.1 * (i + 1)) for i in range(5)]
    sid = store.create_session(mix=clips[0], stems={}, state=StateTable(tempo_bpm=90))
    for i, c in enumerate(clips[1:], start=1):
        v = store.commit(sid, parent=i, mix=c, stems={}, state=StateTable(tempo_bpm=90 + i),
                         step={"tool": "t", "args": {"i": i}})
        assert (v.id, v.parent) == (i + 1, i)
    hist = store.history(sid)
    assert [h.id for h in hist] == [1, 2, 3, 4, 5]
    assert [h.parent for h in hist] == [None, 1, 2, 3, 4]
    assert hist[0].step["tool"] == "create"
    assert [h.step["args"]["i"] for h in hist[1:]] == [1, 2, 3, 4]
    for h, c in zip(hist, clips, strict=True):
        got = store.clip(h.mix)
        assert np.array_equal(got.samples, quantize(c).samples)
        assert h.state.tempo_bpm == 90 + h.id - 1
    info = store.info(sid)
    assert (info.head, info.versions) == (5, 5)
    assert [s.id for s in store.list_sessions()] == [sid]


def test_undo_redo_checkout_on_store(store):
    c = sine(220, 0.2)
    sid = store.create_session(mix=c, stems={})
    key = store.version(sid).mix
    for p in (1, 2):
        store.commit(sid, parent=p, mix=key, stems={}, state=StateTable())
    assert store.undo(sid).id == 2
    assert store.undo(sid).id == 1
    assert store.info(sid).redo == [3, 2]
    assert store.redo(sid).id == 2
    assert store.redo(sid).id == 3
    with pytest.raises(ToolInputError, match="nothing to redo"):
        store.redo(sid)
    assert store.checkout(sid, 1).id == 1
    assert store.info(sid).redo == []


def test_same_audio_is_stored_once(store):
    bass = sine(55, 1.0, amplitude=0.3)
    twin = Clip(bass.samples.copy(), bass.sample_rate, ("a different provenance",))
    sid = store.create_session(mix=bass, stems={"bass": twin, "copy": bass})
    v1 = store.version(sid)
    assert v1.mix == v1.stems["bass"] == v1.stems["copy"]
    assert len(_flac_files(store)) == 1
    # committing the same audio again (as clips, not keys) adds a version but no file
    store.commit(sid, parent=1, mix=bass, stems={"bass": bass}, state=StateTable())
    assert len(_flac_files(store)) == 1
    other = sine(56, 1.0, amplitude=0.3)
    store.commit(sid, parent=2, mix=other, stems={"bass": bass}, state=StateTable())
    assert len(_flac_files(store)) == 2
    assert store.blobs.put_bytes(b"MThd") == store.blobs.put_bytes(b"MThd")
    assert store.blobs.get_bytes(store.blobs.put_bytes(b"MThd")) == b"MThd"


@pytest.mark.parametrize("peak", [1.0, 1.5, 2.0, 3.7, 40.0])
def test_float_headroom_round_trips_exactly(store, peak):
    x = noise(0.5, channels=2, amplitude=0.3, seed=3).samples
    x = x / np.abs(x).max() * peak
    clip = Clip(x, 48000)
    q = quantize(clip)
    # 24-bit resolution relative to the power-of-two scale that covers the peak
    scale = 2.0 ** np.ceil(np.log2(peak))
    assert np.abs(q.samples - clip.samples).max() <= scale / 2**23
    assert q.peak() > 0.99 * peak
    assert quantize(q) is q  # quantising is idempotent
    back = store.clip(store.blobs.put_clip(clip))
    assert back.sample_rate == 48000
    assert np.array_equal(back.samples, q.samples)


def test_quiet_detail_survives_next_to_loud_peak(store):
    """A -100 dBFS tone next to a +12 dBFS click keeps its shape (headroom is not clipping)."""
    quiet = sine(1000, 0.2, amplitude=1e-5).samples.copy()
    quiet[0, 100] = 4.0
    back = store.clip(store.blobs.put_clip(Clip(quiet, 44100)))
    assert back.samples[0, 100] == pytest.approx(4.0, abs=4 / 2**23)
    rest = np.delete(back.samples[0], 100)
    want = np.delete(quiet[0], 100)
    assert np.corrcoef(rest, want)[0, 1] > 0.95


def test_state_table_round_trip_with_extras(store):
    st = StateTable(tempo_bpm=92.5, time_signature="6/8", offset_s=0.125, key="F:maj",
                    chords=[ChordSpan(start_s=0, end_s=2.5, label="F:maj7"),
                            ChordSpan(start_s=2.5, end_s=5, label="E:min7")],
                    beats_s=[0.125, 0.77, 1.42], downbeats_s=[0.125], instrumentation=["bass", "keys"],
                    tags=["lo-fi", "dreamy"], loudness_lufs=-14.2,
                    mixer={"bass": StripSettings(gain_db=-3.5, pan=-0.25, mute=False),
                           "keys": StripSettings(mute=True)},
                    symbolic=True, swing=0.12, form_notes=[{"name": "A", "start_bar": 1}])
    sid = store.create_session(mix=sine(220, 0.3), stems={}, state=st)
    back = Store(store.home).version(sid).state  # a fresh Store reads it from disk
    assert back == st
    assert back.to_json() == st.to_json()
    assert back.model_extra == {"swing": 0.12, "form_notes": [{"name": "A", "start_bar": 1}]}
    assert back.mixer["bass"].pan == -0.25 and back.mixer["keys"].mute


def test_state_rejects_out_of_range_pan():
    with pytest.raises(ValueError, match="pan"):
        StripSettings(pan=1.5)


@pytest.mark.parametrize("call, match", [
    (lambda s, sid: s.version("nope"), "no session 'nope'"),
    (lambda s, sid: s.version(sid, 7), "has no version 7"),
    (lambda s, sid: s.checkout(sid, 9), "has no version 9"),
    (lambda s, sid: s.undo(sid), "nothing to undo"),
    (lambda s, sid: s.redo(sid), "nothing to redo"),
    (lambda s, sid: s.commit(sid, parent=4, mix=s.version(sid).mix, stems={}, state=StateTable()),
     "parent version 4 does not exist"),
    (lambda s, sid: s.clip("0" * 32), "is missing"),
    (lambda s, sid: s.blobs.get_bytes("ab" * 16), "is missing"),
])
def test_errors_say_what_is_wrong(store, call, match):
    sid = store.create_session(mix=sine(220, 0.1), stems={})
    with pytest.raises((SessionError, ToolInputError), match=match):
        call(store, sid)
    assert store.info(sid).versions == 1  # a failed call changes nothing


def test_database_uses_wal_and_full_sync(store):
    sid = store.create_session(mix=sine(220, 0.1), stems={})
    with store._tx(write=False) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db = sqlite3.connect(store.home / "bandmate.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*) FROM versions WHERE session_id=?", (sid,)).fetchone()[0] == 1
    db.close()
