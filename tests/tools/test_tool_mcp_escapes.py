"""Symlink escapes through the MCP session verbs are refused; bools refused through MCP too (issue 11)."""

from __future__ import annotations

import asyncio
import os

import pytest

from bandmate.core.audio_io import save
from bandmate.core.settings import Settings
from bandmate.core.testsignals import sine
from bandmate.tools import default_registry


def call(store, roots, tool, args):
    from mcp import Client

    from bandmate.surfaces.mcp_server import build_mcp_server

    server = build_mcp_server(default_registry(), Settings(home=store.home, mcp_roots=tuple(roots)), store)

    async def go():
        async with Client(server) as client:
            return await client.call_tool(tool, args)

    return asyncio.run(go())


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    r.mkdir()
    return r


def test_stems_dir_with_links_outside_refused_with_one_message(store, root, tmp_path):
    save(sine(220, 0.3), tmp_path / "secret.wav")
    answers = []
    for target in (tmp_path / "secret.wav", tmp_path / "missing.wav"):  # existing and missing outside files
        d = root / f"stems_{target.stem}"
        d.mkdir()
        save(sine(110, 0.3), d / "bass.wav")
        os.symlink(target, d / "keys.wav")
        res = call(store, [root], "session_new", {"stems_dir": str(d)})
        assert res.is_error and "leads outside the allowed directories" in res.content[0].text
        answers.append(res.content[0].text.replace(d.name, "D"))
    assert answers[0] == answers[1]  # no existence oracle
    assert store.list_sessions() == []


def test_audio_path_link_outside_refused_alike(store, root, tmp_path):
    save(sine(220, 0.3), tmp_path / "secret.wav")
    os.symlink(tmp_path / "secret.wav", root / "a.wav")
    os.symlink(tmp_path / "missing.wav", root / "b.wav")
    texts = [call(store, [root], "session_new", {"audio_path": str(root / n)}).content[0].text.replace(n, "X")
             for n in ("a.wav", "b.wav")]
    assert "outside the allowed directories" in texts[0] and texts[0] == texts[1]


@pytest.mark.parametrize("link", ["history.json", "stems"])
def test_export_never_writes_through_a_link(make_session, band_stems, store, root, tmp_path, link):
    session = make_session(stems=band_stems)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "history.json").write_text("precious")
    out = root / "exp"
    out.mkdir()
    os.symlink(victim / ("history.json" if link == "history.json" else ""), out / link)
    res = call(store, [root], "session_export", {"session_id": session.id, "out_dir": str(out)})
    assert res.is_error and "never writes through a link" in res.content[0].text
    assert (victim / "history.json").read_text() == "precious" and sorted(p.name for p in victim.iterdir()) == [
        "history.json"]


def test_export_into_a_plain_folder_works(make_session, band_stems, store, root):
    session = make_session(stems=band_stems)
    res = call(store, [root], "session_export", {"session_id": session.id, "out_dir": str(root / "exp")})
    assert not res.is_error, res.content[0].text
    assert (root / "exp" / "stems" / "bass.wav").is_file() and (root / "exp" / "history.json").is_file()


def test_boolean_numbers_refused_through_mcp(make_session, store):
    session = make_session(mix=sine(330, 0.5, amplitude=0.2))
    res = call(store, [], "gain", {"session_id": session.id, "gain_db": True})
    assert res.is_error and "boolean" in res.content[0].text
    assert store.info(session.id).versions == 1


def test_truncated_file_warning_reaches_the_mcp_client(store, root):
    import numpy as np
    import soundfile as sf

    full = root / "full.wav"
    sf.write(str(full), np.zeros((44_100, 2), np.float32) + 0.1, 44_100, subtype="PCM_16")
    (root / "cut.wav").write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    res = call(store, [root], "session_new", {"audio_path": str(root / "cut.wav")})
    assert not res.is_error and "looks truncated" in res.structured_content["warnings"][0]
