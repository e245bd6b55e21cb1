"""Sections: generated songs store their written form exactly; `analyze` finds it again from the audio.

Boundary F-measure is mir_eval.segment.detection with a 3 s window, the piece's own start and end
trimmed (they would score for free). Songs are rendered by the `generate` tool (FluidSynth when
installed, else the built-in synth) with three different forms.
"""

from __future__ import annotations

import pytest

from bandmate.core.settings import Settings
from bandmate.tools import default_registry
from bandmate.tools.analyze import boundary_f
from bandmate.tools.backends.composer.form import parse_form
from bandmate.tools.context import Backends
from bandmate.tools.run import run_tool

SONGS = [
    ("rock in A minor at 128 bpm with drums, bass, guitar and lead, form intro:4 verse:8 chorus:8 verse:8 "
     "chorus:8 outro:4", ["intro", "verse", "chorus", "verse", "chorus", "outro"]),
    ("funk in E minor at 100 bpm with drums, bass and keys, form verse:8 chorus:8 verse:8 chorus:8 bridge:8 "
     "chorus:8", ["verse", "chorus", "verse", "chorus", "bridge", "chorus"]),
    ("jazz in F major at 140 bpm with drums, walking bass and piano, form intro verse verse chorus verse outro",
     ["intro", "verse", "verse", "chorus", "verse", "outro"]),
]


@pytest.fixture(scope="module")
def backends():
    return Backends()


@pytest.mark.parametrize("prompt, names", SONGS, ids=["rock", "funk", "jazz"])
def test_generated_form_is_written_and_found_again(store, backends, prompt, names):
    gen = run_tool(default_registry(), "generate", {"prompt": prompt}, store=store, session_id=None,
                   settings=Settings())
    sid = gen.version.session_id
    written = store.version(sid).state.sections
    assert [s.name for s in written] == names and all(s.source == "written" for s in written)
    assert [s.label for s in written][:2] == ["A", "B"] and written[0].start_s == 0.0
    # exact: section starts sit on the bar grid of the written tempo
    bar_s = 60 / gen.result.tempo_bpm * 4
    starts = [round(s.start_s / bar_s) for s in written]
    assert starts == [s.first_bar - 1 for s in parse_form(prompt.split("form ", 1)[1].split())]
    out = run_tool(default_registry(), "analyze", {}, store=store, session_id=sid, backends=backends,
                   settings=Settings())
    state = store.version(sid).state
    assert state.sections == written  # a generated session keeps its written form
    f = boundary_f(written, out.result.sections)
    assert f >= 0.6, (f, [(s.start_s, s.label) for s in out.result.sections])
    assert state.measured["agreement"]["sections_boundary_f"] == pytest.approx(f, abs=1e-3)


def test_form_words_are_validated():
    from bandmate.core.errors import ToolInputError

    with pytest.raises(ToolInputError, match="form section 'solo2' is not known"):
        parse_form(["verse", "solo2"])
    with pytest.raises(ToolInputError, match="has 99 bars; use 1–64"):
        parse_form(["verse:99"])
    assert [(s.name, s.first_bar, s.label) for s in parse_form(["intro", "verse:8", "refrain", "verse"])] == \
        [("intro", 1, "A"), ("verse", 5, "B"), ("chorus", 13, "C"), ("verse", 21, "B")]
