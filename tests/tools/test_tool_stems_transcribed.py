"""replace_stem(revoice=true) and add_stem(follow_stem=…) on a real recording: the transcribed part
played by another instrument, rendered with the session's renderer; other stems untouched."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from test_tool_transcribe import note_f

from bandmate.core.audio_io import load
from bandmate.core.errors import ToolInputError
from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.backends.composer.arrangement import Part
from bandmate.tools.run import run_tool

pytestmark = pytest.mark.skipif(importlib.util.find_spec("basic_pitch") is None,
                                reason="basic-pitch is not installed")


@pytest.fixture
def recording(make_session, real_data):
    path = real_data / "choice_drum_bass.ogg"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    clip = load(path)
    session = make_session(mix=clip.replace(clip.samples[:, : 15 * clip.sample_rate], "first 15 s"))

    def run(tool, **args):
        return run_tool(default_registry(), tool, args, store=session.store, session_id=session.id,
                        settings=Settings())

    run("separate")
    return session, run


def _asset(session, name) -> Part:
    return Part.from_json(session.store.blobs.get_bytes(session.head.assets[name]))


def test_revoiced_bass_plays_the_transcribed_notes(recording):
    session, run = recording
    before = session.head
    r = run("replace_stem", stem="bass", instrument="synth bass", revoice=True).result
    after = session.head
    assert "transcribed" in r.summary and r.notes == r.notes_before >= 20 and abs(r.level_db) < 3.0
    assert after.stems["drums"] == before.stems["drums"] and after.stems["bass"] != before.stems["bass"]
    transcribed = _asset(session, "notes:transcribed:bass")
    written = _asset(session, "notes:bass")  # what the new stem plays
    assert [n.pitch % 12 for n in written.notes] == [n.pitch % 12 for n in transcribed.notes]
    # the new audio transcribes back to the notes it was rendered from
    again = run("transcribe", target="bass").result
    assert note_f(written, _asset(session, again.notes_asset)) >= 0.6


def test_doubling_a_recorded_part_adds_a_stem(recording):
    session, run = recording
    before = session.head
    r = run("add_stem", instrument="strings", follow_stem="bass").result
    assert r.stem == "strings" and r.source == "transcribed" and r.notes >= 20
    head = session.head
    assert {k: v for k, v in head.stems.items() if k != "strings"} == before.stems
    strings = _asset(session, "notes:strings")
    assert 52 <= np.median([n.pitch for n in strings.notes]) <= 68  # moved up into the strings' register


def test_revoice_needs_an_instrument_and_a_pitched_target(recording):
    session, run = recording
    with pytest.raises(ToolInputError, match="say which with instrument="):
        run("replace_stem", stem="bass", revoice=True)
    with pytest.raises(ToolInputError, match="drum kit"):
        run("replace_stem", stem="bass", instrument="drums", revoice=True)
